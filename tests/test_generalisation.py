"""Other-hospital figures, the source probe and the input recipes, on data whose right answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.data.manifest import origin_of
from model.evaluation.generalisation import (
    COVID,
    NORMAL,
    PNEUMONIA,
    adult_nih_figures,
    auroc,
    bootstrap_auroc,
    covid_vs_rest,
)
from model.evaluation.source_probe import probe_one_class
from model.input_recipe import InputRecipe, apply_recipe, lung_focus_masks
from model.lungs import plausible_lung_mask
from tests.test_lungs import two_lungs


def one_hot_probabilities(predicted: list[int], confidence: float = 0.8) -> np.ndarray:
    rest = (1 - confidence) / 2
    probabilities = np.full((len(predicted), 3), rest)
    probabilities[np.arange(len(predicted)), predicted] = confidence
    return probabilities


def test_auroc_matches_scikit_learn_with_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    positive = rng.random(200) < 0.3
    scores = np.round(rng.random(200) + positive * 0.3, 1)  # rounded: many ties
    assert auroc(positive, scores) == pytest.approx(roc_auc_score(positive, scores))
    low, high = bootstrap_auroc(positive, scores, samples=200)
    assert low < auroc(positive, scores) < high
    assert auroc(np.ones(4, bool), np.arange(4.0)) is None


def test_covid_vs_rest_counts_the_models_own_calls():
    labels = np.array([COVID, COVID, NORMAL, NORMAL, PNEUMONIA])
    probabilities = one_hot_probabilities([COVID, NORMAL, COVID, NORMAL, NORMAL])
    result = covid_vs_rest(labels, probabilities)
    assert result["sensitivity"] == 0.5
    assert result["others_called_covid"] == pytest.approx(1 / 3)
    assert result["specificity"] == pytest.approx(2 / 3)
    assert result["called"] == {"COVID-19": 2, "Normal": 3, "Pneumonia": 0}


def test_adult_nih_figures_by_view():
    table = pd.DataFrame(
        {
            "source": ["nih-chestxray14"] * 4 + ["radiography-db"],
            "view": ["AP", "AP", "PA", "PA", "unknown"],
        }
    )
    labels = np.array([NORMAL, PNEUMONIA, NORMAL, PNEUMONIA, COVID])
    probabilities = one_hot_probabilities([COVID, PNEUMONIA, NORMAL, NORMAL, COVID])
    result = adult_nih_figures(table, labels, probabilities)
    assert result["normals_called_covid"] == 0.5 and result["pneumonia_called_pneumonia"] == 0.5
    assert result["by_view"]["AP"]["normal"]["COVID-19"] == 1.0
    assert result["by_view"]["PA"]["pneumonia"]["Normal"] == 1.0
    assert set(result["by_view"]) == {"AP", "PA"}


def test_source_probe_finds_origin_in_features_that_carry_it_and_not_in_noise():
    rng = np.random.default_rng(1)
    origins = np.repeat(["a", "b", "c"], 40)
    informative = rng.normal(size=(120, 8)) + (origins[:, None] == "b") * 3.0 - (origins[:, None] == "c") * 3.0
    noise = rng.normal(size=(120, 8))
    knows = probe_one_class(informative, origins)
    blind = probe_one_class(noise, origins)
    assert knows["balanced_accuracy"] > 0.9 and knows["chance"] == pytest.approx(1 / 3)
    assert blind["balanced_accuracy"] < 0.6
    assert probe_one_class(noise, np.array(["a"] * 120)) is None, "one origin: nothing to probe"


def test_origin_counts_radiography_copies_of_childrens_films_as_pediatric():
    table = pd.DataFrame(
        {
            "source": ["radiography-db", "radiography-db", "pediatric-guangzhou"],
            "age_group": ["adult", "child", "child"],
        }
    )
    assert origin_of(table).tolist() == ["radiography-db", "pediatric-guangzhou", "pediatric-guangzhou"]


def test_lung_mask_plausibility_and_the_safe_box():
    lungs = two_lungs(64)
    assert plausible_lung_mask(lungs)
    one_blob = np.zeros((64, 64), bool)
    one_blob[10:50, 10:50] = True
    assert not plausible_lung_mask(one_blob), "one region is not two lungs"
    assert not plausible_lung_mask(np.zeros((64, 64), bool))
    weights, fallback = lung_focus_masks(np.stack([lungs, one_blob]))
    assert fallback.tolist() == [False, True]
    assert weights[0][lungs].min() > 0.5 and weights[0][0, 0] < 0.05, "lungs kept, corners dropped"
    assert weights[1][32, 32] > 0.9 and weights[1][0, 0] < 0.05


def test_recipes_change_only_what_they_say():
    rng = np.random.default_rng(2)
    inputs = rng.random((2, 64, 64, 1)).astype(np.float32)
    masks = np.stack([two_lungs(64)] * 2)
    assert np.array_equal(apply_recipe(InputRecipe(), inputs), inputs)
    equalised = apply_recipe(InputRecipe(clahe=True), inputs)
    assert equalised.shape == inputs.shape and 0 <= equalised.min() and equalised.max() <= 1
    focused = apply_recipe(InputRecipe(lung_focus=True), inputs, masks)
    import cv2

    interior = cv2.erode(masks[0].astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    assert np.allclose(focused[:, 0, 0], 0.0, atol=0.05), "the corners are suppressed"
    kept = focused[0][interior] / np.maximum(inputs[0][interior], 1e-6)
    assert kept.min() > 0.97 and kept.max() <= 1.0 + 1e-6, "the lungs' interior is kept (feathered by at most 3%)"
    with pytest.raises(ValueError, match="lung masks"):
        apply_recipe(InputRecipe(lung_focus=True), inputs)


def test_the_sick_vs_healthy_score_counts_pneumonia_as_sick():
    """1 − P(Normal) is judged against every film that is not Normal, not against COVID-19 alone."""
    import numpy as np

    from model import config
    from model.evaluation.generalisation import covid_vs_rest

    covid, normal, pneumonia = (config.CLASS_NAMES.index(c) for c in ("COVID-19", "Normal", "Pneumonia"))
    labels = np.array([covid, pneumonia, normal, normal])
    probabilities = np.zeros((4, 3))
    probabilities[:, normal] = [0.2, 0.1, 0.8, 0.9]  # sick films least Normal: a perfect sick-vs-healthy ranking
    probabilities[:, covid] = [0.7, 0.1, 0.1, 0.05]
    probabilities[:, pneumonia] = 1.0 - probabilities[:, normal] - probabilities[:, covid]
    figures = covid_vs_rest(labels, probabilities)
    assert figures["abnormal_score_auroc"] == 1.0
    assert figures["auroc"] == 1.0 and figures["n_covid"] == 1
