"""A source adversary for training only: a head that guesses where a film came from, through a gradient reversal.

The head learns to tell the origins apart from the penultimate features; the reversed gradient pushes the shared
features to make that impossible (Ganin & Lempitsky 2015). It sees only Normal and Pneumonia films, the classes
that several origins share, so it removes what the features know about the origin beyond the class. The shipped
model is the plain classifier over the same layers: the adversary and its custom layer never reach the file, so
safe-mode loading and the flat CAM-ready network are unchanged.
"""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from model import config
from model.data.manifest import origin_of
from model.evaluation.source_probe import FEATURE_LAYER

# Origins the adversary tells apart; COVID-19 films (one origin only) get an all-zero target, hence no loss.
ORIGINS: tuple[str, ...] = ("radiography-db", "pediatric-guangzhou", "nih-chestxray14")
SHARED_CLASSES: tuple[str, ...] = (config.HEALTHY_CLASS, config.PNEUMONIA_CLASS)


class GradientReversal(keras.layers.Layer):
    """Identity forwards; multiplies the gradient by -weight backwards."""

    def __init__(self, weight: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.weight = float(weight)

    def call(self, inputs):
        weight = self.weight

        @tf.custom_gradient
        def reverse(x):
            return tf.identity(x), lambda upstream: -weight * upstream

        return reverse(inputs)


def origin_targets(table: pd.DataFrame) -> np.ndarray:
    """(N, len(ORIGINS)) one-hot origin for Normal and Pneumonia films, zeros for the rest."""
    origins = origin_of(table).to_numpy()
    shared = table["label"].isin(SHARED_CLASSES).to_numpy()
    targets = np.zeros((len(table), len(ORIGINS)), dtype=np.float32)
    for index, origin in enumerate(ORIGINS):
        targets[(origins == origin) & shared, index] = 1.0
    return targets


def with_adversary(classifier: keras.Model, weight: float) -> keras.Model:
    """A two-output training model: the classifier's probabilities and the adversary's origin guess."""
    features = classifier.get_layer(FEATURE_LAYER).output
    x = GradientReversal(weight, name="reverse_gradient")(features)
    x = keras.layers.Dense(64, activation="relu", name="adversary_hidden")(x)
    source = keras.layers.Dense(len(ORIGINS), activation="softmax", name="source")(x)
    return keras.Model(classifier.inputs, [classifier.output, source], name="classifier_with_adversary")
