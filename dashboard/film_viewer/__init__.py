"""The film viewer: our own Streamlit component (components v2) that keeps its place across reruns.

Zoom, pan, window/level, opacity, colormap, overlays and drawing all happen in the browser (assets/viewer.js);
Python hands it one typed `ViewerInput` and gets back one `ViewerResult`: the view settings the downloads need and
the reader's marks in film pixels. The film goes to the browser once per film (a carrier element whose message
Streamlit replaces by a reference while it is unchanged); a method, class, layer or model change sends only the
new heatmaps (a few KB each).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import streamlit as st

from dashboard.film_viewer.payload import (
    colormap_tables,
    film_data,
    heat_png,
    outline_lines,
    window_presets,
)
from model import config
from model.image_io import LoadedImage
from model.marks import FilmMark, marks_from_browser
from model.overlay import COLORMAPS, FULL_OPACITY_AT, ViewSettings

_ASSETS = resources.files("dashboard.film_viewer") / "assets"
_JS = (_ASSETS / "viewer.js").read_text(encoding="utf-8")
_CSS = (_ASSETS / "viewer.css").read_text(encoding="utf-8")
# Shown until the script starts; the script removes it. If it stays, the script was blocked or failed.
_FALLBACK_HTML = (
    '<div class="cxr-fallback">The interactive viewer has not started: this browser blocked its script or cannot '
    "draw on a canvas. Turn on <b>Static pictures</b> below the viewer to see the film and its heatmap.</div>"
)
# One module for both elements: the same script text is one module in the browser, so the carrier's film is
# there for every viewer on the page.
_VIEWER = st.components.v2.component("cxr_film_viewer", html=_FALLBACK_HTML, css=_CSS, js=_JS)
_CARRIER = st.components.v2.component("cxr_film_carrier", js=_JS)


@dataclass(frozen=True)
class ViewerPane:
    """One pane: `key` names it in layouts, `title` is shown as text, `heatmap` in [0, 1] (any size) or None."""

    key: str
    title: str
    heatmap: np.ndarray | None = None


@dataclass(frozen=True)
class ViewerLayout:
    """A choice of panes in the viewer's toolbar ("Side by side", "X-ray", "Heatmap")."""

    layout_id: str
    label: str
    panes: tuple[str, ...]


@dataclass(frozen=True)
class RadiologistBox:
    """A radiologist's box in film pixels, with the finding it marks (drawn dashed, never editable)."""

    x0: float
    y0: float
    x1: float
    y1: float
    finding: str


@dataclass(frozen=True)
class ViewerInput:
    """Everything one viewer draws. `film_id` is the film's content key: the view resets only when it changes."""

    film_id: str
    image: LoadedImage
    panes: tuple[ViewerPane, ...]
    layouts: tuple[ViewerLayout, ...] = ()
    default_layout: str = ""
    lung_mask: np.ndarray | None = None
    boxes: tuple[RadiologistBox, ...] = ()
    drawing: bool = False  # offer the rectangle and ellipse tools
    phone: bool = False
    marks: tuple[FilmMark, ...] = field(default=())


@dataclass(frozen=True)
class ViewerResult:
    """What the person did in the viewer that Python needs: the view the downloads show, and the marks."""

    view: ViewSettings
    show_boxes: bool
    marks: tuple[FilmMark, ...]
    problems: tuple[str, ...] = ()


def _noop() -> None:
    """State changes need a callback to be kept; the page reads them from the result."""


@st.cache_data(show_spinner=False, max_entries=8)
def _cached_film_data(film_id: str, _image: LoadedImage) -> dict[str, object]:
    return film_data(film_id, _image)


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_outline(film_id: str, mask_key: bytes, _mask: np.ndarray, width: int, height: int) -> list[list[float]]:
    return outline_lines(_mask, width, height)


