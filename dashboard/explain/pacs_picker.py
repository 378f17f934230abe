"""Explain's third source, the PACS: search studies (accession, patient ID, dates, modality), pick a series and an
instance by the thumbnails the PACS renders, open it as if uploaded. Shown only where $CXR_DICOMWEB_URL names a PACS.

The page shows what a reader needs to pick a study (date, modality, description, accession); patient names only
where the operator sets $CXR_DICOMWEB_SHOW_PATIENT_NAMES=1. Thumbnails and films are decoded in the decode sandbox,
never in this server; every PACS fault is a sentence (the password is never shown).
"""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import streamlit as st

from dashboard.plain_text import plain
from dashboard.state import decode
from model import config
from model.image_io import ImageLoadError
from model.pacs.client import PacsClient
from model.pacs.settings import PacsError, PacsSettings
from model.pacs.values import InstanceRef, StudyQuery

RESULTS_KEY = "pacs_studies"
OPENED_KEY = "pacs_opened"  # (name, bytes, InstanceRef) of the film opened from the PACS


@st.cache_resource(show_spinner=False)
def _client(settings: PacsSettings) -> PacsClient:
    return PacsClient(settings)


def pacs_settings() -> PacsSettings | None:
    """The configured PACS, or None (no picker). A malformed setting is said on the page once."""
    try:
        return PacsSettings.from_env()
    except PacsError as error:
        st.sidebar.error(str(error), icon=":material/lan:")
        return None


def _show_names() -> bool:
    return os.environ.get(config.DICOMWEB_SHOW_NAMES_ENV, "") == "1"


def _search_ui(client: PacsClient) -> None:
    with st.form("pacs_search", border=True):
        columns = st.columns(4)
        accession = columns[0].text_input("Accession number", max_chars=64)
        patient = columns[1].text_input("Patient ID", max_chars=64)
        dates = columns[2].date_input(
            "Study date (from, to)", value=(), min_value=dt.date(1980, 1, 1), format="YYYY-MM-DD"
        )
        modality = columns[3].text_input("Modality", value="", max_chars=8, placeholder="CR, DX …")
        searched = st.form_submit_button("Search the PACS", icon=":material/search:")
    if not searched:
        return
    low = dates[0].strftime("%Y%m%d") if len(dates) > 0 else ""
    high = dates[1].strftime("%Y%m%d") if len(dates) > 1 else ""
    try:
        st.session_state[RESULTS_KEY] = client.studies(StudyQuery(accession, patient, low, high, modality))
        st.session_state.pop("pacs_study", None)  # a new list: nothing picked in it yet
    except PacsError as error:
        st.error(plain(str(error)), icon=":material/lan:")
        st.session_state.pop(RESULTS_KEY, None)


def _date(value: str) -> str:
    """A DICOM date (YYYYMMDD) as people read it; anything else as it is."""
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if len(value) == 8 and value.isdigit() else value


def _study_ui(studies) -> str | None:
    if not studies:
        st.info("No study matches this search.")
        return None
    table = pd.DataFrame(
        {
            "Date": [_date(s.date) for s in studies],
            "Modality": [s.modalities for s in studies],
            "Description": [s.description for s in studies],
            "Accession": [s.accession for s in studies],
            **({"Patient": [s.patient_name for s in studies]} if _show_names() else {}),
            "Instances": [s.instances for s in studies],
        }
    )
    more = " (the first shown; narrow the search)" if len(studies) >= config.DICOMWEB_SEARCH_LIMIT else ""
    st.caption(f"{len(studies)} stud{'y' if len(studies) == 1 else 'ies'}{more}.")
    st.dataframe(table, hide_index=True, height=min(38 + 35 * len(studies), 300))
    chosen = st.selectbox(
        "Study",
        range(len(studies)),
        key="pacs_study",
        index=None,
        placeholder="Pick a study",
        format_func=lambda i: " · ".join(
            part
            for part in (_date(studies[i].date), studies[i].modalities, studies[i].description, studies[i].accession)
            if part
        ),
    )
    return None if chosen is None else studies[chosen].study_uid


def _instances_ui(client: PacsClient, study_uid: str) -> InstanceRef | None:
    try:
        series = [s for s in client.series(study_uid) if s.description != config.RESULT_SERIES_DESCRIPTION]
    except PacsError as error:
        st.error(plain(str(error)), icon=":material/lan:")
        return None
    if not series:
        st.info("This study has no series of films.")
        return None
    chosen = st.selectbox(
        "Series",
        range(len(series)),
        key="pacs_series",
        format_func=lambda i: (
            f"{series[i].number or '?'} · {series[i].modality} · {series[i].description or '—'} "
            f"({series[i].instances} instances)"
        ),
    )
    try:
        found = client.instances(study_uid, series[chosen].series_uid)
    except PacsError as error:
        st.error(plain(str(error)), icon=":material/lan:")
        return None
    films = [i for i in found if i.is_image][: config.DICOMWEB_MAX_THUMBNAILS]
    others = len(found) - len([i for i in found if i.is_image])
    if others:
        st.caption(f"{others} instances of this series are not films (reports, presentation states …): not shown.")
    if not films:
        return None
    cells = st.columns(4)  # thumbnail-sized, however few
    for index, ref in enumerate(films):
        cell = cells[index % len(cells)]
        try:
            thumb = decode(client.thumbnail(ref), f"thumb-{ref.sop_uid}.png")  # decoded in the sandbox
            cell.image((thumb.pixels * 255).astype("uint8"), caption=f"#{ref.number or index + 1}", width="stretch")
        except (PacsError, ImageLoadError):
            cell.caption(f"#{ref.number or index + 1} (no thumbnail)")
        if cell.button("Open", key=f"pacs_open_{ref.sop_uid[-24:]}", icon=":material/open_in_new:"):
            return ref
    return None


def pacs_ui(settings: PacsSettings) -> list[tuple[str, bytes]]:
    """The PACS picker; returns the film opened from it (kept for the session until another is opened)."""
    client = _client(settings)
    _search_ui(client)
    studies = st.session_state.get(RESULTS_KEY)
    if studies is not None:
        study_uid = _study_ui(studies)
        if study_uid is not None:
            ref = _instances_ui(client, study_uid)
            if ref is not None:
                try:
                    data = client.retrieve(ref)
                except PacsError as error:
                    st.error(plain(str(error)), icon=":material/lan:")
                else:
                    st.session_state[OPENED_KEY] = (f"pacs-{ref.sop_uid[-24:]}.dcm", data, ref)
    opened = st.session_state.get(OPENED_KEY)
    return [(opened[0], opened[1])] if opened else []


def opened_pacs_instance(name: str) -> InstanceRef | None:
    """The PACS instance behind a film Explain shows, where it came from the PACS (for the write-back button)."""
    opened = st.session_state.get(OPENED_KEY)
    return opened[2] if opened and opened[0] == name else None


def pacs_client() -> PacsClient | None:
    settings = pacs_settings()
    return _client(settings) if settings is not None else None
