"""What kind of screen a session is on, for the few places where a phone needs another layout."""

from __future__ import annotations

import streamlit as st


def is_phone() -> bool:
    """True on a phone: its browser says "Mobi" in its user agent (what MDN recommends testing for)."""
    try:
        agent = st.context.headers.get("User-Agent", "") or ""
    except Exception:  # no request context (AppTest, scripts): a desktop
        return False
    return "Mobi" in agent
