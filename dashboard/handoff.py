"""How one page opens a film in Explain: one typed value in the session, never loose string keys.

The Evaluation gallery opens a test-split film by its dataset path; the Archive audit opens a film it has already
read within the upload limit, by its bytes. Explain takes whichever is waiting, and a new upload replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from model import config

_KEY = "film_to_open"
SOURCE_KEY = "explain_source"  # the Explain page's "Film from" radio
UPLOAD_SOURCE, DATASET_SOURCE, PACS_SOURCE = "Upload", "Dataset", "PACS"


@dataclass(frozen=True)
class FilmToOpen:
    """A film for Explain: a dataset film by its path under the data folder, or bytes another page read."""

    name: str
    data: bytes | None = None  # None: read `name` from the data folder

    def read(self) -> tuple[str, bytes]:
        if self.data is not None:
            return self.name, self.data
        return self.name, (config.data_dir() / self.name).read_bytes()


def open_in_explain(film: FilmToOpen) -> None:
    """Hand `film` to Explain and go there (its film source switched to uploads and examples)."""
    st.session_state[_KEY] = film
    st.session_state[SOURCE_KEY] = UPLOAD_SOURCE
    st.switch_page("views/explain.py")


def choose(film: FilmToOpen) -> None:
    """Make `film` the one Explain shows, without leaving the page (an example button)."""
    st.session_state[_KEY] = film


def waiting_film() -> FilmToOpen | None:
    film = st.session_state.get(_KEY)
    return film if isinstance(film, FilmToOpen) else None


def forget() -> None:
    """A new upload replaces whatever another page opened."""
    st.session_state.pop(_KEY, None)
