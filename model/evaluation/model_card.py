"""The model card, written from the JSON files the scripts produce: no figure in it is typed by hand.

`scripts/write_model_card.py` renders `assets/MODEL_CARD.md` from metrics.json, experiments.json,
explanation_quality.json, input_gate.json, abnormality_head.json, dataset_stats.json and
lung_segmenter_metrics.json; a test checks that every number in the card appears in one of them. Prose here
carries no digits of its own (references excepted).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from model import config
from model.explain.catalog import label_of

REFERENCES_HEADING = "## References"


@dataclass(frozen=True)
class CardSources:
    metrics: dict
    experiments: dict
    quality: dict
    gate: dict
    dataset: dict
    segmenter: dict
    abnormality: dict

    @classmethod
    def read(cls, assets: Path | None = None, model_folder: Path | None = None) -> CardSources:
        """The shared files from `assets` and the model's own (metrics, audit, gate) from its registry folder
        (default: the default model's)."""
        assets = assets or config.ASSETS_DIR
        model_folder = model_folder or config.DEFAULT_MODEL_DIR

        def load(path: Path) -> dict:
            return json.loads(path.read_text()) if path.is_file() else {}

        return cls(
            load(model_folder / config.METRICS_FILENAME),
            load(assets / config.EXPERIMENTS_PATH.name),
            load(model_folder / config.EXPLANATION_QUALITY_FILENAME),
            load(model_folder / config.INPUT_GATE_FILENAME),
            load(assets / config.DATASET_STATS_PATH.name),
            load(assets / config.SEGMENTER_METRICS_PATH.name),
            load(model_folder / config.ABNORMALITY_HEAD_FILENAME),
        )


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def interval(bounds: list[float] | None, digits: int = 2) -> str:
    return "—" if not bounds else f"{bounds[0]:.{digits}f}–{bounds[1]:.{digits}f}"


def _count(dataset: dict, label: str, source: str) -> int:
    return sum(
        r["count"] for r in dataset.get("by_class_source_age", []) if r["label"] == label and r["source"] == source
    )


def pointing_figures(record: dict, method: str = "gradcam") -> dict:
    return ((record.get("localisation") or {}).get("methods") or {}).get(method, {}).get("all", {})


def variants_table(experiments: dict) -> str:
    head = (
        "| variant | rule score | val macro-F1 | test macro-F1 | heat in lungs (test, median) | peak in lungs | "
        "pointing game (Grad-CAM) | heat in box ÷ chance | NIH pneumonia → Pneumonia | NIH normals → COVID-19 | "
        "external COVID-19 AUROC | external sick/healthy AUROC | minutes |\n|" + "---|" * 13
    )
    rows = []
    for name, record in experiments.get("variants", {}).items():
        test, external = record["test"], record.get("external") or {}
        nih = test.get("adult_nih") or {}
        attention = record.get("test_attention") or {}
        pointing = pointing_figures(record)
        shipped = " (shipped)" if experiments.get("shipped") == name else ""
        score = num(record.get("rule_score"), 3) if record.get("rule_score") is not None else "—"
        rows.append(
            f"| `{name}`{shipped} | {score} | {num(record['validation']['macro_f1'], 3)} | "
            f"{num(test['macro_f1'], 3)} | "
            f"{num(attention.get('median_lung_share'))} | {pct(attention.get('peak_in_lungs'))} | "
            f"{num(pointing.get('pointing_game'))} | {num(pointing.get('heat_in_box_over_chance'), 1)} | "
            f"{pct(nih.get('pneumonia_called_pneumonia'))} | {pct(nih.get('normals_called_covid'))} | "
            f"{num(external.get('auroc'))} | {num(external.get('abnormal_score_auroc'))} | "
            f"{record['training_minutes']} |"
        )
    return head + "\n" + "\n".join(rows)


def localisation_table(section: dict | None) -> str:
    if not section:
        return "No radiologist boxes were available when the audit ran."
    base = section["baselines"]["all"]
    lines = [
        "| map | pointing game (95% CI) | peak inside a box exactly | heat in box ÷ chance (95% CI) | held-out films: "
        "pointing game |",
        "|---|---|---|---|---|",
    ]
    for row in section["methods"].values():
        every, held = row["all"], row["held_out"]
        layer = f" on `{row['layer']}`" if row["layer"] else ""
        lines.append(
            f"| {label_of(row['method'])}{layer} | "
            f"{num(every['pointing_game'])} ({interval(every['pointing_game_95'])}) | "
            f"{num(every['pointing_game_exact'])} | {num(every['heat_in_box_over_chance'], 1)} "
            f"({interval(every['heat_in_box_over_chance_95'], 1)}) | {num(held.get('pointing_game'))} |"
        )
    random = base["random_point"]
    lines.append(
        f"| a random point | {num(random['pointing_game'])} | {num(random['pointing_game_exact'])} | "
        f"{num(random['heat_in_box_over_chance'], 1)} | |"
    )
    lines.append(f"| the centre of the lungs | {num(base['lung_centre']['pointing_game'])} | | | |")
    lines.append(
        f"| a map even over the lungs | {num(base['uniform_over_lungs']['pointing_game'])} | | "
        f"{num(base['uniform_over_lungs']['heat_in_box_over_chance'], 1)} | |"
    )
    return "\n".join(lines)


def _head_sentence(external: dict, nih: dict) -> str:
    """The abnormality head against 1 − P(Normal), where the model has a head."""
    fitted, classes = external.get("head") or {}, external.get("one_minus_normal") or {}
    if not fitted:
        return "The Explain page shows that abnormality score beside the class probabilities for this reason."
    nih_head, nih_classes = nih.get("head") or {}, nih.get("one_minus_normal") or {}
    return (
        "A separate abnormality output, fitted on the network's features with every source × answer weighted "
        f"alike, does better still: AUROC {num(fitted.get('auroc'))} (95% CI {interval(fitted.get('auroc_95'))}) "
        f"on those films against {num(classes.get('auroc'))} for one minus P(Normal), and "
        f"{num(nih_head.get('auroc'))} against {num(nih_classes.get('auroc'))} on the adult NIH test patients. "
        "The Explain page shows it beside the class probabilities for this reason."
    )


def render_card(sources: CardSources) -> str:
    m, e, q, g, d, s = (
        sources.metrics,
        sources.experiments,
        sources.quality,
        sources.gate,
        sources.dataset,
        sources.segmenter,
    )
    shipped = e.get("shipped", "")
    record = e.get("variants", {}).get(shipped, {})
    external = m.get("external") or {}
    nih = m.get("adult_nih") or {}
    overall, covid = m.get("overall", {}), m.get("covid_vs_rest", {})
    attention = record.get("test_attention") or {}
    radiologists = q.get("against_radiologists")
    opacity = (radiologists or {}).get("opacity") or {}
    probe = m.get("source_probe") or {}
    ages = m.get("by_age_group") or {}
    previous = e.get("previously_shipped")
    previous_record = e.get("variants", {}).get(previous, {}) if previous else {}
    recipe = m.get("input_recipe") or {}
    recipe_words = (
        "contrast equalised (CLAHE) and the film outside the dilated lung fields suppressed"
        if recipe.get("lung_focus")
        else "the whole film"
    )
    gate_real = (g.get("real_films_passed") or {}).get("all", {})
    gate_external = (g.get("external_films_passed") or {}).get("all", {})
    gate_non = (g.get("non_xrays_stopped") or {}).get("all", {})
    held_out = ((g.get("unfamiliar_source_held_out") or {}).get("rates") or {}).get("mean") or {}
    head = sources.abnormality
    head_external = head.get("external") or {}
    head_nih = head.get("test_adult_nih") or {}
    nih_films = _count(d, config.HEALTHY_CLASS, "nih-chestxray14") + _count(
        d, config.PNEUMONIA_CLASS, "nih-chestxray14"
    )

    sections = [
        "# Model card: chest X-ray classifier (COVID-19 / Normal / Pneumonia)",
        "*Generated by `python scripts/write_model_card.py` from the JSON files in `assets/`; edit the generator, "
        "not this file.*",
        "## Intended use\nEducation and research: showing where a chest X-ray classifier looks, and how such models "
        "fail. **It is not a diagnostic device** and must not be used to make or support decisions about patients.",
        "## The model\n"
        f"A compact convolutional network (four stages of two convolutions with batch normalisation, global average "
        f"pooling, softmax over {', '.join(f'`{c}`' for c in m.get('class_names', config.CLASS_NAMES))}), trained "
        f"from scratch on one grayscale channel at {m.get('image_size')}×{m.get('image_size')} pixels, seeing "
        f"{recipe_words}.\n\n"
        f"**Shipped variant: `{shipped}`** — {record.get('description', '')} Trained in "
        f"{record.get('training_minutes')} min on two CPU cores (best epoch {record.get('best_epoch')}). Chosen "
        "among the variants below by a rule written down before any of them was scored on other hospitals or on the "
        "radiologists' boxes.",
        "## Where it looks\n"
        f"On the test split, the median Grad-CAM map (predicted class) puts {pct(attention.get('median_lung_share'))} "
        f"of its heat inside the segmented lungs, which cover {pct(attention.get('lung_area_share'))} of a film, and "
        f"its hottest point lies inside the lungs on {pct(attention.get('peak_in_lungs'))} of films.\n\n"
        "**Against radiologists.** NIH radiologists drew boxes around the pneumonia on "
        f"{(radiologists or {}).get('n_films', '—')} of the adult NIH films. Each method explains *Pneumonia* on "
        "them. The **pointing game** asks whether the map's hottest point falls in a box (within "
        f"{num((radiologists or {}).get('tolerance_px'), 0)} px on the "
        f"{(radiologists or {}).get('frame_px', '—')}-px film); **heat in box ÷ chance** divides the share of the "
        "map's mass inside the boxes by the boxes' share of the film (an even map scores one). Intervals: "
        "bootstrap over films.\n\n" + localisation_table(radiologists),
    ]
    if opacity.get("n"):
        sections.append(
            f"**How noisy the NIH label is.** Three radiologists re-read {opacity['n']} NIH films: of those NIH's "
            f"report text calls pneumonia, {opacity['nih_pneumonia_with_opacity']} show an airspace opacity and "
            f"{opacity['nih_pneumonia_without_opacity']} do not; {opacity['nih_normal_with_opacity']} of the re-read "
            f"normals do. The model's Pneumonia probability separates opacity from none with AUROC "
            f"{num(opacity.get('pneumonia_score_auroc_vs_opacity'))} (AUROC: the chance that a film with the finding "
            "scores above one without; one half is chance)."
        )
    sections += [
        "## Data\n"
        f"- **COVID-19 Radiography Database**: {_count(d, 'COVID-19', 'radiography-db')} COVID-19 and "
        f"{_count(d, 'Normal', 'radiography-db')} normal films; research use. Part of its normals are copies of "
        "the pediatric set below; the pipeline finds them and counts them as children's films.\n"
        f"- **Pediatric chest X-rays** (Kermany et al.): children from one hospital in Guangzhou, "
        f"{_count(d, 'Normal', 'pediatric-guangzhou')} normal and {_count(d, 'Pneumonia', 'pediatric-guangzhou')} "
        "pneumonia films.\n"
        f"- **NIH ChestX-ray14 adults**: {nih_films} films "
        f"({_count(d, 'Normal', 'nih-chestxray14')} no finding, {_count(d, 'Pneumonia', 'nih-chestxray14')} "
        "pneumonia), split by patient; labels mined from reports, so noisy. The radiologists' boxes and re-read "
        "labels on some of them are used for evaluation only.\n"
        f"- **External hospitals, evaluation only**: {external.get('n_covid')} COVID-19 and "
        f"{external.get('n_other')} COVID-negative adult films from two collections. Never used in training, early "
        "stopping or the choice of variant.\n"
        "- Duplicates and patients were grouped, and every group sits in one split only.",
        "## How the variant was chosen\n```\n" + e.get("rule", "").strip() + "\n```\n\n" + variants_table(e) + "\n\n"
        'A rule score of "—" means the variant did not pass the rule\'s floors, or was trained in an earlier round '
        "whose model file was not kept, so its lung share could not be measured. Heat in lungs, peak in lungs and "
        "the pointing game are Grad-CAM figures at the last convolution.",
    ]
    if previous_record:
        prev_external = previous_record.get("external") or {}
        prev_attention = previous_record.get("test_attention") or {}
        now_external = record.get("external") or {}
        even = ((radiologists or {}).get("baselines") or {}).get("all", {}).get("uniform_over_lungs", {})
        sections.append(
            "**What did not improve.** The shipped model looks at the lungs, but it ranks other hospitals' films "
            f"worse than the previous one: COVID-19 AUROC {num(now_external.get('auroc'))} against "
            f"{num(prev_external.get('auroc'))}, sick-vs-healthy {num(now_external.get('abnormal_score_auroc'))} "
            f"against {num(prev_external.get('abnormal_score_auroc'))}. Its maps point at the radiologists' boxes "
            "more often than a random point but far from always, and a map spread evenly over the lungs puts more "
            f"of its heat in the boxes ({num(even.get('heat_in_box_over_chance'), 1)} times chance) than any "
            "method: looking at the lungs is necessary, not sufficient."
        )
        sections.append(
            f"**The previous shipped model, `{previous}`**, recomputed from its file: test macro-F1 "
            f"{num(previous_record['test']['macro_f1'], 3)}, median heat in the lungs "
            f"{num(prev_attention.get('median_lung_share'))}, peak in the lungs on "
            f"{pct(prev_attention.get('peak_in_lungs'))} of films, pointing game "
            f"{num(pointing_figures(previous_record).get('pointing_game'))}, external COVID-19 AUROC "
            f"{num(prev_external.get('auroc'))} and sick-vs-healthy {num(prev_external.get('abnormal_score_auroc'))}."
        )
    sections += [
        "## Known biases — read before trusting any figure\n"
        f"- **Other hospitals.** On {external.get('n')} adult films from two hospitals it never saw, the COVID-19 "
        f"probability ranks COVID-19 above the rest with AUROC {num(external.get('auroc'))} (95% CI "
        f"{interval(external.get('auroc_95'))}); {pct(external.get('others_called_covid'))} of the COVID-negative "
        f"films are called COVID-19. Ranking sick above healthy by one minus P(Normal) does better: AUROC "
        f"{num(external.get('abnormal_score_auroc'))} (95% CI {interval(external.get('abnormal_score_auroc_95'))}). "
        + _head_sentence(head_external, head_nih)
        + "\n"
        f"- **Source confounding.** The classes still come mostly from different collections. Within a class, a "
        f"probe on the network's features tells a film's collection apart at balanced accuracy "
        f"{num(probe.get('balanced_accuracy'))} (chance {num(probe.get('chance'))}). A pathology-blind thumbnail "
        f"model reaches macro-F1 {num((m.get('baseline') or {}).get('macro_f1'))}.\n"
        f"- **Adult pneumonia is few and noisy.** On the NIH test patients "
        f"{pct(nih.get('pneumonia_called_pneumonia'))} of pneumonia films are called Pneumonia and "
        f"{pct(nih.get('normals_called_covid'))} of no-finding films COVID-19.\n"
        f"- **By age.** Test macro-F1 over the classes present: children "
        f"{num((ages.get('child') or {}).get('macro_f1'))}, adults {num((ages.get('adult') or {}).get('macro_f1'))}.\n"
        f"- **In distribution.** Test macro-F1 {num(overall.get('macro_f1'), 3)}, COVID-19 AUROC "
        f"{num(covid.get('auroc'), 3)}; these figures do not carry over to other hospitals.",
        "## The lung segmenter\n"
        "A compact U-Net trained from scratch on adult COVID-19 films with hand-drawn lung masks; on the held-out "
        f"films it reaches Dice {num((s.get('holdout') or {}).get('dice_mean'), 3)} and IoU "
        f"{num((s.get('holdout') or {}).get('iou_mean'), 3)}. Where its outline is "
        "implausible (one merged region, a lost lung) a safe central box stands in and the Explain page withholds "
        "the lung share.",
        "## When the tool does not answer\n"
        "Before any prediction a check asks whether a picture is a frontal chest X-ray at all. Measured: "
        f"{pct(gate_real.get('passed'))} of test films and {pct(gate_external.get('passed'))} of the other "
        f"hospitals' films are answered; {pct(gate_non.get('stopped'))} of generated non-X-rays are stopped "
        "(the default model's `input_gate.json`, About page). "
        + (
            "Its unfamiliar-source warning does not recognise other hospitals: with each training collection held "
            f"out in turn it flagged {pct(held_out.get('unseen_flagged'))} of the held-out collection's films on "
            f"average ({pct(held_out.get('familiar_flagged'))} of the others'), so the page says so beside every "
            "answer."
            if held_out
            else ""
        ),
        "## How the figures were computed\n"
        "- Split: stratified by class and source with a fixed seed, duplicate and patient groups kept whole.\n"
        "- Evaluation: test split, one image per duplicate group; percentile-bootstrap intervals.\n"
        "- Heatmaps: Grad-CAM, Grad-CAM++, LayerCAM, Score-CAM and SmoothGrad through traced gradients and forward "
        "passes that reproduce tf-keras-vis (tested equal); faithfulness by deletion and insertion against a random "
        "map; sanity by randomising the top layers. A plausible-looking map is not evidence by itself.",
        f"{REFERENCES_HEADING}\n"
        "Chowdhury et al., IEEE Access 2020; Rahman et al., Comput Biol Med 2021; Kermany et al., Cell 2018; Wang et "
        "al., CVPR 2017; Majkowska et al., Radiology 2020; Ross et al., IJCAI 2017; Simpson et al. 2019 (GradMask); "
        "Saporta et al., Nat Mach Intell 2022 (CheXlocalize); Adebayo et al., NeurIPS 2018; DeGrave et al., Nat "
        "Mach Intell 2021.",
    ]
    return "\n\n".join(sections) + "\n"
