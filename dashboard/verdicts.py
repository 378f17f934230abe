"""How a verdict from model.trust.wording looks on a page: its level picks the box, its sentence is the text."""

from __future__ import annotations

import streamlit as st

from model.trust.wording import Verdict

_BOXES = {
    "good": (st.success, ":material/check_circle:"),
    "caution": (st.warning, ":material/warning:"),
    "bad": (st.error, ":material/report:"),
    "unknown": (st.info, ":material/help:"),
}


def show_verdict(verdict: Verdict, container=st) -> None:
    box, icon = _BOXES[verdict.level]
    getattr(container, box.__name__)(verdict.text, icon=icon)


def show_details(verdicts: list[Verdict], container=st) -> None:
    """The numbers behind the sentences, folded away: there for whoever wants them, out of everyone else's way."""
    details = [verdict.detail for verdict in verdicts if verdict.detail]
    if details:
        with container.expander("The numbers behind these sentences"):
            for detail in details:
                st.caption(detail)
