"""Lung masks, the share of heat inside them, and the shortcut test."""

from __future__ import annotations

import numpy as np
import pytest

from model import config
from model.evaluation.shortcut import VARIANTS, masked_variants, shortcut_test
from model.inference import predict_probabilities
from model.lungs import dice, iou, keep_largest_regions, predict_lung_masks, share_inside
from model.overlay import mask_outline
from model.training.segmenter_network import build_segmenter
from tests.toy_models import patch_images, trained_toy_model


def two_lungs(size: int = 64) -> np.ndarray:
    mask = np.zeros((size, size), dtype=bool)
    mask[10:50, 8:26] = True
    mask[10:50, 38:56] = True
    return mask


def test_share_is_one_inside_and_zero_outside():
    mask = two_lungs()
    inside = np.where(mask, 1.0, 0.0).astype(np.float32)
    assert share_inside(inside, mask) == pytest.approx(1.0)
    assert share_inside(1.0 - inside, mask) == pytest.approx(0.0)
    assert share_inside(np.ones_like(inside), mask) == pytest.approx(mask.mean())
    assert share_inside(np.zeros_like(inside), mask) == 0.0


def test_share_resizes_the_mask_to_the_map():
    mask = two_lungs(64)
    big_map = np.kron(np.where(mask, 1.0, 0.0), np.ones((2, 2))).astype(np.float32)  # 128 x 128
    assert share_inside(big_map, mask) == pytest.approx(1.0, abs=0.01)


def test_dice_and_iou_against_hand_made_masks():
    a = np.zeros((10, 10), bool)
    b = np.zeros((10, 10), bool)
    a[:, :5] = True  # 50 pixels
    b[:, 3:8] = True  # 50 pixels, 20 shared
    assert dice(a, b) == pytest.approx(2 * 20 / 100)
    assert iou(a, b) == pytest.approx(20 / 80)
    assert dice(a, a) == iou(a, a) == 1.0


def test_largest_regions_drop_specks():
    mask = two_lungs()
    noisy = mask.copy()
    noisy[60, 60] = noisy[2, 2] = True
    assert (keep_largest_regions(noisy) == mask).all()


def test_outline_is_at_the_requested_size():
    outline = mask_outline(two_lungs(), 300, 200)
    assert outline.shape == (300, 200) and outline.any() and outline.mean() < 0.2


def test_segmenter_output_shape_and_range():
    segmenter = build_segmenter()
    rng = np.random.default_rng(0)
    probabilities = np.asarray(
        segmenter(rng.random((2, config.SEGMENTER_IMAGE_SIZE, config.SEGMENTER_IMAGE_SIZE, 1), dtype=np.float32))
    )
    assert probabilities.shape == (2, config.SEGMENTER_IMAGE_SIZE, config.SEGMENTER_IMAGE_SIZE, 1)
    assert probabilities.min() >= 0.0 and probabilities.max() <= 1.0
    masks = predict_lung_masks(segmenter, rng.random((3, 40, 40, 1), dtype=np.float32))
    assert masks.shape == (3, 40, 40) and masks.dtype == bool


def test_masked_variants_black_out_the_right_parts():
    images = np.full((1, 64, 64, 1), 0.8, dtype=np.float32)
    mask = two_lungs()[None]
    variants = masked_variants(images, mask)
    assert set(variants) == set(VARIANTS)
    assert (variants["lungs removed"][0, ..., 0][mask[0]] == 0).all() and variants["lungs removed"][0, 0, 0, 0] == 0.8
    assert (variants["only lungs"][0, ..., 0][~mask[0]] == 0).all() and variants["only lungs"][0, 20, 10, 0] == 0.8


def test_shortcut_test_runs_end_to_end_on_a_tiny_synthetic_set():
    classifier = trained_toy_model()
    images, labels, _ = patch_images(24, seed=5)
    report = shortcut_test(classifier, build_segmenter(), images, labels)
    assert set(report["variants"]) == set(VARIANTS)
    whole = report["variants"]["whole image"]
    assert whole["accuracy"] == pytest.approx(
        float(np.mean(predict_probabilities(classifier, images).argmax(1) == labels))
    )
    assert isinstance(report["reads_source"], bool) and report["verdict"]


def test_verdict_words_follow_the_scores():
    from model.trust.wording import shortcut_verdict

    def verdict(removed, only_lungs):
        return shortcut_verdict(removed, only_lungs).text

    assert "relies on what lies outside the lungs" in verdict(0.8, 0.9)
    assert "depends mainly on the lungs" in verdict(0.3, 0.8)
    assert "Neither part suffices" in verdict(0.25, 0.38)
