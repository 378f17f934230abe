"""Train every variant on one split, measure each alike (validation, test, where its maps sit, the radiologists'
boxes, other hospitals, the source probe), save the figures, and ship the one the rule chooses.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from model import config
from model.data.dataset import SplitArrays, load_split
from model.data.manifest import SOURCE_NIH
from model.evaluation.generalisation import (
    adult_nih_figures,
    by_age_group,
    external_figures,
    external_labels,
    load_external_inputs,
    load_external_table,
)
from model.evaluation.metrics import summarise
from model.input_recipe import InputRecipe, apply_recipe, lung_focus_masks
from model.lungs import predict_lung_masks
from model.training.rule import RULE_ROUND, RULE_TEXT, choose, rule_gap, rule_score  # noqa: F401
from model.training.variants import VARIANTS, Variant

EXPERIMENTS_DIR: Path = config.CACHE_DIR / "experiments"


@dataclass
class PreparedData:
    train: SplitArrays
    val: SplitArrays
    test: SplitArrays
    external_table: object = None
    external_inputs: np.ndarray | None = None
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    box_films: object = None  # model.evaluation.attention.BoxFilms: evaluation only, never read by training
    segmenter: object = None


def prepare(external_dir: Path | None) -> PreparedData:
    from model.data.manifest import load_splits
    from model.evaluation.attention import load_box_films
    from model.lungs import load_segmenter

    data = PreparedData(
        load_split("train"), load_split("val", representatives_only=True), load_split("test", representatives_only=True)
    )
    if external_dir is not None and external_dir.is_dir():
        data.external_table = load_external_table(external_dir)
        data.external_inputs = load_external_inputs(data.external_table)
    segmenter = load_segmenter()
    for name, arrays in (("train", data.train), ("val", data.val), ("test", data.test)):
        data.masks[name] = predict_lung_masks(segmenter, arrays.images)
    if data.external_inputs is not None:
        data.masks["external"] = predict_lung_masks(segmenter, data.external_inputs)
    data.box_films = load_box_films(segmenter, splits=load_splits())
    data.segmenter = segmenter
    return data


def _with_recipe(arrays: SplitArrays, recipe: InputRecipe, masks: np.ndarray) -> SplitArrays:
    return SplitArrays(apply_recipe(recipe, arrays.images, masks), arrays.labels, arrays.table)


def nih_balanced_accuracy(table, labels: np.ndarray, probabilities: np.ndarray) -> float:
    nih = adult_nih_figures(table, labels, probabilities)
    return nih["balanced_accuracy"] if nih and nih["balanced_accuracy"] is not None else 0.0


def figures(model, arrays: SplitArrays, with_probe: bool) -> dict[str, object]:
    from model.evaluation.source_probe import source_probe
    from model.inference import predict_probabilities

    probabilities = predict_probabilities(model, arrays.images)
    summary = summarise(arrays.labels, probabilities, with_bootstrap=False)
    result = {
        "n": int(len(arrays.labels)),
        "accuracy": summary["accuracy"],
        "macro_f1": summary["macro_f1"],
        "balanced_accuracy": float(np.mean([c["sensitivity"] for c in summary["per_class"].values()])),
        "per_class": summary["per_class"],
        "confusion_matrix": summary["confusion_matrix"],
        "adult_nih": adult_nih_figures(arrays.table, arrays.labels, probabilities),
        "by_age_group": {
            g: {"n": v["n"], "accuracy": v["accuracy"], "macro_f1": v["macro_f1"]}
            for g, v in by_age_group(arrays.table, arrays.labels, probabilities).items()
        },
    }
    old_sources = (arrays.table["source"] != SOURCE_NIH).to_numpy()
    result["without_nih_macro_f1"] = summarise(
        arrays.labels[old_sources], probabilities[old_sources], with_bootstrap=False
    )["macro_f1"]
    if with_probe:
        result["source_probe"] = source_probe(model, arrays.images, arrays.table)
    return result


# Methods whose maps the experiments measure on the box films (SmoothGrad fails the sanity check; its maps are
# pixel-level and are audited separately).
LOCALISATION_METHODS: tuple[str, ...] = ("gradcam", "gradcam++", "layercam", "scorecam")


def attention_figures(model, recipe: InputRecipe, data: PreparedData, record: dict[str, object]) -> None:
    """Lung share and peak-in-lungs (Grad-CAM, predicted class) on validation and test; boxes; opacity labels."""
    from model.evaluation.attention import explain_in_batches, localisation_figures, lung_attention, radiologist_opacity
    from model.inference import predict_probabilities

    for split, arrays in (("validation", data.val), ("test", data.test)):
        inputs = apply_recipe(recipe, arrays.images, data.masks["val" if split == "validation" else "test"])
        targets = predict_probabilities(model, inputs).argmax(axis=1)
        maps = explain_in_batches(model, "gradcam", inputs, targets)
        record[f"{split}_attention"] = lung_attention(maps, data.masks["val" if split == "validation" else "test"])
    if data.box_films is not None:
        boxes = data.box_films
        inputs = apply_recipe(recipe, boxes.inputs, boxes.lung_masks)
        record["localisation"] = localisation_figures(model, inputs, boxes, LOCALISATION_METHODS)
        record["radiologist_opacity"] = radiologist_opacity(model, recipe, data.segmenter)


def run_variant(variant: Variant, data: PreparedData, log=print, seed: int = config.SEED) -> dict[str, object]:
    """Train and measure one variant. Another `seed` (a seed repeat) saves under its own name and never ships."""
    from model.training.loop import train

    if seed != config.SEED:
        variant = replace(variant, name=f"{variant.name}@seed{seed}")

    train_data = _with_recipe(data.train, variant.recipe, data.masks["train"])
    val_data = _with_recipe(data.val, variant.recipe, data.masks["val"])

    def selection(labels: np.ndarray, probabilities: np.ndarray) -> float:
        from model.training.loop import balanced_accuracy

        overall = balanced_accuracy(labels, probabilities.argmax(1), len(config.CLASS_NAMES))
        return 0.5 * overall + 0.5 * nih_balanced_accuracy(val_data.table, labels, probabilities)

    EXPERIMENTS_DIR.mkdir(parents=True, exist_ok=True)
    model_path = EXPERIMENTS_DIR / f"{variant.name}.keras"
    started = time.perf_counter()
    result = train(
        train_data,
        val_data,
        seed=seed,
        max_epochs=variant.max_epochs,
        per_class=variant.per_class,
        patience=variant.patience,
        source_adversary=variant.source_adversary,
        attention_penalty=variant.attention_penalty,
        penalty_ramp_epochs=variant.penalty_ramp_epochs,
        lung_weights=_lung_weights(data, variant),
        stage_filters=variant.stage_filters,
        abnormality_weight=variant.abnormality_weight,
        log=log,
        checkpoint=model_path,
        augmentation=variant.augmentation,
        label_smoothing=variant.label_smoothing,
        selection_score=selection,
    )
    seconds = time.perf_counter() - started
    result.model.save(model_path)
    (EXPERIMENTS_DIR / f"{variant.name}.history.json").write_text(
        json.dumps(
            {"best_epoch": result.best_epoch, "seconds": round(result.seconds, 1), "epochs": result.history}, indent=1
        )
    )

    record: dict[str, object] = {
        "variant": variant.name,
        "seed": seed,
        "description": variant.description,
        "settings": variant.settings(),
        "training_minutes": round(seconds / 60, 1),
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.history),
    }
    record = measure(variant, result.model, data, record)
    if result.abnormality_weights is not None:
        record["abnormality_output"] = trained_abnormality_figures(variant, result, data)
    return record


def trained_abnormality_figures(variant: Variant, result, data: PreparedData) -> dict[str, object]:
    """The output trained alongside, measured like a fitted head; its document is kept beside the model file."""
    from dataclasses import replace

    from model.abnormality_head import from_dense
    from model.provenance import sha256_of
    from model.registry.classifier import as_classifier
    from model.training.abnormality_fit import scored_films, trained_head_document

    model_path = EXPERIMENTS_DIR / f"{variant.name}.keras"
    classifier = as_classifier(result.model)
    card = replace(classifier.card, id=variant.name, recipe=variant.recipe, sha256=sha256_of(model_path))
    classifier = replace(classifier, card=card)
    head = from_dense(*result.abnormality_weights, model_sha256=card.sha256)
    document = trained_head_document(classifier, head, scored_films(classifier, data.segmenter))
    (EXPERIMENTS_DIR / f"{variant.name}.{config.ABNORMALITY_HEAD_FILENAME}").write_text(json.dumps(document, indent=1))
    return {key: document[key] for key in ("test", "test_adult_nih", "external", "test_per_origin_auroc")}


def _lung_weights(data: PreparedData, variant: Variant) -> np.ndarray | None:
    if variant.attention_penalty <= 0:
        return None
    from model.training.attention_penalty import lung_weights

    return lung_weights(data.masks["train"])


def measure(variant: Variant, model, data: PreparedData, record: dict[str, object]) -> dict[str, object]:
    """Every figure of a trained variant: validation (the rule's), test, attention, boxes, external, probe."""
    from model.inference import predict_probabilities

    val_data = _with_recipe(data.val, variant.recipe, data.masks["val"])
    test_data = _with_recipe(data.test, variant.recipe, data.masks["test"])
    record["validation"] = figures(model, val_data, with_probe=True)
    record["test"] = figures(model, test_data, with_probe=True)
    attention_figures(model, variant.recipe, data, record)
    if data.external_inputs is not None:
        external_inputs = apply_recipe(variant.recipe, data.external_inputs, data.masks["external"])
        labels = external_labels(data.external_table)
        record["external"] = external_figures(
            data.external_table, labels, predict_probabilities(model, external_inputs)
        )
    if variant.recipe.lung_focus:
        record["lung_mask_fallback_share"] = {
            split: float(lung_focus_masks(masks)[1].mean()) for split, masks in data.masks.items()
        }
    record["rule_round"] = RULE_ROUND
    record["rule_score"] = rule_score(record)
    record["rule_score_missing_because"] = rule_gap(record)
    return record


def remeasure(name: str, model_path: Path, data: PreparedData, previous: dict[str, object]) -> dict[str, object]:
    """A recorded variant's figures recomputed from its saved model (round 3 adds attention and boxes)."""
    from model.inference import load_classifier

    keep = ("variant", "description", "settings", "training_minutes", "best_epoch", "epochs_run")
    record = {k: previous[k] for k in keep if k in previous}
    return measure(VARIANTS[name], load_classifier(model_path), data, record)


def rescore_external(document: dict[str, object], external_dir: Path, path: Path = config.EXPERIMENTS_PATH) -> None:
    """Recompute every recorded variant's external figures from its saved model (new figures, same films).

    Reporting only: the choice reads validation figures, never these.
    """
    from model.inference import load_classifier, predict_probabilities
    from model.lungs import load_segmenter

    table = load_external_table(external_dir)
    inputs = load_external_inputs(table)
    masks = predict_lung_masks(load_segmenter(), inputs)
    labels = external_labels(table)
    for name, record in document["variants"].items():
        model_path = EXPERIMENTS_DIR / f"{name}.keras"
        if name not in VARIANTS or not model_path.is_file():
            continue
        model = load_classifier(model_path)
        probabilities = predict_probabilities(model, apply_recipe(VARIANTS[name].recipe, inputs, masks))
        record["external"] = external_figures(table, labels, probabilities)
    path.write_text(json.dumps(document, indent=1))


def ship(name: str, document: dict[str, object], path: Path = config.EXPERIMENTS_PATH) -> None:
    """Register the chosen variant as assets/models/<name>/ (model, card with its recipe, history) and record the
    choice; the app uses it once `DEFAULT_MODEL_ID` in model/config.py names it (one reviewed line)."""
    import datetime as dt

    from model.provenance import sha256_of
    from model.registry.card import ModelCard, write_card

    folder = config.model_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(EXPERIMENTS_DIR / f"{name}.keras", folder / config.MODEL_FILENAME)
    shutil.copyfile(EXPERIMENTS_DIR / f"{name}.history.json", folder / config.HISTORY_FILENAME)
    trained_head = EXPERIMENTS_DIR / f"{name}.{config.ABNORMALITY_HEAD_FILENAME}"
    if trained_head.is_file():  # an abnormality output trained alongside: it is this model's head
        shutil.copyfile(trained_head, folder / config.ABNORMALITY_HEAD_FILENAME)
    card = ModelCard(
        id=name,
        display_name=name,
        classes=config.CLASS_NAMES,
        recipe=VARIANTS[name].recipe,
        trained_on="Training split of assets/splits.csv",
        date=dt.date.today().isoformat(),
        sha256=sha256_of(folder / config.MODEL_FILENAME),
        description=VARIANTS[name].description,
    )
    write_card(card, folder / config.MODEL_CARD_FILENAME)
    if document.get("shipped") not in (None, name):
        document["previously_shipped"] = document["shipped"]
    document["shipped"] = name
    path.write_text(json.dumps(document, indent=1))
    if name != config.DEFAULT_MODEL_ID:
        print(f"Registered {name}; set DEFAULT_MODEL_ID = {name!r} in model/config.py to make it the default.")
