"""Metrics against cases computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from model.evaluation.metrics import (
    calibration,
    confusion_matrix,
    macro_f1,
    per_class_metrics,
    ppv_npv_at_prevalence,
    roc_pr_curves,
    summarise,
)

LABELS = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 1])
PREDICTED = np.array([0, 0, 1, 1, 1, 2, 2, 0, 2, 2])


def test_confusion_matrix_by_hand():
    assert confusion_matrix(LABELS, PREDICTED, 3).tolist() == [[2, 1, 0], [0, 2, 1], [1, 0, 3]]


def test_per_class_by_hand():
    figures = per_class_metrics(confusion_matrix(LABELS, PREDICTED, 3), ("a", "b", "c"))
    # class a: TP 2, FN 1, FP 1, TN 6
    assert figures["a"]["sensitivity"] == pytest.approx(2 / 3)
    assert figures["a"]["precision"] == pytest.approx(2 / 3)
    assert figures["a"]["specificity"] == pytest.approx(6 / 7)
    assert figures["a"]["npv"] == pytest.approx(6 / 7)
    assert figures["c"]["f1"] == pytest.approx(2 * 0.75 * 0.75 / 1.5)
    assert figures["b"]["support"] == 3


def test_macro_f1_by_hand():
    # F1: a 2/3, b 2/3, c 3/4
    assert macro_f1(LABELS, PREDICTED, 3) == pytest.approx((2 / 3 + 2 / 3 + 3 / 4) / 3)


def test_perfect_scores_give_auc_one_and_zero_ece():
    labels = np.array([0, 1, 2, 0, 1, 2])
    probabilities = np.eye(3)[labels]
    curves = roc_pr_curves(labels, probabilities, ("a", "b", "c"))
    assert all(c["roc_auc"] == pytest.approx(1.0) for c in curves.values())
    cal = calibration(labels, probabilities)
    assert cal["ece"] == pytest.approx(0.0) and cal["brier"] == pytest.approx(0.0)


def test_ece_of_overconfident_model():
    # Always 90% sure, right half the time: ECE = |0.5 - 0.9| = 0.4.
    labels = np.array([0, 1] * 50)
    probabilities = np.tile([0.9, 0.05, 0.05], (100, 1))
    assert calibration(labels, probabilities)["ece"] == pytest.approx(0.4)


def test_bootstrap_interval_contains_the_estimate():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 300)
    probabilities = np.eye(3)[np.where(rng.random(300) < 0.8, labels, (labels + 1) % 3)] * 0.8 + 0.2 / 3
    result = summarise(labels, probabilities, ("a", "b", "c"))
    low, high = result["intervals_95"]["accuracy"]
    assert low < result["accuracy"] < high and high - low < 0.15


def test_ppv_npv_at_prevalence():
    ppv, npv = ppv_npv_at_prevalence(0.9, 0.9, 0.5)
    assert ppv == pytest.approx(0.9) and npv == pytest.approx(0.9)
    ppv_rare, _ = ppv_npv_at_prevalence(0.9, 0.9, 0.01)
    assert ppv_rare == pytest.approx(0.009 / (0.009 + 0.099))
