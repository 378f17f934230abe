"""What the viewer's JavaScript receives, encoded from arrays (no Streamlit here, so tests read it directly).

The film travels once, as a PNG whose red and green channels carry the high and low bytes of a 16-bit value: PNG
is lossless, so the browser windows the film's own values, not an 8-bit picture of them. Heatmaps travel as small
8-bit grey PNGs (a few KB each) and are coloured in the browser, so opacity and colormap cost no round trip.
"""

from __future__ import annotations

import base64

import cv2
import numpy as np

from model import config
from model.image_io import LoadedImage
from model.overlay import COLORMAPS, smooth_mask

FILM_PNG_COMPRESSION = 3  # zlib level: a 2048-px film encodes in well under a second, within a few % of level 9


def _base64_png(picture: np.ndarray, compression: int = FILM_PNG_COMPRESSION) -> str:
    ok, encoded = cv2.imencode(".png", picture, [cv2.IMWRITE_PNG_COMPRESSION, compression])
    if not ok:
        raise ValueError("The viewer's picture could not be encoded as PNG.")
    return base64.b64encode(encoded.tobytes()).decode("ascii")


def display_copy(pixels: np.ndarray, max_side: int = config.VIEWER_MAX_SIDE) -> np.ndarray:
    """The film at most `max_side` on its longest side (area-averaged), never smaller than one pixel a side."""
    height, width = pixels.shape
    scale = min(1.0, max_side / max(height, width))
    if scale == 1.0:
        return pixels
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def value_decimals(image: LoadedImage) -> int:
    """Decimals worth showing for a value in the film's own units: none for integer ranges, three for 0-1."""
    return 0 if image.own_span >= 50 else 3


def film_levels(image: LoadedImage) -> int:
    """How many steps the film's range is sent in: its own integer steps where it has at most 65,535 of them (an
    8-bit film's high byte is then zero and a 12-bit film's nearly so, which PNG compresses away; every original
    value arrives exactly), else 65,535."""
    span = image.own_span
    if span >= 1 and float(span).is_integer() and span <= 65535:
        return int(span)
    return 65535


def film_data(film_id: str, image: LoadedImage, max_side: int = config.VIEWER_MAX_SIDE) -> dict[str, object]:
    """The film carrier's data: the film's size in its own pixels, its 16-bit display copy, its units."""
    display = display_copy(image.pixels, max_side)
    levels = film_levels(image)
    values = np.round(np.clip(display, 0.0, 1.0) * levels).astype(np.uint16)
    high, low = (values >> 8).astype(np.uint8), (values & 0xFF).astype(np.uint8)
    packed = np.dstack([np.zeros_like(high), low, high])  # OpenCV writes BGR: red = high byte, green = low byte
    return {
        "role": "film",
        "id": film_id,
        "size": list(image.size),
        "png": _base64_png(packed),
        "units": [float(v) for v in image.own_range],
        "levels": levels,
        "decimals": value_decimals(image),
    }


def unpack_film(data: dict[str, object]) -> np.ndarray:
    """The display copy's steps back from the carrier's data, as the browser reads them (0..data["levels"])."""
    encoded = np.frombuffer(base64.b64decode(str(data["png"])), dtype=np.uint8)
    bgr = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)
    return (bgr[..., 2].astype(np.uint16) << 8) | bgr[..., 1].astype(np.uint16)


HEAT_SIDE = 224  # a coarser map is resized (cubic, as the PNG export) so the browser's bilinear scaling stays smooth


def heat_png(heatmap: np.ndarray) -> str:
    """A map in [0, 1] (any resolution) as an 8-bit grey PNG, base64; a CAM's coarse grid is first resized smoothly
    to HEAT_SIDE, as model/overlay.py resizes it (a 10-px grid scaled bilinearly shows diamonds)."""
    heat = heatmap.astype(np.float32)
    if max(heat.shape) < HEAT_SIDE:
        heat = cv2.resize(heat, (HEAT_SIDE, HEAT_SIDE), interpolation=cv2.INTER_CUBIC)
    return _base64_png(np.round(np.clip(heat, 0.0, 1.0) * 255).astype(np.uint8), compression=6)


def outline_lines(mask: np.ndarray | None, width: int, height: int) -> list[list[float]]:
    """The lung outline as closed polylines [x0, y0, x1, y1, ...] in film pixels, traced on a copy at most
    VIEWER_MAX_SIDE large (a smooth curve, not the segmenter's grid)."""
    if mask is None:
        return []
    scale = min(1.0, config.VIEWER_MAX_SIDE / max(width, height))
    traced_w, traced_h = max(1, round(width * scale)), max(1, round(height * scale))
    contours, _ = cv2.findContours(smooth_mask(mask, traced_h, traced_w), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    lines = []
    for contour in contours:
        points = contour[:, 0, :].astype(float) / scale
        lines.append([round(float(v), 1) for v in points.reshape(-1)])
    return lines


def colormap_tables() -> dict[str, str]:
    """Each menu colormap as 256 RGB colours in hex ("rrggbb" x 256), the same OpenCV tables the PNG export uses."""
    ramp = np.arange(256, dtype=np.uint8)[:, None]
    tables = {}
    for name, code in COLORMAPS.items():
        rgb = cv2.applyColorMap(ramp, code)[:, 0, ::-1]
        tables[name] = rgb.astype(np.uint8).tobytes().hex()
    return tables


def window_presets(image: LoadedImage) -> list[dict[str, object]]:
    """The presets as (low, high) on the film's display range, named with their width and level in its own units."""
    presets = []
    for name, (level, width) in config.WINDOW_PRESETS.items():
        own_level = float(image.to_own_units(level))
        own_width = image.own_span * width
        digits = value_decimals(image)
        label = f"{name} (W {own_width:.{digits}f}, L {own_level:.{digits}f})"
        presets.append({"name": label, "low": level - width / 2, "high": level + width / 2})
    return presets
