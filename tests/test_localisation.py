"""The pointing game and heat-in-box on hand-made maps and boxes: a peak in a box hits, one outside misses, a
uniform map scores chance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model import config
from model.evaluation.localisation import (
    FilmBoxes,
    baseline_scores,
    heat_in_box,
    load_boxes,
    opacity_agreement,
    pointing_hit,
    random_point_hit_rate,
    score_film,
    summarise_scores,
)

SIZE = config.BOX_FRAME_SIZE


def box(x0: int, y0: int, x1: int, y1: int) -> FilmBoxes:
    mask = np.zeros((SIZE, SIZE), dtype=bool)
    mask[y0:y1, x0:x1] = True
    return FilmBoxes("pneumonia/a.png", "Pneumonia", mask)


def spot(row: int, col: int, size: int = SIZE) -> np.ndarray:
    heat = np.zeros((size, size), dtype=np.float32)
    heat[row, col] = 1.0
    return heat


def test_peak_inside_a_box_hits_and_outside_misses():
    film = box(100, 100, 140, 150)
    assert pointing_hit(spot(120, 120), film.mask, 0)
    assert not pointing_hit(spot(20, 20), film.mask, 8)


def test_tolerance_counts_near_misses_only_within_it():
    film = box(100, 100, 140, 150)
    near = spot(120, 145)  # 6 px right of the box's last column (139)
    assert not pointing_hit(near, film.mask, 0)
    assert pointing_hit(near, film.mask, 8)
    assert not pointing_hit(spot(120, 160), film.mask, 8)  # 21 px away


def test_map_at_model_resolution_is_judged_in_the_box_frame():
    film = box(100, 100, 140, 150)
    small = np.zeros((160, 160), dtype=np.float32)
    small[88, 86] = 1.0  # (88, 86) at 160 px is (123, 120) at 224 px: inside
    small[87:90, 85:88] = 0.5
    small[88, 86] = 1.0
    assert pointing_hit(small, film.mask, 0)


def test_heat_in_box_of_a_uniform_map_is_the_box_share():
    film = box(0, 0, 112, 56)
    uniform = np.ones((SIZE, SIZE), dtype=np.float32)
    assert heat_in_box(uniform, film.mask) == pytest.approx(film.share_of_film, abs=1e-6)
    assert heat_in_box(np.zeros((SIZE, SIZE)), film.mask) == 0.0
    assert not pointing_hit(np.zeros((SIZE, SIZE)), film.mask, 8), "a map without heat points nowhere"


def test_summary_gives_the_hit_rate_and_enrichment_over_chance():
    films = [box(100, 100, 140, 150), box(20, 20, 60, 60), box(150, 30, 200, 90)]
    hits = [score_film(spot(120, 120), films[0]), score_film(spot(40, 40), films[1])]
    miss = score_film(spot(200, 10), films[2])
    summary = summarise_scores([*hits, miss])
    assert summary["n"] == 3
    assert summary["pointing_game"] == pytest.approx(2 / 3)
    assert summary["heat_in_box"] == pytest.approx(2 / 3)
    assert summary["heat_in_box_over_chance"] > 5
    low, high = summary["pointing_game_95"]
    assert 0 <= low <= 2 / 3 <= high <= 1


def test_random_point_baseline_is_the_exact_area_near_the_box():
    film = box(0, 0, 112, SIZE)  # the left half
    assert random_point_hit_rate(film.mask, 0) == pytest.approx(0.5)
    assert random_point_hit_rate(film.mask, 8) == pytest.approx((112 + 8) / SIZE, abs=0.01)
    lungs = np.zeros((SIZE, SIZE), dtype=bool)
    lungs[:, 56:168] = True  # half of the lungs lie in the box
    assert random_point_hit_rate(film.mask, 0, lungs) == pytest.approx(0.5)
    base = baseline_scores([film], [lungs])
    assert base["random_point"]["heat_in_box_over_chance"] == pytest.approx(1.0)
    assert base["uniform_over_lungs"]["heat_in_box"] == pytest.approx(0.5)
    assert base["lung_centre"]["pointing_game"] in (0.0, 1.0)


def test_boxes_file_is_read_and_united_per_film(tmp_path):
    pd.DataFrame(
        {
            "image": ["pneumonia/a.png", "pneumonia/a.png", "pneumonia/b.png", "normal/c.png"],
            "finding": ["Pneumonia", "Pneumonia", "Pneumonia", "Mass"],
            "x": [10, 100, 50.5, 0],
            "y": [10, 100, 50, 0],
            "w": [20, 20, 10, 5],
            "h": [20, 20, 10, 5],
        }
    ).to_csv(tmp_path / config.BOXES_FILENAME, index=False)
    films = load_boxes(tmp_path)
    assert [f.image for f in films] == ["pneumonia/a.png", "pneumonia/b.png"]
    assert films[0].mask.sum() == 2 * 20 * 20
    assert films[0].mask[15, 15] and films[0].mask[110, 110] and not films[0].mask[60, 60]


def test_opacity_agreement_counts_the_noisy_label():
    labels = pd.DataFrame(
        {
            "image": ["pneumonia/a.png", "pneumonia/b.png", "normal/c.png", "normal/d.png"],
            "airspace_opacity": ["YES", "NO", "NO", "YES"],
        }
    )
    result = opacity_agreement(
        labels, {"pneumonia/a.png": 0.9, "pneumonia/b.png": 0.7, "normal/c.png": 0.1, "normal/d.png": 0.2}
    )
    assert result["n"] == 4 and result["opacity_yes"] == 2
    assert result["nih_label_agreement"] == pytest.approx(0.5)
    assert result["pneumonia_score_auroc_vs_nih_label"] == pytest.approx(1.0)
    assert result["pneumonia_score_auroc_vs_opacity"] == pytest.approx(0.75)  # 3 of 4 pairs ordered


def test_the_attention_penalty_measures_heat_outside_the_lungs():
    import tensorflow as tf

    from model.training.attention_penalty import outside_share, ramped_weight

    inside = np.zeros((1, 4, 4), np.float32)
    inside[0, :, :2] = 1.0  # the left half is lung
    cams = np.zeros((1, 4, 4, 3), np.float32)
    cams[0, :, :2, 0] = 1.0  # class 0: all heat inside
    cams[0, :, 2:, 1] = 1.0  # class 1: all heat outside
    cams[0, :, :, 2] = -1.0  # class 2: no positive heat at all, which must not be a way out
    share = outside_share(tf.constant(cams), tf.constant(inside)).numpy()[0]
    assert share.tolist() == pytest.approx([0.0, 1.0, 1.0])
    assert [ramped_weight(e, 2.0, 4) for e in (0, 2, 4, 9)] == [0.0, 1.0, 2.0, 2.0]
