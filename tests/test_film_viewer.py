"""The film viewer's Python side: what the browser receives (exact film values, small heatmaps, presets in the
film's units) and what it sends back (marks and settings checked where they arrive)."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pytest

from dashboard.film_viewer import _settings_for_film, _view_settings
from dashboard.film_viewer.payload import HEAT_SIDE, film_data, heat_png, outline_lines, unpack_film, window_presets
from model import config
from model.image_io import LoadedImage
from model.marks import marks_from_browser


def _film(raw: np.ndarray, bits: int, value_range=None) -> LoadedImage:
    low, high = value_range if value_range is not None else (0, 2**bits - 1)
    return LoadedImage(((raw - low) / (high - low)).astype(np.float32), "PNG", bits, value_range=value_range)


@pytest.mark.parametrize("bits", [8, 12, 16])
def test_the_film_arrives_with_every_original_value_exact(bits):
    rng = np.random.default_rng(bits)
    raw = rng.integers(0, 2**bits, size=(300, 260)).astype(np.float64)
    data = film_data("id", _film(raw, bits))
    steps = unpack_film(data)
    assert data["levels"] == 2**bits - 1 and data["size"] == [260, 300]
    assert np.array_equal(steps, raw.astype(np.uint16)), "each step is the file's own value"


def test_a_monochrome1_film_keeps_its_reversed_units_and_presets_read_in_them():
    raw = np.linspace(0, 4095, 128 * 128).reshape(128, 128)
    image = LoadedImage((1 - raw / 4095).astype(np.float32), "DICOM", 12, value_range=(4095.0, 0.0))
    data = film_data("m1", image)
    assert data["units"] == [4095.0, 0.0] and data["decimals"] == 0
    lung = next(p for p in window_presets(image) if p["name"].startswith("Lung"))
    level, width = config.WINDOW_PRESETS["Lung"]
    assert lung["low"] == pytest.approx(level - width / 2) and f"W {4095 * width:.0f}" in lung["name"]


def test_a_film_of_one_by_four_thousand_pixels_is_sent_whole_within_the_side_limit():
    image = _film(np.full((4000, 1), 100.0), 8)
    steps = unpack_film(film_data("thin", image))
    assert steps.shape == (config.VIEWER_MAX_SIDE, 1) and film_data("thin", image)["size"] == [1, 4000]


def test_a_coarse_cam_grid_is_sent_smooth_and_small():
    grid = np.zeros((10, 10), np.float32)
    grid[4:6, 4:6] = 1
    encoded = heat_png(grid)
    heat = cv2.imdecode(np.frombuffer(base64.b64decode(encoded), np.uint8), cv2.IMREAD_UNCHANGED)
    assert heat.shape == (HEAT_SIDE, HEAT_SIDE) and len(encoded) < 20_000
    assert heat[112, 112] > 200 and heat[10, 10] < 10


def test_the_lung_outline_is_in_film_pixels():
    mask = np.zeros((64, 64), np.uint8)
    mask[16:48, 8:24] = 1
    lines = outline_lines(mask, width=1000, height=2000)
    xs, ys = np.array(lines[0][0::2]), np.array(lines[0][1::2])
    assert 100 < xs.min() < 150 and 350 < xs.max() < 400 and 450 < ys.min() < 550 and 1450 < ys.max() < 1550


def test_marks_are_clipped_to_the_film_and_bad_ones_refused_in_sentences():
    raw = [
        {"id": "a", "shape": "rect", "x0": -20, "y0": 10, "x1": 50, "y1": 60},  # clipped at the left edge
        {"id": "b", "shape": "ellipse", "x0": 90, "y0": 90, "x1": 30, "y1": 40},  # corners given backwards
        {"id": "c", "shape": "rect", "x0": 500, "y0": 500, "x1": 600, "y1": 600},  # outside the film
        {"id": "d", "shape": "rect", "x0": 10, "y0": 10, "x1": 10, "y1": 80},  # no width
        {"id": "e", "shape": "star", "x0": 1, "y0": 1, "x1": 20, "y1": 20},
        {"id": "f", "shape": "rect", "x0": float("nan"), "y0": 1, "x1": 20, "y1": 20},
        "<script>alert(1)</script>",
    ]
    marks, problems = marks_from_browser(raw, width=200, height=100)
    assert [(m.mark_id, m.x0, m.y0, m.x1, m.y1) for m in marks] == [("a", 0, 10, 50, 60), ("b", 30, 40, 90, 90)]
    assert len(problems) == 5
    assert "outside the film" in problems[0] and "of no size" in problems[1] and "shape" in problems[2]
    many, said = marks_from_browser([raw[0]] * (config.MAX_MARKS_PER_FILM + 5), 200, 100)
    assert len(many) == config.MAX_MARKS_PER_FILM and said
    assert marks_from_browser({"not": "a list"}, 10, 10)[1], "a malformed payload is said, not raised"


def test_settings_from_the_browser_apply_to_their_own_film_and_bad_values_are_ignored():
    sent = {"film": "A", "window": [0.2, 0.6], "invert": True, "opacity": 0.8, "colormap": "inferno", "boxes": False}
    same = _settings_for_film(sent, "A")
    assert same["window"] == [0.2, 0.6] and same["invert"] and same["colormap"] == "inferno" and not same["boxes"]
    view = _view_settings(same)
    assert view.level == pytest.approx(0.4) and view.width == pytest.approx(0.4) and view.opacity == 0.8
    other = _settings_for_film(sent, "B")
    assert other["window"] == [0.0, 1.0] and other["colormap"] == "inferno", "the window belongs to its film"
    hostile = {"film": "A", "window": [1, 0], "opacity": 7, "colormap": "<b>x</b>", "invert": "yes"}
    cleaned = _settings_for_film(hostile, "A")
    assert cleaned["window"] == [0.0, 1.0] and cleaned["opacity"] == config.DEFAULT_OVERLAY_OPACITY
    assert cleaned["colormap"] == config.DEFAULT_COLORMAP and cleaned["invert"] is False
