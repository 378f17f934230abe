"""The Evaluation page's "Other hospitals" section: in-distribution beside external figures, said plainly.

Reads only metrics.json (and experiments.json for the variants table); draws tables, never computes a figure.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.errors import ResourceError
from dashboard.model_files import get_experiments
from dashboard.verdicts import show_verdict
from model import config
from model.evaluation.model_card import pointing_figures
from model.trust.wording import generalisation_verdict, source_probe_verdict


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _short(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _interval(values: list[float] | None) -> str:
    return "" if not values else f"{values[0]:.2f}–{values[1]:.2f}"


def _covid_row(films: str, figures: dict) -> dict[str, str]:
    return {
        "films": films,
        "COVID-19 AUROC": _num(figures.get("auroc")),
        "95% CI": _interval(figures.get("auroc_95")),
        "sick vs healthy AUROC": _num(figures.get("abnormal_score_auroc")),
        "COVID-19 sensitivity": _pct(figures.get("sensitivity")),
        "others called COVID-19": _pct(figures.get("others_called_covid")),
    }


def _nih_called_covid(nih: dict) -> tuple[int, float | None]:
    """All adult NIH test films (no COVID-19 among them), and the share the model called COVID-19."""
    groups = [nih[key] for key in ("normal", "pneumonia") if nih.get(key)]
    count = sum(group["n"] for group in groups)
    share = sum(group[config.COVID_CLASS] * group["n"] for group in groups) / count if count else None
    return count, share


def side_by_side(metrics: dict) -> pd.DataFrame:
    """COVID-19 against the rest on the test split, the adult NIH test patients and the external hospitals."""
    test, external, nih = metrics["covid_vs_rest"], metrics.get("external"), metrics.get("adult_nih")
    rows = [_covid_row(f"test split, every source ({test['n']})", test)]
    if nih:
        count, share = _nih_called_covid(nih)
        rows.append(_covid_row(f"adult NIH test patients, no COVID-19 ({count})", {"others_called_covid": share}))
    if external:
        rows.append(_covid_row(f"other hospitals, never seen ({external['n']})", external))
        for source, figures in external.get("by_source", {}).items():
            rows.append(_covid_row(f"  · {source} ({figures['n']})", figures))
    return pd.DataFrame(rows)


def nih_table(nih: dict) -> pd.DataFrame:
    rows = []
    for view, figures in [("all views", nih), *nih["by_view"].items()]:
        for truth in ("normal", "pneumonia"):
            shares = figures.get(truth)
            if shares:
                rows.append(
                    {
                        "view": view,
                        "true class": truth.capitalize(),
                        "films": shares["n"],
                        **{f"called {name}": _pct(shares[name]) for name in config.CLASS_NAMES},
                    }
                )
    return pd.DataFrame(rows)


def _short_reason(reason: str | None) -> str:
    """The rule's reason for no score, short enough for a table column (the caption below says the rest)."""
    if not reason:
        return ""
    if reason.startswith("not measured"):
        return "not measured"
    return reason.replace("validation ", "val. ")


VARIANT_NARROW_COLUMNS = (
    "rule score",
    "macro-F1",
    "in lungs",
    "peak in",
    "pointing",
    "ext. COVID",
    "ext. sick",
    "ext. head",
    "NIH pneu.",
    "min",
)


def variants_table(experiments: dict) -> pd.DataFrame:
    """One row per variant: the rule's score (or why it has none), then what each did on test, lungs, boxes and
    other hospitals. Short column names: the table must fit the page."""
    rows = []
    for name, record in experiments["variants"].items():
        test, external = record["test"], record.get("external") or {}
        nih = test.get("adult_nih") or {}
        attention = record.get("test_attention") or {}
        rows.append(
            {
                "variant": name + (" (shipped)" if experiments.get("shipped") == name else ""),
                "rule score": _short(record["rule_score"]) if record["rule_score"] is not None else "—",
                "why no score": _short_reason(record.get("rule_score_missing_because")),
                "macro-F1": _short(test["macro_f1"]),
                "in lungs": _short(attention.get("median_lung_share")),
                "peak in": _pct(attention.get("peak_in_lungs")),
                "pointing": _short(pointing_figures(record).get("pointing_game")),
                "ext. COVID": _short(external.get("auroc")),
                "ext. sick": _short(external.get("abnormal_score_auroc")),
                "ext. head": _short(
                    (((record.get("abnormality_output") or {}).get("external") or {}).get("head") or {}).get("auroc")
                ),
                "NIH pneu.": _pct(nih.get("pneumonia_called_pneumonia")),
                "min": f"{record['training_minutes']:.0f}" if record.get("training_minutes") is not None else "—",
            }
        )
    return pd.DataFrame(rows)


