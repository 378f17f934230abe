"""The shortcut test: score the classifier on whole images, with the lungs blacked out, and with only the lungs.

A model that still scores well once the lungs are gone is reading something
else (age, body outline, labels, the hospital's film): the source, not the
disease.
"""
from __future__ import annotations

import numpy as np

from model import config
from model.inference import predict_probabilities
from model.lungs import predict_lung_masks
from model.metrics import summarise

VARIANTS: tuple[str, ...] = ("whole image", "lungs removed", "only lungs")
# Macro-F1 with the lungs removed above which the page says the model reads the source.
SOURCE_READING_MACRO_F1: float = 0.6


def masked_variants(images: np.ndarray, masks: np.ndarray) -> dict[str, np.ndarray]:
    lungs = masks[..., None].astype(images.dtype)
    return {"whole image": images, "lungs removed": images * (1.0 - lungs), "only lungs": images * lungs}


def compact(summary: dict) -> dict:
    """Drop the curves: the shortcut section needs the figures, not the plots."""
    return {key: summary[key] for key in ("n", "accuracy", "macro_f1", "per_class", "confusion_matrix")}


def shortcut_test(classifier, segmenter, images: np.ndarray, labels: np.ndarray) -> dict[str, object]:
    masks = predict_lung_masks(segmenter, images)
    results = {
        name: compact(summarise(labels, predict_probabilities(classifier, variant), with_bootstrap=False))
        for name, variant in masked_variants(images, masks).items()
    }
    return {
        "variants": results,
        "mean_lung_area_fraction": float(masks.mean()),
        "reads_source": bool(results["lungs removed"]["macro_f1"] >= SOURCE_READING_MACRO_F1),
        "verdict": verdict(results["lungs removed"]["macro_f1"], results["only lungs"]["macro_f1"]),
        "classes": list(config.CLASS_NAMES),
    }


def verdict(removed: float, only_lungs: float) -> str:
    """The plain-words reading of the two masked scores (macro-F1; chance is about 0.33)."""
    if removed >= SOURCE_READING_MACRO_F1:
        return (f"With the lungs blacked out the model still reaches macro-F1 {removed:.2f} (chance is about 0.33): "
                "it relies on what lies outside the lungs, i.e. largely on where the image came from.")
    if only_lungs >= SOURCE_READING_MACRO_F1:
        return (f"With the lungs blacked out macro-F1 falls to {removed:.2f}, while the lungs alone keep {only_lungs:.2f}: "
                "the model depends mainly on the lungs.")
    return (f"Neither part suffices on its own: macro-F1 {removed:.2f} without the lungs and {only_lungs:.2f} with only "
            "the lungs. The model cannot classify from outside the lungs alone, but black regions are unlike anything "
            "it was trained on, so this test cannot show that it ignores the rest of the film.")
