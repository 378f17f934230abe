"""RISE (Petsiuk, Das & Saenko 2018): the class probability over many random masks, each weighting the pixels it
kept. Forward passes only, so it explains any backend.

Each mask's score is taken relative to the mean score over all masks: with a few hundred masks (the count that keeps
RISE within 60x the traced Grad-CAM's cost) the plain sum mostly shows where the random masks happened to keep more
pixels, the same on any model, and a randomised network then gets the trained one's map (measured: rank correlation
0.65 without the centring).
"""

from __future__ import annotations

import cv2
import numpy as np

from model import config
from model.explain.base import Explainer
from model.explain.perturbation import fill_value, target_scores


def rise_masks(count: int, height: int, width: int, grid: int, keep: float, seed: int) -> np.ndarray:
    """(count, H, W) smooth masks in [0, 1]: a random grid x grid binary pattern, upsampled bilinearly to one cell
    larger than the film and cropped at a random shift (the paper's construction)."""
    rng = np.random.default_rng(seed)
    cell_h, cell_w = int(np.ceil(height / grid)), int(np.ceil(width / grid))
    up_h, up_w = (grid + 1) * cell_h, (grid + 1) * cell_w
    masks = np.empty((count, height, width), np.float32)
    for k in range(count):
        coarse = (rng.random((grid, grid)) < keep).astype(np.float32)
        big = cv2.resize(coarse, (up_w, up_h), interpolation=cv2.INTER_LINEAR)
        dy, dx = rng.integers(0, cell_h), rng.integers(0, cell_w)
        masks[k] = big[dy : dy + height, dx : dx + width]
    return masks


class RiseExplainer(Explainer):
    name = "rise"

    def __init__(self, model, masks: int = config.RISE_MASKS, reference: bool = False):
        super().__init__(model, reference=False)
        self.mask_count = masks

    def _compute(self, images: np.ndarray, score, layer: str | None) -> np.ndarray:
        height, width = images.shape[1:3]
        masks = rise_masks(self.mask_count, height, width, config.RISE_GRID, config.RISE_KEEP, config.SEED)
        maps = []
        for image, target in zip(images, score.indices):
            fill = fill_value(image)
            blended = (image[None] * masks[..., None] + fill * (1.0 - masks[..., None])).astype(np.float32)
            scores = target_scores(self.network, blended, int(target))
            weighted = np.maximum(np.tensordot(scores - scores.mean(), masks, axes=1), 0.0)
            maps.append((weighted / (len(masks) * config.RISE_KEEP)).astype(np.float32))
        return np.stack(maps)
