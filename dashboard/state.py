"""Per-analysis computations the pages cache: keyed by the image bytes and the chosen method.

Thin wrappers over `model/` that Streamlit can cache; each returns the core's own typed result.
"""

from __future__ import annotations

import streamlit as st

from dashboard.film_cache import FILMS
from dashboard.resources import get_gate, get_model, get_segmenter
from model.image_io import LoadedImage


def decode(data: bytes, name: str) -> LoadedImage:
    """Decode once per distinct content (a byte-bounded cache); raises ImageLoadError (not cached) for a bad one."""
    return FILMS.get(data, name)


@st.cache_data(max_entries=256, show_spinner=False)
def analyse(
    data: bytes, name: str, method: str, target_class: str | None, layer: str | None, explain_anyway: bool = False
):
    """Gate, prediction, heatmap, faithfulness and lung share for one image and one method (a FilmAnalysis)."""
    from model.analysis import explain_images  # imports TensorFlow: kept out of the page's first paint

    return explain_images(
        get_model(),
        [decode(data, name)],
        method,
        target_class,
        layer,
        segmenter=get_segmenter(),
        gate=get_gate(),
        explain_anyway=explain_anyway,
    )[0]


@st.cache_data(max_entries=256, show_spinner=False)
def overlay_analysis(data: bytes, name: str, with_lungs: bool = False):
    """The light analysis for pages that only draw an overlay: prediction and Grad-CAM (and, asked, the lungs)."""
    from model.analysis import overlay_only

    return overlay_only(get_model(), [decode(data, name)], segmenter=get_segmenter(), with_lungs=with_lungs)[0]


@st.cache_data(max_entries=256, show_spinner=False)
def predict_only(data: bytes, name: str):
    """The FilmPrediction for one image: the gate's warnings, and the prediction unless the gate stopped it."""
    from model.analysis import predict_films

    return predict_films(get_model(), [decode(data, name)], get_segmenter(), get_gate())[0]
