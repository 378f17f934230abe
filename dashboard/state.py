"""Per-analysis computations the pages cache: keyed by the image bytes and the chosen method.

Thin wrappers over `model/` that Streamlit can cache; each returns plain data.
"""
from __future__ import annotations

import hashlib

import streamlit as st

from dashboard.resources import get_model, get_segmenter
from model.image_io import LoadedImage, load_image_bytes


@st.cache_data(max_entries=256, show_spinner=False)
def decode(data: bytes, name: str) -> LoadedImage:
    """Decode once per distinct upload; raises ImageLoadError (not cached) for a bad one."""
    return load_image_bytes(data, name)


@st.cache_data(max_entries=512, show_spinner=False)
def analyse(data: bytes, name: str, method: str, target_class: str | None, layer: str | None) -> dict:
    """Prediction, heatmap and faithfulness for one image and one method."""
    from model.analysis import explain_images  # imports TensorFlow: kept out of the page's first paint

    image = decode(data, name)
    result = explain_images(get_model(), [image], method, target_class, layer, segmenter=get_segmenter())[0]
    return {
        "prediction": result.prediction.label,
        "probabilities": result.prediction.probabilities,
        "heatmap": result.heatmap,
        "layer": result.layer,
        "target_class": result.target_class,
        "faithfulness": result.faithfulness.as_json() if result.faithfulness else None,
        "seconds": result.seconds,
        "lung_mask": result.lung_mask,
        "lung_share": result.lung_share,
    }


@st.cache_data(max_entries=256, show_spinner=False)
def predict_only(data: bytes, name: str) -> dict[str, float]:
    from model.inference import predict_images

    return predict_images(get_model(), [decode(data, name)])[0].probabilities


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]
