"""Who is reading: the name an authenticating proxy gives (in the header $CXR_READER_HEADER names; off unless set),
which cannot be typed over, or the name the person types once per session."""

from __future__ import annotations

import os

import streamlit as st

from model import config
from model.readings.values import ReadingInputError, clean_reader_name

NAME_KEY = "reader_name"


def proxy_header() -> str:
    return os.environ.get(config.READER_HEADER_ENV, "").strip()


def proxy_reader() -> str | None:
    """The signed-in user's name from the proxy's header, when this request carries one."""
    header = proxy_header()
    if not header:
        return None
    try:
        value = st.context.headers.get(header)
    except Exception:  # no request context (a script run outside a server)
        return None
    if not value:
        return None
    try:
        return clean_reader_name(value)
    except ReadingInputError:
        return None


def reader_ui(container=None) -> str | None:
    """The reader's name (None until given), with the widget that asks for it in `container` (the sidebar)."""
    box = container or st.sidebar
    signed_in = proxy_reader()
    if signed_in is not None:
        box.text_input(
            "Reader",
            value=signed_in,
            disabled=True,
            key="reader_from_proxy",
            help="Your name as the sign-in in front of this server gives it.",
        )
        return signed_in
    typed = box.text_input(
        "Reader (your name)",
        key=NAME_KEY,
        max_chars=config.READER_NAME_MAX_CHARS,
        placeholder="Name yourself to save readings",
        help="Readings are kept per reader. Your name is asked once per session.",
    )
    try:
        return clean_reader_name(typed) if typed else None
    except ReadingInputError as error:
        box.error(str(error))
        return None
