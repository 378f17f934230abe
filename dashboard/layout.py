"""What kind of screen a session is on, for the few places where a phone needs another layout."""

from __future__ import annotations

import streamlit as st

from dashboard.viewer import PANE_WIDTH_PX

PANE_WIDTH_PHONE_PX = 300  # a phone gives one pane its width less the colour bar


def is_phone() -> bool:
    """True on a phone: its browser says "Mobi" in its user agent (what MDN recommends testing for)."""
    try:
        agent = st.context.headers.get("User-Agent", "") or ""
    except Exception:  # no request context (AppTest, scripts): a desktop
        return False
    return "Mobi" in agent


def pane_width(panes: int, phone: bool) -> int:
    """The width one viewer pane gets, so the figure's height fits the film without blank bands."""
    if phone:
        return PANE_WIDTH_PHONE_PX
    return PANE_WIDTH_PX if panes > 1 else 2 * PANE_WIDTH_PX
