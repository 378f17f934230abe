"""Every registered model in one table, from each model's own figures: the Evaluation and Explanation quality
pages and About show it under the chosen model's figures."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.model_choice import card_label
from dashboard.resources import (
    ResourceError,
    get_model_explanation_quality,
    get_model_metrics,
    get_model_sick_healthy,
    get_registry_cards,
)
from model.explain.catalog import label_of


def _best_pointing(quality: dict) -> tuple[float | None, str]:
    methods = (quality.get("against_radiologists") or {}).get("methods") or {}
    if not methods:
        return None, ""
    key, row = max(methods.items(), key=lambda item: item[1]["all"]["pointing_game"])
    return row["all"]["pointing_game"], key.split("@")[0]


def model_row(card: dict) -> dict[str, object]:
    """One model's headline figures; None where they were not computed for it."""
    try:
        metrics = get_model_metrics(card["id"]) or {}
        quality = get_model_explanation_quality(card["id"]) or {}
        sick = get_model_sick_healthy(card["id"]) or {}  # a Normal/Abnormal model's own figures
    except ResourceError:  # a damaged file: that model's row stays empty, the page says so where it is read
        metrics, quality, sick = {}, {}, {}
    external = metrics.get("external") or {"abnormal_score_auroc": (sick.get("external") or {}).get("auroc")}
    nih = metrics.get("adult_nih") or {}
    lungs = (quality.get("methods", {}).get("gradcam") or {}).get("lung_share") or {}
    pointing, method = _best_pointing(quality)
    return {
        "model": card_label(card),
        "classes": ", ".join(card["classes"]),
        "input": f"{card['input_size']} px {'grey' if card['channels'] == 1 else 'RGB'}",
        "test macro-F1": _num((metrics.get("overall") or {}).get("macro_f1")),
        "NIH pneumonia → Pneumonia": _pct(nih.get("pneumonia_called_pneumonia")),
        "other hospitals COVID-19 AUROC": _num(external.get("auroc")),
        "other hospitals sick AUROC": _num(external.get("abnormal_score_auroc")),
        "heat in lungs": _pct((lungs.get("all") or {}).get("median")),
        "peak in lungs": _pct(lungs.get("peak_in_lungs")),
        "pointing game": _num(pointing) + (f" ({label_of(method)})" if method else ""),
    }


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def registered_models_table() -> None:
    cards = get_registry_cards()
    if len(cards) < 2:
        return
    st.subheader("Every registered model")
    st.dataframe(pd.DataFrame([model_row(card) for card in cards]), hide_index=True, width="stretch")
    st.caption(
        "Empty cells: not computed for that model (its classes are not the data's labels, or nobody ran "
        "`python scripts/evaluate.py --model ID` / `python scripts/audit_explanations.py --model ID`). AUROC: how "
        "well a score ranks sick above healthy films (0.5 = chance, 1 = perfect). Pointing game: share of "
        "radiologist-boxed films where the map's hottest point falls in the box (best method). Heat and peak in "
        "lungs: Grad-CAM on the test split (median share, share of films)."
    )
