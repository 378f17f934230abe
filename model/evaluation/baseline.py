"""A deliberately trivial baseline: logistic regression on 32x32 thumbnails.

It cannot see pathology at that size, only layout, exposure and texture of the
film. How close it comes to the CNN says how much of the task the data lets a
model solve by recognising the source.
"""

from __future__ import annotations

import cv2
import numpy as np

from model import config


def thumbnails(images: np.ndarray, size: int = config.BASELINE_THUMBNAIL_SIZE) -> np.ndarray:
    """(N, S, S, 1) inputs -> (N, size*size) features."""
    return np.stack([cv2.resize(image[..., 0], (size, size), interpolation=cv2.INTER_AREA).ravel() for image in images])


def train_baseline(images: np.ndarray, labels: np.ndarray, seed: int = config.SEED):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    classifier = make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=2000, C=0.1, class_weight="balanced", random_state=seed)
    )
    return classifier.fit(thumbnails(images), labels)


def baseline_probabilities(classifier, images: np.ndarray) -> np.ndarray:
    return classifier.predict_proba(thumbnails(images))
