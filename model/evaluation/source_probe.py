"""The source probe: how much the network's features know about where a film came from, beyond its class.

Within one class, a cross-validated logistic regression on the penultimate features (global average pooling)
predicts the film's origin (Radiography-DB adults / children / NIH adults for Normal; children / NIH adults for
Pneumonia). Each origin is subsampled to the same count, so chance is 1/k; the probe's balanced accuracy above
chance is the plainest measure of a source detector inside the classifier. A film's origin is its source, except
that Radiography-DB films that are copies of pediatric films count as children's (they are).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model import config
from model.data.manifest import origin_of

FEATURE_LAYER = config.FEATURE_LAYER
# Within each class, the origins the probe tells apart (classes with one origin have nothing to probe).
PROBE_FOLDS = 5
PROBE_MIN_PER_ORIGIN = 10


def penultimate_features(model, inputs: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """(N, S, S, 1) -> (N, F) features of the layer before the classifier head."""
    from model.inference import features_and_probabilities

    return features_and_probabilities(model, inputs, FEATURE_LAYER, batch_size)[0]


def probe_one_class(features: np.ndarray, origins: np.ndarray, seed: int = config.SEED) -> dict[str, object] | None:
    """Balanced, cross-validated origin prediction inside one class; None when fewer than two origins are usable."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    names, counts = np.unique(origins, return_counts=True)
    usable = names[counts >= PROBE_MIN_PER_ORIGIN]
    if len(usable) < 2:
        return None
    per_origin = int(counts[np.isin(names, usable)].min())
    rng = np.random.default_rng(seed)
    chosen = np.concatenate([rng.choice(np.flatnonzero(origins == name), per_origin, replace=False) for name in usable])
    x, y = features[chosen], origins[chosen]
    folds = StratifiedKFold(n_splits=min(PROBE_FOLDS, per_origin), shuffle=True, random_state=seed)
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.1))
    predicted = cross_val_predict(probe, x, y, cv=folds)
    accuracy = float(np.mean([np.mean(predicted[y == name] == name) for name in usable]))
    chance = 1.0 / len(usable)
    return {
        "origins": [str(n) for n in usable],
        "per_origin": per_origin,
        "balanced_accuracy": accuracy,
        "chance": chance,
        "above_chance": (accuracy - chance) / (1.0 - chance),
    }


def source_probe(model, inputs: np.ndarray, table: pd.DataFrame) -> dict[str, object]:
    """The probe for every class with several origins, and their mean (the headline figure)."""
    features = penultimate_features(model, inputs)
    origins = origin_of(table).to_numpy()
    labels = table["label"].to_numpy()
    per_class = {}
    for name in config.CLASS_NAMES:
        result = probe_one_class(features[labels == name], origins[labels == name])
        if result is not None:
            per_class[name] = result
    mean = lambda key: float(np.mean([r[key] for r in per_class.values()])) if per_class else None  # noqa: E731
    return {
        "method": (
            f"{PROBE_FOLDS}-fold cross-validated logistic regression on the '{FEATURE_LAYER}' features, "
            "predicting the origin of a film within its class, origins subsampled to equal counts"
        ),
        "per_class": per_class,
        "balanced_accuracy": mean("balanced_accuracy"),
        "chance": mean("chance"),
        "above_chance": mean("above_chance"),
    }
