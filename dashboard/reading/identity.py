"""Who is reading: the name an authenticating proxy gives (in the header $CXR_READER_HEADER names; off unless set),
which cannot be typed over, or the name the person types once per session (kept across pages, including those that
do not show the field)."""

from __future__ import annotations

import os

import streamlit as st

from model import config
from model.readings.values import ReadingInputError, clean_reader_name

NAME_KEY = "reader_name"  # the field's own state: Streamlit drops it on a page without the field
KEPT_KEY = "reader_name_kept"  # the name itself, for the session


def proxy_header() -> str:
    return os.environ.get(config.READER_HEADER_ENV, "").strip()


def proxy_reader() -> str | None:
    """The signed-in user's name from the proxy's header, when the server trusts one and this request carries it."""
    header = proxy_header()
    if not header:
        return None
    try:
        value = st.context.headers.get(header)
    except Exception:  # no request context (a script run outside a server)
        return None
    try:
        return clean_reader_name(value) if value else None
    except ReadingInputError:
        return None


def current_reader() -> str | None:
    """The reader of this session without drawing anything: the proxy's name, else the name typed earlier."""
    signed_in = proxy_reader()
    if signed_in is not None:
        return signed_in
    try:
        return clean_reader_name(st.session_state.get(KEPT_KEY) or "") or None
    except ReadingInputError:
        return None


def _keep() -> None:
    st.session_state[KEPT_KEY] = st.session_state.get(NAME_KEY, "")


def reader_ui(container=None) -> str | None:
    """The field that names the reader (disabled, showing the proxy's name, where one is given), in `container`;
    returns the reader (None until named)."""
    box = container if container is not None else st
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
    if NAME_KEY not in st.session_state:
        st.session_state[NAME_KEY] = st.session_state.get(KEPT_KEY, "")
    typed = box.text_input(
        "Reader (your name)",
        key=NAME_KEY,
        on_change=_keep,
        max_chars=config.READER_NAME_MAX_CHARS,
        placeholder="Name yourself to save readings",
        help="Readings and progress are kept per reader. Your name is asked once per session.",
    )
    st.session_state[KEPT_KEY] = typed
    try:
        return clean_reader_name(typed) if typed else None
    except ReadingInputError as error:
        box.error(str(error))
        return None
