"""Explain's viewer: the film and its heatmap in linked panes (one pane on a phone), and the static fallback."""

from __future__ import annotations

import streamlit as st

from dashboard.film_cache import FilmCache
from dashboard.film_viewer import ViewerInput, ViewerLayout, ViewerPane, ViewerResult, film_viewer
from dashboard.plain_text import plain
from model.image_io import LoadedImage
from model.marks import FilmMark
from model.overlay import render

FILM_PANE, HEAT_PANE = "film", "heat"
LAYOUTS = (
    ViewerLayout("both", "Side by side", (FILM_PANE, HEAT_PANE)),
    ViewerLayout("film", "X-ray only", (FILM_PANE,)),
    ViewerLayout("heat", "Heatmap only", (HEAT_PANE,)),
)
VIEWER_KEY = "explain_viewer"
STATIC_KEY = "static_viewer"


def explain_viewer_ui(
    data: bytes, image: LoadedImage, result, boxes, phone: bool, marks: tuple[FilmMark, ...] = ()
) -> ViewerResult:
    """The viewer for one analysed film; zoom, pan and window stay while the method, class, layer or model change."""
    spec = ViewerInput(
        film_id=FilmCache.key(data),
        image=image,
        panes=(ViewerPane(FILM_PANE, "X-ray"), ViewerPane(HEAT_PANE, result.title, result.heatmap)),
        layouts=LAYOUTS,
        default_layout="heat" if phone else "both",
        lung_mask=result.lung_mask,
        boxes=boxes,
        drawing=True,
        phone=phone,
        marks=marks,
    )
    viewed = film_viewer(spec, key=VIEWER_KEY)
    for problem in viewed.problems:
        st.warning(plain(problem), icon=":material/draw:")
    if st.toggle(
        "Static pictures",
        key=STATIC_KEY,
        help="The film and its heatmap as plain pictures, for a browser where the interactive viewer does not start.",
    ):
        film, heat = st.columns(2)
        film.image(render(image.pixels, None, viewed.view), caption="X-ray", width="stretch")
        heat.image(render(image.pixels, result.heatmap, viewed.view, result.lung_mask), caption=result.title)
    return viewed
