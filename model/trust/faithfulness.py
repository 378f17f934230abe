"""Deletion and insertion curves (Petsiuk et al. 2018), against a random map as baseline.

Deletion: replace the most salient pixels first with a blurred copy of the
image and watch the class probability fall; a faithful map makes it fall fast
(small area). Insertion: start from the blurred image and reveal the most
salient pixels first; a faithful map makes it rise fast (large area). The
score is insertion AUC minus deletion AUC; a map that does not beat a random
ordering of the pixels on that score is not telling us about the model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from model import config
from model.inference import forward

BLUR_SIGMA_FRACTION = 0.08  # of the image side: removes structure, keeps overall brightness


@dataclass(frozen=True)
class FaithfulnessScore:
    deletion_auc: float
    insertion_auc: float
    random_deletion_auc: float
    random_insertion_auc: float

    @property
    def score(self) -> float:
        return self.insertion_auc - self.deletion_auc

    @property
    def random_score(self) -> float:
        return self.random_insertion_auc - self.random_deletion_auc

    @property
    def beats_random(self) -> bool:
        return self.score > self.random_score

    def to_json(self) -> dict[str, float | bool]:
        return {
            **{k: round(v, 4) for k, v in asdict(self).items()},
            "score": round(self.score, 4),
            "random_score": round(self.random_score, 4),
            "beats_random": self.beats_random,
        }


def blurred_baseline(image: np.ndarray) -> np.ndarray:
    """(H, W, C) image, heavily blurred."""
    sigma = BLUR_SIGMA_FRACTION * image.shape[0]
    blurred = cv2.GaussianBlur(image[..., 0], (0, 0), sigmaX=sigma)
    return blurred[..., None].astype(np.float32)


def _curve_images(
    image: np.ndarray, baseline: np.ndarray, saliency: np.ndarray, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Deletion and insertion image stacks, each (steps + 1, H, W, C), for one pixel ranking."""
    order = np.argsort(-saliency.ravel(), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    rank = rank.reshape(saliency.shape)[..., None]
    fractions = np.linspace(0.0, 1.0, steps + 1)
    thresholds = np.round(fractions * saliency.size)[:, None, None, None]
    revealed = rank[None] < thresholds  # True where the pixel is among the top k
    deletion = np.where(revealed, baseline[None], image[None])
    insertion = np.where(revealed, image[None], baseline[None])
    return deletion.astype(np.float32), insertion.astype(np.float32)


def _auc(values: np.ndarray) -> float:
    return float(np.trapezoid(values, dx=1.0 / (len(values) - 1)))


def faithfulness(
    model,
    image: np.ndarray,
    saliency: np.ndarray,
    target_class: int,
    steps: int = config.FAITHFULNESS_STEPS,
    seed: int = config.SEED,
) -> FaithfulnessScore:
    """Score one map on one image (S, S, C) against a random map, in one batched forward pass."""
    rng = np.random.default_rng(seed)
    random_map = rng.random(saliency.shape).astype(np.float32)
    baseline = blurred_baseline(image)
    stacks = [*_curve_images(image, baseline, saliency, steps), *_curve_images(image, baseline, random_map, steps)]
    probabilities = forward(model, np.concatenate(stacks))[:, target_class]
    deletion, insertion, random_deletion, random_insertion = np.split(probabilities, 4)
    return FaithfulnessScore(_auc(deletion), _auc(insertion), _auc(random_deletion), _auc(random_insertion))
