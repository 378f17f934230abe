"""The reader's reading of one film, under the viewer: each mark's finding, confidence and note, "No finding",
and Save. Saving names the version this session loaded: a reading saved meanwhile in another session is never
overwritten (the page says so and keeps this session's marks in the viewer)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard.plain_text import plain
from model import config
from model.marks import FilmMark
from model.readings.errors import ReadingConflict, ReadingStoreError
from model.readings.store import ReadingStore
from model.readings.values import FilmRecord, Reading, ReadingInputError, labelled

SHAPE_NAMES = {"rect": "Rectangle", "ellipse": "Ellipse"}


@dataclass(frozen=True)
class ReadingState:
    """What the form knows after drawing: the stored reading (None: none yet) and whether this session holds
    changes not saved."""

    saved: Reading | None
    unsaved: bool


def _version_key(reader: str, sha: str) -> str:
    return f"reading_version::{sha}::{reader}"


def _field_key(kind: str, sha: str, mark_id: str) -> str:
    return f"reading_{kind}::{sha[:16]}::{mark_id}"


def saved_reading(store: ReadingStore | None, reader: str | None, sha: str) -> Reading | None:
    """The reader's stored reading of this film, remembered with its version for this session's next save."""
    if store is None or reader is None:
        return None
    try:
        saved = store.reading(reader, sha)
    except ReadingStoreError as error:
        st.error(str(error), icon=":material/database_off:")
        return None
    key = _version_key(reader, sha)
    if key not in st.session_state:
        st.session_state[key] = saved.version if saved else 0
    return saved


def _labels_ui(sha: str, marks: tuple[FilmMark, ...], saved: Reading | None, compact: bool) -> list[tuple]:
    """One row per mark: finding, confidence, note (initialised from the saved reading); returns the raw values."""
    stored = {m.mark.mark_id: m for m in saved.marks} if saved else {}
    findings = list(config.FINDINGS)
    rows = []
    for index, mark in enumerate(marks, start=1):
        before = stored.get(mark.mark_id)
        for kind, value in (
            ("finding", before.finding if before else config.DEFAULT_FINDING),
            ("confidence", before.confidence or config.DEFAULT_CONFIDENCE if before else config.DEFAULT_CONFIDENCE),
            ("note", before.note if before else ""),
        ):
            st.session_state.setdefault(_field_key(kind, sha, mark.mark_id), value)
        columns = [st.container()] * 4 if compact else st.columns([1.3, 2, 2, 3])
        columns[0].markdown(
            f"**{index}** · {SHAPE_NAMES.get(mark.shape, mark.shape)}  \n"
            f"({mark.x0:.0f}, {mark.y0:.0f})–({mark.x1:.0f}, {mark.y1:.0f})"
        )
        finding = columns[1].selectbox(
            "Finding",
            findings,
            format_func=lambda f: config.FINDINGS[f][0],
            key=_field_key("finding", sha, mark.mark_id),
        )
        confidence = columns[2].select_slider(
            "Confidence",
            config.CONFIDENCE_LEVELS,
            key=_field_key("confidence", sha, mark.mark_id),
            help="1: barely suspect it · 5: certain",
        )
        note = columns[3].text_input(
            "Note",
            key=_field_key("note", sha, mark.mark_id),
            max_chars=config.READING_NOTE_MAX_CHARS,
            placeholder="optional",
        )
        rows.append((mark, finding, confidence, note))
    return rows


def _differs(saved: Reading | None, rows: list[tuple], no_finding: bool) -> bool:
    if saved is None:
        return bool(rows) or no_finding
    now = [(m, f, c, n.strip()) for m, f, c, n in rows]
    before = [(m.mark, m.finding, m.confidence, m.note) for m in saved.marks]
    return now != before or no_finding != saved.no_finding


def reading_ui(
    store: ReadingStore | None,
    reader: str | None,
    film: FilmRecord,
    marks: tuple[FilmMark, ...],
    saved: Reading | None,
    compact: bool = False,
    save_label: str = "Save reading",
) -> ReadingState:
    """The form; returns the stored reading after any save and whether unsaved changes remain."""
    sha = film.sha256
    no_finding = st.checkbox(
        "No finding",
        key=f"reading_no_finding::{sha[:16]}",
        value=bool(saved and saved.no_finding),
        help="Your reading is that this film shows none of the findings: an answer, not a skipped film.",
    )
    if no_finding and marks:
        st.warning(
            "You ticked No finding but the film has marks: delete the marks (select one, press Delete) or "
            "untick No finding.",
            icon=":material/rule:",
        )
    rows = _labels_ui(sha, marks, saved, compact)
    if not marks and not no_finding:
        st.caption(
            "Draw a rectangle or an ellipse (toolbar, or keys B and E) where you see the finding, or tick No finding."
        )
    unsaved = _differs(saved, rows, no_finding)
    if store is None:
        st.caption("Readings cannot be saved: the readings database is not available (see above).")
        return ReadingState(saved, unsaved)
    if reader is None:
        st.info("Name yourself as reader (above) to save this reading.", icon=":material/badge:")
        return ReadingState(saved, unsaved)
    if st.button(
        save_label,
        type="primary",
        icon=":material/save:",
        key=f"reading_save::{sha[:16]}",
        disabled=not unsaved and saved is not None,
    ):
        try:
            checked = [labelled(m, f, c, n) for m, f, c, n in rows]
            stored = store.save_reading(
                reader, film, checked, no_finding, expected_version=st.session_state.get(_version_key(reader, sha), 0)
            )
        except ReadingConflict as error:
            st.error(plain(str(error)), icon=":material/sync_problem:")
            return ReadingState(saved, True)
        except (ReadingInputError, ReadingStoreError) as error:
            st.error(plain(str(error)), icon=":material/error:")
            return ReadingState(saved, True)
        st.session_state[_version_key(reader, sha)] = stored.version
        saved, unsaved = stored, False
    if saved is not None and not unsaved:
        when = saved.saved_at.strftime("%Y-%m-%d %H:%M UTC") if saved.saved_at else ""
        st.caption(f":material/check_circle: Saved as {plain(reader)} (version {saved.version}, {when}).")
    elif saved is not None:
        st.caption(":material/edit: Changes not saved yet.")
    return ReadingState(saved, unsaved)
