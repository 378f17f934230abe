"""One film in detail: the gate's warnings, the answer, the viewer, the verdicts, the downloads, compare-all."""

from __future__ import annotations

import streamlit as st

from dashboard.errors import ResourceError
from dashboard.explain.answer import answer_details_ui, headline_ui
from dashboard.explain.compare import compare_ui
from dashboard.explain.controls import ExplainChoice
from dashboard.explain.downloads import downloads_ui
from dashboard.explain.film_view import explain_viewer_ui
from dashboard.explain.pacs_write import write_back_ui
from dashboard.explain.pickers import truth_of
from dashboard.explain.radiologist import box_verdict, film_boxes, radiologist_box_key
from dashboard.layout import is_phone
from dashboard.model_choice import current_model_id
from dashboard.model_files import get_input_gate_report
from dashboard.plain_text import plain
from dashboard.reading.form import reading_ui, saved_reading
from dashboard.reading.identity import current_reader, reader_ui
from dashboard.reading.store import film_record, reading_store
from dashboard.state import analyse, decode, prefetch
from dashboard.texts import unfamiliar_sentence
from dashboard.verdicts import show_details, show_verdict
from model.explain import method_info
from model.gate.gate import NOT_A_CHEST_XRAY, UNFAMILIAR_SOURCE


def warnings_ui(result, name: str) -> bool:
    """Show the gate's warnings above the result; True when the page should go on to the prediction."""
    for warning in result.warnings:
        if warning.code == NOT_A_CHEST_XRAY:
            message = warning.message
            if result.prediction is not None:  # explained anyway (teaching, or a dataset film): say so, truthfully
                message = message.replace(
                    "No prediction is given.",
                    "It is explained anyway, for teaching: the answer below is what the model would say, not one to "
                    "trust.",
                )
            st.error(plain(message), icon=":material/block:")
        elif warning.code == UNFAMILIAR_SOURCE:
            st.warning(plain(warning.message), icon=":material/travel_explore:")
        else:
            st.info(plain(warning.message), icon=":material/info:")
    if result.prediction is not None:
        return True
    st.caption("For teaching, you can still see what the model would say and where it would look.")
    return st.button("Explain anyway (teaching)", key=f"anyway_{name}", icon=":material/school:")


def _anyway_key(name: str) -> str:
    return f"explain_anyway::{name}"


def detail_ui(name: str, data: bytes, choice: ExplainChoice) -> None:
    """The page below the pickers for one film: answer first, then the film, then what to make of it."""
    image = decode(data, name)
    with st.spinner("Explaining…"):
        result = analyse(data, name, choice.request(st.session_state.get(_anyway_key(name), False)))
    if not warnings_ui(result, name):  # no answer, and "explain anyway" not pressed
        st.text(f"{name} · {image.size[0]}×{image.size[1]} px · {image.source_format}")
        return
    if result.prediction is None:  # the button was just pressed: remember it for this film, then compute
        st.session_state[_anyway_key(name)] = True
        st.rerun()
    anyway = st.session_state.get(_anyway_key(name), False)
    prefetch(data, name, [r for r in choice.requests(anyway) if r.method != choice.method])
    phone = is_phone()
    headline_ui(result.prediction, truth_of(name))
    box_key = radiologist_box_key(name)
    store, reader = reading_store(), current_reader()
    film = film_record(name, data, image.size)
    saved = saved_reading(store, reader, film.sha256)
    marks = tuple(m.mark for m in saved.marks) if saved else ()
    viewed = explain_viewer_ui(data, image, result, film_boxes(box_key, *image.pixels.shape[:2]), phone, marks)
    with st.container(border=True):
        st.markdown("**Your reading** · where you see the finding")
        reader = reader_ui()
        reading_ui(store, reader, film, viewed.marks, saved_reading(store, reader, film.sha256), compact=phone)
    st.caption(f"{method_info(choice.method).description} Computed in {result.seconds * 1000:.0f} ms.")
    answer_details_ui(result.prediction, current_model_id(), phone)
    verdicts = list(result.verdicts().values())
    if box_key is not None and viewed.show_boxes and result.heatmap is not None:
        verdicts.append(box_verdict(result, box_key))
    judged, about = (st.container(), st.container()) if phone else st.columns([2, 1])
    for verdict in verdicts:
        show_verdict(verdict, judged)
    show_details(verdicts, judged)
    try:
        about.caption(unfamiliar_sentence(get_input_gate_report(), with_held_out=False))
    except ResourceError as error:
        about.caption(str(error))
    about.text(
        f"{name}\n{image.size[0]}×{image.size[1]} px · {image.source_format}, {image.bit_depth}-bit"
        + "".join(f"\n{note}" for note in image.notes)
    )
    captions = downloads_ui(name, data, image, choice, result, viewed, verdicts)
    write_back_ui(name, image, result)
    if st.toggle("Compare all methods side by side", key="compare"):
        compare_ui(name, data, image.pixels, choice, viewed.view, captions[:1])
