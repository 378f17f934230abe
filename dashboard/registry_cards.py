"""Every registered model's card as the pages read it (JSON form, default first), loaded once per process.

Its own module so that the model picker and the engine's model descriptions both read it without importing each
other.
"""

from __future__ import annotations

import streamlit as st


@st.cache_data(show_spinner=False)
def get_registry_cards() -> list[dict]:
    """Every registered model's card (JSON form), default first: the picker and the tables read these."""
    from model.registry import all_registered

    return [entry.card.to_json() for entry in all_registered()]


def cards_by_id() -> dict[str, dict]:
    return {card["id"]: card for card in get_registry_cards()}