def _settings_for_film(state: object, film_id: str) -> dict[str, object]:
    """The settings the browser last reported, with the window only where it was reported for this film."""
    defaults: dict[str, object] = {
        "film": film_id,
        "window": [0.0, 1.0],
        "invert": False,
        "opacity": config.DEFAULT_OVERLAY_OPACITY,
        "colormap": config.DEFAULT_COLORMAP,
        "outline": True,
        "boxes": True,
    }
    if not isinstance(state, dict):
        return defaults
    merged = dict(defaults)
    for key in ("invert", "outline", "boxes"):
        if isinstance(state.get(key), bool):
            merged[key] = state[key]
    opacity = state.get("opacity")
    if isinstance(opacity, int | float) and not isinstance(opacity, bool) and 0.0 <= opacity <= 1.0:
        merged["opacity"] = float(opacity)
    if state.get("colormap") in COLORMAPS:
        merged["colormap"] = state["colormap"]
    window = state.get("window")
    if (
        state.get("film") == film_id
        and isinstance(window, list)
        and len(window) == 2
        and all(isinstance(v, int | float) and np.isfinite(v) for v in window)
        and window[1] > window[0]
    ):
        merged["window"] = [float(window[0]), float(window[1])]
    return merged


def _view_settings(settings: dict[str, object]) -> ViewSettings:
    low, high = settings["window"]
    return ViewSettings(
        level=(low + high) / 2,
        width=high - low,
        invert=bool(settings["invert"]),
        opacity=float(settings["opacity"]),
        colormap=str(settings["colormap"]),
        outline=bool(settings["outline"]),
    )


def film_viewer(spec: ViewerInput, key: str) -> ViewerResult:
    """Mount the viewer (and the film's carrier) under a stable `key`; returns what the person set and drew."""
    image = spec.image
    width, height = image.size
    previous = st.session_state.get(key) or {}
    settings = _settings_for_film(previous.get("settings"), spec.film_id)
    marks, problems = spec.marks, []
    sent = previous.get("marks")
    if isinstance(sent, dict) and sent.get("film") == spec.film_id:  # marks drawn on another film stay with it
        marks, problems = marks_from_browser(sent.get("marks"), width, height)
    mask = spec.lung_mask
    outline = _cached_outline(spec.film_id, mask.tobytes(), mask, width, height) if mask is not None else []
    data = {
        "role": "viewer",
        "film": spec.film_id,
        "aspect": height / max(width, 1),
        "panes": [
            {"key": p.key, "title": p.title, "heat": heat_png(p.heatmap) if p.heatmap is not None else None}
            for p in spec.panes
        ],
        "layouts": [{"id": o.layout_id, "label": o.label, "panes": list(o.panes)} for o in spec.layouts],
        "defaults": {
            "layout": spec.default_layout or (spec.layouts[0].layout_id if spec.layouts else ""),
            "opacity": config.DEFAULT_OVERLAY_OPACITY,
            "colormap": config.DEFAULT_COLORMAP,
        },
        "settings": settings,
        "presets": window_presets(image),
        "colormaps": colormap_tables(),
        "full_opacity_at": FULL_OPACITY_AT,
        "outline": outline,
        "outline_colour": config.OUTLINE_COLOUR,
        "boxes": [{"x0": b.x0, "y0": b.y0, "x1": b.x1, "y1": b.y1, "label": b.finding} for b in spec.boxes],
        "box_colour": config.BOX_COLOUR,
        "tools": ["pan", "wl", *(config.MARK_SHAPES if spec.drawing else ())],
        "marks": [m.to_browser() for m in marks],
        "min_mark_px": config.MIN_MARK_SIDE_PX,
        "phone": spec.phone,
        "min_height": config.VIEWER_MIN_HEIGHT_PX,
        "max_height": config.VIEWER_MAX_HEIGHT_PX,
    }
    _VIEWER(key=key, data=data, on_settings_change=_noop, on_marks_change=_noop)
    _CARRIER(key=f"{key}_film", data=_cached_film_data(spec.film_id, image))
    return ViewerResult(_view_settings(settings), bool(settings["boxes"]), marks, tuple(problems))
