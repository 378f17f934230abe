"""Lung masks for any image the loader accepts, and how much of a heatmap falls inside them.

The segmenter works at SEGMENTER_IMAGE_SIZE on the same percentile-normalised
input as the classifier; its probability map is resized back, thresholded, and
cleaned to the two largest connected regions (two lungs), which removes
specks on labels and the abdomen.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from model import config
from model.inference import ModelLoadError, forward


def load_segmenter(path: Path | None = None):
    path = Path(path) if path is not None else config.SEGMENTER_PATH  # read now: tests may repoint config
    import keras

    if not path.is_file():
        raise ModelLoadError(
            f"Lung segmenter {path} is missing. Train it with `python scripts/train_lung_segmenter.py`."
        )
    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:
        raise ModelLoadError(
            f"Lung segmenter {path.name} exists but could not be loaded ({type(error).__name__}); rebuild it with "
            "`python scripts/train_lung_segmenter.py`."
        ) from None


def optional_segmenter(path: Path | None = None):
    """The segmenter, or None when it is not shipped (lung figures are then left out). A segmenter file that is
    there but does not load raises ModelLoadError: a damaged file must not drop the lung checks quietly."""
    path = Path(path) if path is not None else config.SEGMENTER_PATH
    if not path.is_file():
        return None
    return load_segmenter(path)


def keep_largest_regions(mask: np.ndarray, regions: int = 2, min_fraction: float = 0.01) -> np.ndarray:
    """The `regions` largest connected components of a binary mask, each at least `min_fraction` of the image."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return mask.astype(bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = [1 + i for i in np.argsort(-areas)[:regions] if areas[i] >= min_fraction * mask.size]
    return np.isin(labels, keep)


def predict_lung_masks(segmenter, model_inputs: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """(N, S, S, 1) classifier inputs -> (N, S, S) boolean lung masks at the same size."""
    size = config.SEGMENTER_IMAGE_SIZE
    small = np.stack([cv2.resize(image[..., 0], (size, size), interpolation=cv2.INTER_AREA) for image in model_inputs])[
        ..., None
    ]
    probabilities = np.concatenate(
        [forward(segmenter, small[i : i + batch_size]) for i in range(0, len(small), batch_size)]
    )[..., 0]
    height, width = model_inputs.shape[1:3]
    masks = [
        keep_largest_regions(
            cv2.resize(p, (width, height), interpolation=cv2.INTER_LINEAR) >= config.SEGMENTER_THRESHOLD
        )
        for p in probabilities
    ]
    return np.stack(masks)


def plausible_lung_mask(mask: np.ndarray) -> bool:
    """Two lung-sized regions side by side; else the segmenter failed on this film (dense consolidation, a child)."""
    area = float(mask.mean())
    if not config.LUNG_MASK_AREA_RANGE[0] <= area <= config.LUNG_MASK_AREA_RANGE[1]:
        return False
    count, _, stats, centroids = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count < 3:  # background + two lungs
        return False
    order = np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:2] + 1
    areas = stats[order, cv2.CC_STAT_AREA].astype(float)
    left_right = sorted(centroids[order, 0] / mask.shape[1])
    return areas.min() / areas.max() >= config.LUNG_MASK_MIN_AREA_RATIO and left_right[0] < 0.5 < left_right[1]


def safe_box(height: int, width: int) -> np.ndarray:
    """Where lungs lie on nearly every frontal film: used when the segmenter's mask is implausible."""
    top, bottom, left, right = config.LUNG_SAFE_BOX
    box = np.zeros((height, width), dtype=bool)
    box[int(top * height) : int(bottom * height), int(left * width) : int(right * width)] = True
    return box


def share_inside(heatmap: np.ndarray, mask: np.ndarray) -> float:
    """Fraction of the heatmap's mass inside the mask (1 = all inside, 0 = all outside); the mask is resized to fit."""
    if heatmap.shape != mask.shape:
        mask = cv2.resize(mask.astype(np.uint8), heatmap.shape[::-1], interpolation=cv2.INTER_NEAREST).astype(bool)
    total = float(heatmap.sum())
    return float(heatmap[mask].sum() / total) if total > 0 else 0.0


def peak_inside(heatmap: np.ndarray, mask: np.ndarray) -> bool:
    """Is the map's hottest point inside the mask? The mask is resized to the map if needed."""
    if heatmap.shape != mask.shape:
        mask = cv2.resize(mask.astype(np.uint8), heatmap.shape[::-1], interpolation=cv2.INTER_NEAREST).astype(bool)
    row, col = np.unravel_index(int(np.argmax(heatmap)), heatmap.shape)
    return bool(mask[row, col])


def dice(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(bool), b.astype(bool)
    denominator = a.sum() + b.sum()
    return float(2 * np.logical_and(a, b).sum() / denominator) if denominator else 1.0


def iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(bool), b.astype(bool)
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0
