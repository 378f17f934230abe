"""The shortcut test: score the classifier on whole images, with the lungs blacked out, and with only the lungs.

A model that still scores well once the lungs are gone is reading something
else (age, body outline, labels, the hospital's film): the source, not the
disease.
"""

from __future__ import annotations

import numpy as np

from model import config
from model.evaluation.metrics import summarise
from model.inference import predict_probabilities
from model.lungs import predict_lung_masks
from model.trust.wording import shortcut_verdict

VARIANTS: tuple[str, ...] = ("whole image", "lungs removed", "only lungs")


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
    verdict = shortcut_verdict(results["lungs removed"]["macro_f1"], results["only lungs"]["macro_f1"])
    return {
        "variants": results,
        "mean_lung_area_fraction": float(masks.mean()),
        "reads_source": verdict.level == "bad",  # the threshold is decided once, in wording.py
        "verdict": verdict.text,
        "classes": list(config.CLASS_NAMES),
    }
