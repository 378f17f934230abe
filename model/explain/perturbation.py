"""What the forward-pass methods share: films with parts hidden, sent through the network in batches.

Hidden pixels take the film's own mean rather than black: a black patch on a radiograph is itself a strong, odd
feature (the borders and labels a shortcut model reads are black or white), while the mean removes detail without
adding an edge.
"""

from __future__ import annotations

import numpy as np

from model import config


def fill_value(image: np.ndarray) -> np.ndarray:
    """(S, S, C) -> (1, 1, C): the film's mean per channel."""
    return image.mean(axis=(0, 1), keepdims=True)


def target_scores(network, images: np.ndarray, target: int, batch: int = config.FORWARD_BATCH) -> np.ndarray:
    """P(target) for each of `images`, in batches."""
    scores = [network.probabilities(images[i : i + batch])[:, target] for i in range(0, len(images), batch)]
    return np.concatenate(scores) if scores else np.empty(0, dtype=np.float32)
