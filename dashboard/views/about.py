"""About / model card: intended use, data, known biases, how the figures were made."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.errors import ResourceError
from dashboard.model_choice import current_card
from dashboard.model_files import get_input_gate_report, get_metrics
from dashboard.plain_text import plain
from dashboard.registry_cards import get_registry_cards
from dashboard.texts import unfamiliar_sentence
from model import config


def registry_cards_ui(chosen: dict | None) -> None:
    """Every registered model's card fields, the chosen one opened."""
    st.subheader("Registered models")
    for card in get_registry_cards():
        title = plain(card["display_name"]) + (" · teaching exhibit" if card.get("teaching_exhibit") else "")
        with st.expander(title, expanded=chosen is not None and card["id"] == chosen["id"]):
            st.markdown(
                f"- id `{card['id']}`; classes in output order: {plain(', '.join(card['classes']))}\n"
                f"- input {card['input_size']}×{card['input_size']} px, {'grey' if card['channels'] == 1 else 'RGB'}; "
                f"recipe: {', '.join(k for k, v in card['recipe'].items() if v) or 'plain'}\n"
                f"- trained on: {plain(card['trained_on'] or 'not stated')}; "
                f"date {plain(card['date'] or 'not stated')}\n"
                f"- file sha256 `{card['sha256'][:16]}…`"
            )
            if card["description"]:
                st.markdown(plain(card["description"]))


st.title("About this model")
chosen = current_card()
if chosen is not None and chosen["id"] != config.default_model_id():
    st.info(
        f"You are looking through **{plain(chosen['display_name'])}**. Its registry card is below; the full model card "
        "that follows describes the default model."
    )
registry_cards_ui(chosen)
st.markdown(config.MODEL_CARD_PATH.read_text() if config.MODEL_CARD_PATH.is_file() else "Model card file missing.")

st.subheader("Shipped files")
try:
    metrics = get_metrics()
    st.markdown(
        f"- Model `{metrics['model_file']}` (sha256 `{metrics['model_sha256'][:16]}…`), input {metrics['image_size']}×"
        f"{metrics['image_size']} grayscale.\n"
        f"- Test figures: accuracy {metrics['overall']['accuracy']:.3f}, macro-F1 {metrics['overall']['macro_f1']:.3f} "
        f"on the {metrics['computed_on']}.\n"
        f"- Split table `{config.SPLITS_PATH.name}` (sha256 `{metrics['splits_sha256'][:16]}…`)."
    )
except ResourceError as error:
    st.warning(str(error))

st.subheader("When the tool refuses to answer")
try:
    gate = get_input_gate_report()
except ResourceError as error:
    st.info(str(error))
else:
    real = gate["real_films_passed"]["all"]
    stopped = gate["non_xrays_stopped"]["all"]
    st.markdown(
        f"Before any prediction, a check asks whether a picture is a frontal chest X-ray at all. On held-out films "
        f"of every training source **{real['passed']:.1%}** pass ({real['n']:,} films); of generated pictures that are "
        f"not chest films (noise, flat fields, colour photographs, text, CT-like slices, turned, inverted or "
        f"cropped films) **{stopped['stopped']:.1%}** are stopped ({stopped['n']:,}). A picture in colour is always "
        "stopped."
    )
    st.markdown(unfamiliar_sentence(gate))
    partial = gate.get("without_feature_space")
    if partial:
        st.markdown(
            f"The check's last part compares a film with the training films in the default model's own features, so "
            f"it applies only to models the check was calibrated on (where a model has its own "
            f"`{config.INPUT_GATE_FILENAME}`). For every other model it runs its image and lung tests only, and each "
            f"answer says so: then **{partial['real_films_passed']:.1%}** of real test films pass and "
            f"**{partial['non_xrays_stopped']:.1%}** of the generated non-X-rays are stopped, and no film is flagged "
            "as unfamiliar."
        )
    rows = [
        {
            "pictures": f"real · {group}",
            "n": figures["n"],
            "passed": figures["passed"],
            "unfamiliar-source warning": figures["unfamiliar_warning"],
        }
        for group, figures in {
            **gate["real_films_passed"],
            **{f"{k} (letterboxed, padded...)": v for k, v in (gate.get("varied_films_passed") or {}).items()},
            **(gate.get("external_films_passed") or {}),
        }.items()
        if group != "all"
    ] + [
        {
            "pictures": f"not a chest film · {kind}",
            "n": figures["n"],
            "passed": 1 - figures["stopped"],
            "unfamiliar-source warning": figures["unfamiliar_warning"],
        }
        for kind, figures in gate["non_xrays_stopped"].items()
        if kind != "all"
    ]
    st.dataframe(
        pd.DataFrame(rows).style.format({"passed": "{:.1%}", "unfamiliar-source warning": "{:.1%}"}),
        hide_index=True,
        width="stretch",
    )
    st.caption(gate["computed_on"] + ".")
