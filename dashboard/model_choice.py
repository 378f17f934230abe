"""Which model this session looks through: a sidebar picker, remembered for the session, read by every page."""

from __future__ import annotations

import streamlit as st

from dashboard.registry_cards import cards_by_id
from model import config

MODEL_KEY = "model_id"


def card_label(card: dict) -> str:
    exhibit = " · teaching exhibit" if card.get("teaching_exhibit") else ""
    default = " · default" if card["id"] == config.default_model_id() else ""
    return f"{card['display_name']}{default}{exhibit}"


def current_model_id() -> str:
    """The session's model: the picker's choice, else the default (also when a chosen model was removed)."""
    cards = cards_by_id()
    chosen = st.session_state.get(MODEL_KEY)
    return chosen if chosen in cards else config.default_model_id()


def current_card() -> dict | None:
    return cards_by_id().get(current_model_id())


def model_picker() -> None:
    """The picker (where more than one model is registered): in the sidebar, or above the page on a phone, where
    the sidebar is a drawer over the film."""
    from dashboard.layout import is_phone

    place = st.container() if is_phone() else st.sidebar
    cards = cards_by_id()
    if len(cards) < 2:
        return
    if st.session_state.get(MODEL_KEY) not in cards:
        st.session_state[MODEL_KEY] = (
            config.default_model_id() if config.default_model_id() in cards else next(iter(cards))
        )
    place.selectbox(
        "Model",
        list(cards),
        format_func=lambda model_id: card_label(cards[model_id]),
        key=MODEL_KEY,
        help="Every page shows this model: its answers, its maps and its figures. Add your own with "
        "`python scripts/add_model.py`.",
    )
    if cards[current_model_id()].get("teaching_exhibit"):
        place.warning(
            "This model is a teaching exhibit: it reads where a film comes from, not the disease. Do not use its "
            "answers.",
            icon=":material/school:",
        )
