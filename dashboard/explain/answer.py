"""The model's answer beside the film: the headline, the sick-or-healthy score, the lungs-hidden test, the bars."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.errors import ResourceError
from dashboard.model_files import get_model_abnormality_head, get_model_metrics
from dashboard.verdicts import show_verdict
from model import config
from model.trust.wording import abnormality_head_caption, lungs_hidden_verdict, one_minus_normal_caption


def headline_ui(prediction, truth: str | None) -> None:
    """One line above the film (also on a phone): the answer, and whether it is right where the truth is known."""
    line = f"#### Prediction: **{prediction.label}** ({prediction.confidence:.1%})"
    if truth is not None:
        right = truth == prediction.label
        line += f"  \nTrue class: **{truth}** " + (":green-badge[right]" if right else ":red-badge[wrong]")
    st.markdown(line)


def lungs_hidden_ui(container, prediction) -> None:
    """The lungs-hidden test beside the answer, where lung masks were found (model.trust.lungs_hidden)."""
    if prediction.lungs_hidden is None or prediction.lungs_only is None:
        return
    hidden = prediction.lungs_hidden
    show_verdict(
        lungs_hidden_verdict(
            prediction.label, hidden.label, hidden.probabilities[hidden.label], prediction.lungs_only.label
        ),
        container,
    )


def _external_auroc(figures: dict, score: str) -> float | None:
    return ((figures.get("external") or {}).get(score) or {}).get("auroc")


def abnormality_ui(container, prediction, model_id: str) -> None:
    """The sick-or-healthy signal, which carries over to other hospitals better than the class: the model's own
    abnormality head where it has one, else 1 - P(Normal). The sentences and their figures come from the model's
    files through model.trust.wording; a model without those files gets the score alone."""
    if prediction.abnormality is not None:
        container.metric("Abnormal (any disease)", f"{prediction.abnormality:.0%}")
        try:
            figures = get_model_abnormality_head(model_id) or {}
        except ResourceError as error:  # a broken figures file: the score stands, the page says why it is bare
            container.caption(str(error))
            return
        head = _external_auroc(figures, "head")
        n = ((figures.get("external") or {}).get("head") or {}).get("n")
        container.caption(abnormality_head_caption(n, head, _external_auroc(figures, "one_minus_normal")))
        return
    if config.HEALTHY_CLASS not in prediction.probabilities:
        return  # a model without a Normal class has no sick-or-healthy score to show
    container.metric("Abnormal (anything but Normal)", f"{1.0 - prediction.probabilities[config.HEALTHY_CLASS]:.0%}")
    try:
        external = (get_model_metrics(model_id) or {}).get("external") or {}
    except ResourceError as error:
        container.caption(str(error))
        return
    if external.get("abnormal_score_auroc") is not None:
        container.caption(one_minus_normal_caption(external["n"], external["abnormal_score_auroc"], external["auroc"]))


def answer_details_ui(prediction, model_id: str, phone: bool) -> None:
    """Below the film: the scores and their sentences beside the probability bars (stacked on a phone)."""
    words, bars = (st.container(), st.container()) if phone else st.columns([1, 1])
    abnormality_ui(words, prediction, model_id)
    lungs_hidden_ui(words, prediction)
    bars.plotly_chart(
        charts.probability_bars(prediction.probabilities), width="stretch", config=charts.CHART_CONFIG, key="probs"
    )
