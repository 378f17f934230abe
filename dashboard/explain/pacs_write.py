"""Explain's "Write results to the PACS" button, for a film opened from the PACS: its Secondary Capture and SR
stored in its study once (model.pacs.write_back); pressing it again adds nothing and says so."""

from __future__ import annotations

import streamlit as st

from dashboard.explain.pacs_picker import opened_pacs_instance, pacs_client
from dashboard.plain_text import plain
from model.pacs.settings import PacsError


def write_back_ui(name: str, image, result) -> None:
    ref = opened_pacs_instance(name)
    client = pacs_client() if ref is not None else None
    if client is None or result.prediction is None or result.heatmap is None:
        return
    if not st.button(
        "Write results to the PACS",
        icon=":material/cloud_upload:",
        key="pacs_write_back",
        help="Adds a series to this study: the film with this heatmap (research use, not for diagnosis, "
        "burnt in) and a structured report of the answer, probabilities and the map's hottest region.",
    ):
        return
    from model.pacs.write_back import write_back

    try:
        with st.spinner("Writing to the PACS…"):
            done = write_back(client, ref, image.pixels, result, result.model_id, result.model_sha256)
    except (PacsError, ValueError) as error:
        st.error(plain(str(error)), icon=":material/lan:")
        return
    if done.written:
        st.success(
            f"Stored {done.written} objects in the study (a secondary capture and a structured report).",
            icon=":material/cloud_done:",
        )
    else:
        st.info(
            "The PACS already holds these results for this model and method: nothing was added.",
            icon=":material/cloud_done:",
        )
