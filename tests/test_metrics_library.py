"""The library-backed metrics give today's figures: compared with the hand-written versions they replaced, on the
shipped model's own test predictions and on edge cases (absent classes, empty predictions)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model import config
from model.evaluation import metrics


def reference_confusion(labels, predicted, num_classes):
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def reference_per_class(matrix):
    total, out = matrix.sum(), []
    for i in range(len(matrix)):
        tp = matrix[i, i]
        fn, fp = matrix[i].sum() - tp, matrix[:, i].sum() - tp
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.append((precision, recall, f1, int(tp + fn), total - tp - fn - fp))
    return out


def cases():
    rng = np.random.default_rng(0)
    yield rng.integers(0, 3, 500), rng.integers(0, 3, 500)
    yield np.array([1, 1, 2, 2]), np.array([1, 2, 2, 2])  # class 0 absent from truth and predictions
    yield np.array([0, 1, 2]), np.array([1, 1, 1])  # classes never predicted
    if config.METRICS_PATH.is_file():
        predictions = json.loads(config.METRICS_PATH.read_text())["predictions"]
        truth = np.array([config.CLASS_NAMES.index(p["true"]) for p in predictions])
        guess = np.array([config.CLASS_NAMES.index(p["predicted"]) for p in predictions])
        yield truth, guess


@pytest.mark.parametrize("labels, predicted", list(cases()))
def test_library_metrics_equal_the_hand_written_ones(labels, predicted):
    matrix = metrics.confusion_matrix(labels, predicted, 3)
    assert np.array_equal(matrix, reference_confusion(labels, predicted, 3))
    ours = metrics.per_class_metrics(matrix)
    for (precision, recall, f1, support, _), name in zip(reference_per_class(matrix), config.CLASS_NAMES):
        assert ours[name]["precision"] == pytest.approx(precision, abs=1e-9)
        assert ours[name]["sensitivity"] == pytest.approx(recall, abs=1e-9)
        assert ours[name]["f1"] == pytest.approx(f1, abs=1e-9)
        assert ours[name]["support"] == support
    present = [c for c in range(3) if np.any(labels == c)]
    expected_macro = np.mean([reference_per_class(matrix)[c][2] for c in present])
    assert metrics.macro_f1(labels, predicted, 3) == pytest.approx(expected_macro, abs=1e-9)