def head_table(head: dict) -> pd.DataFrame:
    """Sick against healthy by the abnormality head and by 1 − P(Normal), on the same films."""
    rows = []
    for films, key in (
        ("test split, every source", "test"),
        ("adult NIH test patients", "test_adult_nih"),
        ("other hospitals, never seen", "external"),
    ):
        figures = head.get(key)
        if not figures:
            continue
        fitted, classes = figures.get("head") or {}, figures.get("one_minus_normal") or {}
        rows.append(
            {
                "films": f"{films} ({fitted.get('n')})",
                "abnormality output AUROC": _num(fitted.get("auroc")),
                "95% CI": _interval(fitted.get("auroc_95")),
                "1 − P(Normal) AUROC": _num(classes.get("auroc")),
                "95% CI ": _interval(classes.get("auroc_95")),
            }
        )
    return pd.DataFrame(rows)


def other_hospitals_section(metrics: dict, head: dict | None = None) -> None:
    st.subheader("Other hospitals")
    external = metrics.get("external")
    show_verdict(generalisation_verdict(metrics["covid_vs_rest"]["auroc"], external["auroc"] if external else None))
    st.dataframe(side_by_side(metrics), hide_index=True, width="stretch")
    if external:
        st.caption(
            external["computed_on"] + ". With this few films the interval is wide: read it, not the point. "
            "AUROC: the chance that a COVID-19 film scores above a film without it (0.5 = a coin toss). "
            "'Sick vs healthy' ranks films by 1 − P(Normal): whether the model at least sees that a film is "
            "abnormal, where it cannot tell COVID-19 from other pneumonia."
        )
    if head:
        st.markdown("**Sick or healthy: the separate abnormality output** (shown on the Explain page)")
        st.dataframe(head_table(head), hide_index=True, width="stretch")
        st.caption(
            "An output fitted on the network's own features to tell sick from healthy whatever the disease, with "
            "every collection's sick and healthy films weighted alike, so that knowing the collection does not "
            "help it. Its strength was chosen on the validation split; the other hospitals' films were never used."
        )
    nih = metrics.get("adult_nih")
    if nih:
        st.markdown("**Adult NIH test patients, by view** (AP films are mostly bedside, like most COVID-19 films)")
        st.dataframe(nih_table(nih), hide_index=True, width="stretch")
    ages = metrics.get("by_age_group") or {}
    if ages:
        st.markdown("**By age group**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "age group": g,
                        "films": f["n"],
                        "accuracy": _num(f["accuracy"]),
                        "macro-F1 (classes present)": _num(f["macro_f1"]),
                    }
                    for g, f in ages.items()
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    probe = metrics.get("source_probe")
    if probe:
        st.markdown("**Source probe: does the network know where a film came from?**")
        show_verdict(source_probe_verdict(probe["above_chance"]))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "class": c,
                        "origins": ", ".join(r["origins"]),
                        "films per origin": r["per_origin"],
                        "probe balanced accuracy": _num(r["balanced_accuracy"]),
                        "chance": _num(r["chance"]),
                    }
                    for c, r in probe["per_class"].items()
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(probe["method"] + ". A model that had learned only the disease would leave the probe at chance.")
    try:
        experiments = get_experiments()
    except ResourceError:
        return
    st.markdown("**The training variants tried, and the one shipped**")
    narrow = {name: st.column_config.Column(width="small") for name in VARIANT_NARROW_COLUMNS}
    st.dataframe(variants_table(experiments), hide_index=True, width="stretch", column_config=narrow)
    st.caption(
        "Test split: macro-F1; in lungs: median share of each Grad-CAM map inside the segmented lungs (a map spread "
        "at random puts about a third there); peak in: films whose hottest point is inside them; pointing: share of "
        "the NIH films with a radiologist's pneumonia box whose Grad-CAM peak lands in it (a random point: about "
        "0.13). Other hospitals: ext. COVID and ext. sick, the AUROC of the COVID-19 score and of 1 − P(Normal); "
        "ext. head, of a sick-or-healthy output trained alongside the classes (variant i3 only). "
        "NIH pneu.: adult NIH pneumonia films called Pneumonia. min: training minutes on two CPU cores. "
        'A rule score of "—" means the variant was not eligible (the reason is beside it) or, where it says '
        '"not measured", was trained before the rule measured lung share and its model file was not kept.'
    )
    st.caption(
        "Chosen by this rule, written down before any variant was scored on the external films or the radiologists' "
        "boxes: " + experiments["rule"]
    )
    seed_repeats_table(experiments, narrow)


def seed_repeats_table(experiments: dict, column_config: dict) -> None:
    """A recipe trained again from another random start, beside its first run: how far figures move by chance."""
    repeats = experiments.get("seed_repeats") or {}
    if not repeats:
        return
    firsts = {name.split("@")[0] for name in repeats}
    rows = {name: experiments["variants"][name] for name in sorted(firsts) if name in experiments["variants"]}
    st.markdown("**Chance alone: the same recipe trained again from another random start**")
    st.dataframe(
        variants_table({"variants": {**rows, **repeats}, "shipped": experiments.get("shipped")}).drop(
            columns=["why no score", "ext. head"]  # never filled for a recipe and its repeat: room for the rest
        ),
        hide_index=True,
        width="stretch",
        column_config=column_config,
    )
    st.caption(
        "Same data, recipe and schedule; only the random start differs (the seed follows '@'). A repeat is never a "
        "candidate: the rule does not read it. A difference between two variants no larger than the one between "
        "these rows may be chance."
    )
