"""The readings store as the pages share it: opened once per server (schema upgraded, NIH's boxes loaded), every
failure a sentence on the page instead of a traceback."""

from __future__ import annotations

import streamlit as st

from model import config
from model.provenance import sha256_of_bytes
from model.readings.errors import ReadingStoreError
from model.readings.store import ReadingStore, database_url
from model.readings.values import FilmRecord


@st.cache_resource(show_spinner="Opening the readings database…")
def _open(url: str) -> ReadingStore:
    from model.readings.nih_reader import preload_nih

    store = ReadingStore(url)
    preload_nih(store, config.data_dir() / config.NIH_ADULT_SUBDIR)
    return store


def reading_store() -> ReadingStore | None:
    """The shared store, or None after saying on the page why the database cannot be used (the page goes on:
    everything but saving and scoring works without it)."""
    try:
        return _open(database_url())
    except ReadingStoreError as error:
        st.error(str(error), icon=":material/database_off:")
        return None


def film_record(name: str, data: bytes, size: tuple[int, int]) -> FilmRecord:
    """The film as the store keys it: its bytes' SHA-256, its size in the viewer's pixels, and, for a dataset film,
    where its bytes are (an upload's are not kept)."""
    path = config.data_dir() / name
    inside = not name.startswith("/") and ".." not in name.split("/")
    return FilmRecord(sha256_of_bytes(data), size[0], size[1], name, str(path) if inside and path.is_file() else None)
