"""Verdicts follow their numbers, and the agreement measure knows agreeing maps from disagreeing ones."""

from __future__ import annotations

import numpy as np

from model.trust.agreement import agreement, pairwise_overlap
from model.trust.wording import agreement_verdict, faithfulness_verdict, lung_share_verdict


def test_lung_share_is_judged_against_the_lungs_own_area():
    assert lung_share_verdict(0.6, 0.3).level == "good", "twice chance"
    assert lung_share_verdict(0.35, 0.3).level == "caution", "about chance"
    assert lung_share_verdict(0.15, 0.3).level == "bad", "below chance"
    withheld = lung_share_verdict(0.9, 0.3, mask_plausible=False)
    assert withheld.level == "unknown" and "implausible" in withheld.text
    assert lung_share_verdict(None).level == "unknown"


def test_faithfulness_words_carry_no_jargon_and_keep_the_numbers_aside():
    clear = faithfulness_verdict(0.40, 0.01)
    assert clear.level == "good" and "AUC" not in clear.text and "0.40" in clear.detail
    assert faithfulness_verdict(0.03, 0.01).level == "caution"
    assert faithfulness_verdict(0.00, 0.02).level == "bad"
    unlikely = faithfulness_verdict(0.40, 0.01, target_probability=0.01)
    assert unlikely.level == "caution" and "1%" in unlikely.text


def test_agreement_of_identical_shifted_and_random_maps():
    yy, xx = np.mgrid[0:64, 0:64]
    blob = np.exp(-((xx - 20) ** 2 + (yy - 30) ** 2) / 60.0)
    other = np.exp(-((xx - 48) ** 2 + (yy - 30) ** 2) / 60.0)
    assert agreement({"a": blob, "b": blob.copy()}) == 1.0
    assert agreement({"a": blob, "b": other}) == 0.0
    rng = np.random.default_rng(0)
    random_pair = agreement({"a": rng.random((64, 64)), "b": rng.random((64, 64))})
    assert 0.0 < random_pair < 0.15
    overlaps = pairwise_overlap({"a": blob, "b": blob, "c": other})
    assert set(overlaps) == {"a / b", "a / c", "b / c"}
    assert agreement_verdict(0.8, "a / c", 0.0).level == "good"
    assert agreement_verdict(0.05, "a / c", 0.0).level == "bad"


def test_slide_holds_both_panes_a_colour_bar_and_the_caption():
    from model.overlay import render, slide
    from model.synthetic import synthetic_radiograph

    film = synthetic_radiograph(300, 240)
    picture = slide(film, render(film, np.random.default_rng(0).random((40, 40))), ["Grad-CAM for Normal"])
    assert picture.dtype == np.uint8 and picture.shape[2] == 3
    assert picture.shape[1] > 2 * 240 and picture.shape[0] > 300, "two panes side by side, a caption band above"


def test_a_slide_of_a_small_film_is_projector_sized_and_wraps_long_captions():
    from model.overlay import SLIDE_MIN_LONG_SIDE, render, slide
    from model.synthetic import synthetic_radiograph

    film = synthetic_radiograph(224, 224)
    overlay = render(film, np.random.default_rng(0).random((40, 40)))
    short = slide(film, overlay, ["one line"])
    long = slide(film, overlay, ["one line", "word " * 80, "Bärbel's film · naïve"])  # wrapped, ASCII-folded
    assert max(short.shape[:2]) >= SLIDE_MIN_LONG_SIDE, "a 224-px film still gives a slide a projector can show"
    assert long.shape[1] == short.shape[1] and long.shape[0] > short.shape[0] + 60, "long lines wrap, not clip"


def test_compare_grid_labels_every_method():
    from model.overlay import grid, render
    from model.synthetic import synthetic_radiograph

    film = synthetic_radiograph(200, 160)
    pictures = [render(film, np.random.default_rng(s).random((20, 20))) for s in range(5)]
    picture = grid(pictures, [f"method {i}" for i in range(5)])
    assert picture.shape[1] > 5 * 160 and picture.shape[0] > 200
    labelled = grid(pictures, [f"method {i}" for i in range(5)], lines=["film.png - model: default", "answer"])
    assert labelled.shape[1] == picture.shape[1] and labelled.shape[0] > picture.shape[0], "a header band"
    assert picture.shape[1] >= 1024


def test_a_map_whose_peak_is_outside_the_lungs_is_never_good():
    assert lung_share_verdict(0.9, 0.3, peak_in_lungs=True).level == "good"
    assert lung_share_verdict(0.9, 0.3, peak_in_lungs=False).level == "caution"
    assert lung_share_verdict(0.2, 0.3, peak_in_lungs=False).level == "bad"
    assert lung_share_verdict(0.9, None, peak_in_lungs=False).level == "caution"


def test_about_twice_chance_but_under_the_floor_is_not_good():
    """36-44% inside with lungs a quarter of the film was called green before: now caution."""
    assert lung_share_verdict(0.44, 0.25, peak_in_lungs=True).level == "caution"


def test_a_method_that_fails_the_sanity_check_never_gets_a_green_faithfulness():
    verdict = faithfulness_verdict(0.40, 0.01, passes_sanity=False)
    assert verdict.level == "caution" and "scrambled" in verdict.text
    assert faithfulness_verdict(0.40, 0.01, chest_film=False).level == "caution"
    assert faithfulness_verdict(-0.1, 0.01, passes_sanity=False).level == "bad"


def test_grouped_words_each_sentence_once():
    from model.trust.wording import Verdict, grouped

    same = Verdict("good", "fine")
    groups = grouped({"A": same, "B": same, "C": Verdict("bad", "not fine")})
    assert [(v.text, names) for v, names in groups] == [("fine", ["A", "B"]), ("not fine", ["C"])]


def test_model_comparison_words_each_difference_once():
    from model.trust.model_comparison import ModelView, models_disagreement

    agree = models_disagreement(
        [ModelView("A", "Normal", 0.9, True), ModelView("B", "Normal", 0.85, True)], {"A / B": 0.6}
    )
    assert [v.level for v in agree] == ["good", "good"] and "agree on the answer: Normal" in agree[0].text
    differ = models_disagreement(
        [ModelView("A", "Normal", 0.95, True), ModelView("B", "COVID-19", 0.40, False)], {"A / B": 0.05}
    )
    texts = [v.text for v in differ]
    assert "different answers (A: Normal; B: COVID-19)" in texts[0]
    assert any(v.level == "bad" and "outside the lungs for B" in v.text for v in differ)
    assert any("A keeps 95%" in t and "B only 40%" in t for t in texts)
    assert differ[-1].level == "caution" and "overlaps 5%" in differ[-1].text
    assert len(set(texts)) == len(texts), "each difference said once"
