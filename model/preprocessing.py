"""From a loaded grayscale image to the network's input, identically in training and inference.

The network expects a (IMAGE_SIZE, IMAGE_SIZE, 1) float32 array in [0, 1]: the
image is resized to a square (the public releases are already stretched to
square, so stretching matches training), then its 1st-99th intensity
percentiles are mapped to 0-1. Per-image percentile normalisation removes
exposure and bit-depth differences between hospitals, one of the shortcuts a
model could otherwise learn.
"""

from __future__ import annotations

import cv2
import numpy as np

from model import config

LOW_PERCENTILE = 1.0
HIGH_PERCENTILE = 99.0


def resize_square(gray: np.ndarray, size: int = config.IMAGE_SIZE) -> np.ndarray:
    """Resize to size x size; area interpolation when shrinking avoids aliasing."""
    shrinking = gray.shape[0] > size or gray.shape[1] > size
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(gray.astype(np.float32), (size, size), interpolation=interpolation)


def normalise_intensity(gray: np.ndarray) -> np.ndarray:
    """Map the 1st-99th percentile range to [0, 1], clipping the tails."""
    low, high = np.percentile(gray, [LOW_PERCENTILE, HIGH_PERCENTILE])
    if high - low < 1e-6:
        return np.zeros_like(gray, dtype=np.float32)
    return np.clip((gray - low) / (high - low), 0.0, 1.0).astype(np.float32)


def to_model_input(gray: np.ndarray, size: int = config.IMAGE_SIZE) -> np.ndarray:
    """One image (H, W) in [0, 1] -> network input (size, size, 1)."""
    return normalise_intensity(resize_square(gray, size))[..., None]
