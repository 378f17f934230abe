"""What leaves the Explain page as files: the slide (PNG), the report (JSON), the DICOM tags."""

from __future__ import annotations

import json

import streamlit as st

from dashboard.explain.controls import ExplainChoice, download_stem
from dashboard.film_viewer import ViewerResult
from dashboard.model_choice import current_card, current_model_id
from dashboard.state import dicom_tags
from model.image_io import LoadedImage
from model.overlay import apply_window, encode_png, render, slide


def report_json(name: str, image: LoadedImage, result, viewed: ViewerResult) -> dict:
    """The analysis with the view it was looked at in (window in the film's own units) and the reader's marks."""
    view = viewed.view
    own_units = {
        "level": float(image.to_own_units(view.level)),
        "width": image.own_span * view.width,
        "range": sorted(image.own_range),  # low to high, also for MONOCHROME1 films (where white is the low value)
    }
    return {
        "file": name,
        **result.to_json(),
        "view": {**view.to_json(), "window_in_image_units": own_units},
        "marks": [mark.to_json() for mark in viewed.marks],
    }


def downloads_ui(name: str, data: bytes, image: LoadedImage, choice: ExplainChoice, result, viewed, verdicts) -> list:
    """The download buttons; returns the slide's caption lines (compare-all labels its picture with the first)."""
    view, prediction = viewed.view, result.prediction
    card = current_card() or {"display_name": current_model_id()}
    probabilities = ", ".join(f"{label} {p:.0%}" for label, p in prediction.probabilities.items())
    captions = [
        f"{name[:80]} - model: {card['display_name']}",
        f"{result.title} - answer: {prediction.label} ({probabilities})"
        + (f"; abnormal (any disease) {prediction.abnormality:.0%}" if prediction.abnormality is not None else ""),
        *(verdict.text for verdict in verdicts),
    ]

    def slide_png() -> bytes:  # built when someone clicks, not on every rerun (a full-resolution slide is costly)
        shown = apply_window(image.pixels, view.level, view.width, view.invert)
        overlay = render(image.pixels, result.heatmap, view, result.lung_mask)
        return encode_png(slide(shown, overlay, captions, view.colormap))

    columns = st.columns(3)
    stem = download_stem(name)
    columns[0].download_button("Download slide (PNG)", slide_png, f"{stem}_{choice.method}.png", "image/png")
    columns[1].download_button(
        "Download report (JSON)",
        json.dumps(report_json(name, image, result, viewed), indent=1),
        f"{stem}_report.json",
        "application/json",
    )
    if image.source_format == "DICOM":
        with columns[2].expander("DICOM technical tags"):
            st.caption("Patient-identifying tags are never shown.")
            st.json(dicom_tags(data, name))
    return captions
