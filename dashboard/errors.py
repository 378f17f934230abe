"""How a missing or broken shipped file reaches the page: one exception type and one way to show it."""

from __future__ import annotations

import streamlit as st


class ResourceError(RuntimeError):
    """A shipped file is missing or unreadable; the message says which and what to do."""


def show_resource_error(error: ResourceError) -> None:
    st.error(str(error), icon=":material/warning:")
