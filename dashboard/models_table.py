"""Every registered model in one table, from each model's own figures: the Evaluation and Explanation quality
pages and About show it under the chosen model's figures."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.errors import ResourceError
from dashboard.model_choice import card_label
from dashboard.model_files import (
    get_model_abnormality_head,
    get_model_explanation_quality,
    get_model_metrics,
    get_model_sick_healthy,
)
from dashboard.registry_cards import get_registry_cards
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
        head = get_model_abnormality_head(card["id"]) or {}
    except ResourceError:  # a damaged file: that model's row stays empty, the page says so where it is read
        metrics, quality, sick, head = {}, {}, {}, {}
    external = metrics.get("external") or {"abnormal_score_auroc": (sick.get("external") or {}).get("auroc")}
    nih = metrics.get("adult_nih") or {}
    lungs = (quality.get("methods", {}).get("gradcam") or {}).get("lung_share") or {}
    pointing, method = _best_pointing(quality)
    return {
        "model": card_label(card),
        "classes": ", ".join(card["classes"]),
        "input": f"{card['input_size']} px {'grey' if card['channels'] == 1 else 'RGB'}",
        # Older cards carry no format: they are Keras files fed 0-1 (model.registry.card's defaults).
        "backend": f"{card.get('format', 'keras')} ({card.get('layout', 'NHWC')}, {card.get('scaling', 'unit')})",
        "macro-F1": _num((metrics.get("overall") or {}).get("macro_f1")),
        "NIH pneu.": _pct(nih.get("pneumonia_called_pneumonia")),
        "ext. COVID": _num(external.get("auroc")),
        "ext. sick": _num(external.get("abnormal_score_auroc")),
        "ext. head": _num(((head.get("external") or {}).get("head") or {}).get("auroc")),
        "in lungs": _pct((lungs.get("all") or {}).get("median")),
        "peak in": _pct(lungs.get("peak_in_lungs")),
        "pointing": _num(pointing) + (f" ({label_of(method)})" if method else ""),
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
    rows = pd.DataFrame([model_row(card) for card in cards])
    widths = {name: st.column_config.Column(width="small") for name in rows.columns if name != "pointing"}
    widths["model"] = st.column_config.Column(width="medium")  # a long name is cut; the cell shows it whole
    st.dataframe(rows, hide_index=True, width="stretch", column_config=widths)
    st.caption(
        "Test split: macro-F1; NIH pneu.: adult NIH pneumonia films called Pneumonia. Other hospitals (72 films): "
        "ext. COVID and ext. sick are the AUROC of the COVID-19 score and of the sick-vs-healthy score "
        "(1 − P(Normal)); ext. head: the same for the model's separate abnormality output, where it has one. "
        "In lungs / peak in: Grad-CAM's median share of heat inside the lungs and the share of films whose hottest "
        "point is inside them. "
        "Empty cells: not computed for that model (its classes are not the data's labels, or nobody ran "
        "`python scripts/evaluate.py --model ID` / `python scripts/audit_explanations.py --model ID`). AUROC: how "
        "well a score ranks sick above healthy films (0.5 = chance, 1 = perfect). Pointing game: share of "
        "radiologist-boxed films where the map's hottest point falls in the box (best method)."
    )
