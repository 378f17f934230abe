"""Export a Keras network to LiteRT (.tflite) and check the export against Keras: only the export tools import it.

Through a SavedModel: the route that freezes Keras 3 weights correctly (a direct concrete-function conversion
produced NaNs here).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from model import config

TOLERANCE: float = 1e-4


def to_tflite(network, path: Path) -> None:
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as folder:
        network.export(folder, format="tf_saved_model", verbose=False)
        Path(path).write_bytes(tf.lite.TFLiteConverter.from_saved_model(folder).convert())


def with_features(network):
    """The classifier with its penultimate features as a second output, where it has the layer the gate reads."""
    import keras

    names = {layer.name for layer in network.layers}
    if config.FEATURE_LAYER not in names:
        return network
    return keras.Model(network.inputs, [network.get_layer(config.FEATURE_LAYER).output, network.output])


def export_classifier(network, path: Path, seed: int = config.SEED) -> float:
    """Write the export and return the largest difference from Keras on generated inputs; raises ValueError (and
    removes the file) when it exceeds TOLERANCE."""
    from model.inference import forward
    from model.lite import LiteModel

    to_tflite(with_features(network), path)
    films = np.random.default_rng(seed).random((4, *network.input_shape[1:])).astype(np.float32)
    expected = np.asarray(forward(network, films))
    lite_outputs = LiteModel(path)(films)
    difference = float(np.abs(lite_outputs[0] - expected).max())
    if difference > TOLERANCE:
        Path(path).unlink(missing_ok=True)
        raise ValueError(f"the LiteRT export differs from Keras by {difference:.1e}")
    return difference
