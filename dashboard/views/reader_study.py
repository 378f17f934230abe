"""Reader study: a worklist read film by film. Each film is shown first without any heatmap; the reader marks
where they see the finding (or says there is none) and saves; the reveal then shows every method's map, NIH's box
where there is one, and whether each map's peak hit the reader's marks. Progress is kept in the database: a reader
resumes at their first unread film."""

from __future__ import annotations

import streamlit as st

from dashboard.analysis_engine import get_model
from dashboard.errors import ResourceError, show_resource_error
from dashboard.explain.radiologist import film_boxes, radiologist_box_key
from dashboard.film_viewer import ViewerInput, ViewerLayout, ViewerPane, film_viewer
from dashboard.layout import is_phone
from dashboard.model_choice import current_model_id
from dashboard.model_files import get_box_table
from dashboard.plain_text import plain
from dashboard.reading.form import reading_ui, saved_reading
from dashboard.reading.identity import reader_ui
from dashboard.reading.store import reading_store
from dashboard.state import analyse, decode, prefetch
from model import config
from model.explain import METHODS
from model.explain.catalog import label_of
from model.image_io import ImageLoadError
from model.readings.reader_maps import FilmUnavailable, read_film, score_request
from model.readings.reveal import judge

VIEWER_KEY = "study_viewer"
FILM_PANE = "film"

phone = is_phone()
(st.subheader if phone else st.title)("Reader study")
st.caption(
    "Read each film before you see any heatmap: mark where you see the finding, or tick No finding, and save. "
    "The reveal then shows where every explanation method looks, and whether its hottest point lands on your marks "
    "(within 8 px of the 224-px frame, as on the Explanation quality page). Research use, not for diagnosis."
)
store = reading_store()
if store is None:
    st.stop()
named, listed = st.columns([1, 2]) if not phone else (st.container(), st.container())
reader = reader_ui(named)
worklists = store.worklists()
if not worklists:
    st.info(
        "No worklist yet. NIH's boxed films load as one when the data folder is present; load your own with "
        "`python scripts/readings.py worklist NAME --folder DIR` (or `--csv FILE`)."
    )
    st.stop()
names = [w.name for w in worklists]
chosen = listed.selectbox(
    "Worklist",
    names,
    key="study_worklist",
    format_func=lambda n: f"{n} ({dict((w.name, w.films) for w in worklists)[n]} films)",
)
films = store.worklist(chosen)
if reader is None:
    st.info(
        "Name yourself as reader in the sidebar to start: your readings and progress are kept under it.",
        icon=":material/badge:",
    )
    st.stop()
read = {r.film.sha256 for r in store.readings(reader=reader)}
unread = [i for i, f in enumerate(films) if f.sha256 not in read]
position_key = f"study_position::{chosen}"
if position_key not in st.session_state:  # resume at the first film not read yet
    st.session_state[position_key] = unread[0] if unread else 0
position = min(max(int(st.session_state[position_key]), 0), len(films) - 1)
st.progress(
    (len(films) - len(unread)) / max(len(films), 1),
    text=f"{len(films) - len(unread)} of {len(films)} films read by {plain(reader)}",
)
navigation = st.container(horizontal=True)  # one row, on a phone too
if navigation.button("Previous", icon=":material/arrow_back:", disabled=position == 0):
    st.session_state[position_key] = position - 1
    st.rerun()
later_unread = [i for i in unread if i > position] or unread
if navigation.button("Next unread", icon=":material/skip_next:", disabled=not later_unread):
    st.session_state[position_key] = later_unread[0]
    st.rerun()
if navigation.button("Next", icon=":material/arrow_forward:", disabled=position >= len(films) - 1):
    st.session_state[position_key] = position + 1
    st.rerun()

film = films[position]
st.markdown(f"**Film {position + 1} of {len(films)}** · {plain(film.name)}")
try:
    data = read_film(film)
    image = decode(data, film.name)
except (FilmUnavailable, ImageLoadError) as error:
    st.warning(plain(str(error)), icon=":material/broken_image:")
    st.stop()
saved = saved_reading(store, reader, film.sha256)
marks_saved = tuple(m.mark for m in saved.marks) if saved else ()

if saved is None:  # before the reveal: the film alone, no map, no NIH box
    viewed = film_viewer(
        ViewerInput(film.sha256, image, (ViewerPane(FILM_PANE, "X-ray"),), drawing=True, phone=phone),
        key=VIEWER_KEY,
    )
    with st.container(border=True):
        st.markdown("**Your reading**")
        state = reading_ui(store, reader, film, viewed.marks, None, compact=phone, save_label="Save and reveal")
    if state.saved is not None:
        st.rerun()  # saved: show the reveal
    st.stop()

try:
    model = get_model(current_model_id())
except ResourceError as error:
    show_resource_error(error)
    st.stop()
methods = [m for m in METHODS if m not in model.why_unavailable]
requests = [
    score_request(model.card.get("id", current_model_id()), tuple(model.card.get("classes", ())), method)
    for method in methods
]
prefetch(data, film.name, requests, background=False)  # all methods queued at once; waited for below
with st.spinner("Computing every method's map…"):
    results = [analyse(data, film.name, request) for request in requests]
box_key = radiologist_box_key(film.name)
height, width = image.pixels.shape[:2]
judged = judge(results, saved, get_box_table(), box_key)
panes = (ViewerPane(FILM_PANE, "X-ray"),) + tuple(ViewerPane(j.method, label_of(j.method), j.heatmap) for j in judged)
layouts = (ViewerLayout("all", "All methods", tuple(p.key for p in panes[1:])),) + tuple(
    ViewerLayout(j.method, label_of(j.method), (FILM_PANE, j.method)) for j in judged
)
viewed = film_viewer(
    ViewerInput(
        film.sha256,
        image,
        panes,
        layouts,
        default_layout=judged[0].method if phone else "all",
        boxes=film_boxes(box_key, height, width),
        drawing=True,
        phone=phone,
        marks=marks_saved,
    ),
    key=VIEWER_KEY,
)


def verdict(hit: bool | None) -> str:
    return "—" if hit is None else ("hit" if hit else "missed")


st.dataframe(
    {
        "Method": [label_of(j.method) for j in judged],
        "Peak on your marks": [verdict(j.hits_reader) for j in judged],
        "Heat in your marks": [None if j.heat_in_marks is None else round(100 * j.heat_in_marks) for j in judged],
        "Peak on NIH's box": [verdict(j.hits_nih) for j in judged],
    },
    hide_index=True,
    column_config={"Heat in your marks": st.column_config.NumberColumn(format="%d%%")},
)
st.caption(
    f"Maps of {plain(model.card.get('display_name', current_model_id()))} for "
    f"{results[0].target_class if results else config.READER_SCORE_CLASS}; NIH's box is drawn dashed where the film "
    "has one. Your marks stay editable: change them and save again."
)
with st.container(border=True):
    st.markdown("**Your reading**")
    reading_ui(store, reader, film, viewed.marks, saved, compact=phone)
