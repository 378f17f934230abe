"""Export the shipped classifier (features and probabilities) and lung segmenter to LiteRT (.tflite).

Usage: python scripts/export_lite.py
Writes assets/cxr_classifier.tflite, assets/lung_segmenter.tflite and assets/lite_models.json (the sha256 of the
Keras files they came from; a stale export is ignored). Checks each export against Keras on generated films.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from model import config
from model.inference import features_and_probabilities, forward, load_classifier
from model.lite import LiteModel
from model.lungs import load_segmenter
from model.provenance import sha256_of

TOLERANCE = 1e-4


def to_tflite(model, path: Path) -> None:
    """Through a SavedModel: the route that freezes Keras 3 weights correctly (a direct concrete-function
    conversion produced NaNs here)."""
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as folder:
        model.export(folder, format="tf_saved_model", verbose=False)
        path.write_bytes(tf.lite.TFLiteConverter.from_saved_model(folder).convert())


def main() -> None:
    import keras

    classifier = load_classifier()
    both = keras.Model(classifier.inputs, [classifier.get_layer(config.FEATURE_LAYER).output, classifier.output])
    to_tflite(both, config.LITE_CLASSIFIER_PATH)
    segmenter = load_segmenter()
    to_tflite(segmenter, config.LITE_SEGMENTER_PATH)

    rng = np.random.default_rng(config.SEED)
    films = rng.random((8, config.IMAGE_SIZE, config.IMAGE_SIZE, 1)).astype(np.float32)
    lite_features, lite_probabilities = features_and_probabilities(LiteModel(config.LITE_CLASSIFIER_PATH), films)
    features, probabilities = features_and_probabilities(classifier, films)
    size = config.SEGMENTER_IMAGE_SIZE
    small = rng.random((8, size, size, 1)).astype(np.float32)
    masks_difference = float(
        np.abs(forward(LiteModel(config.LITE_SEGMENTER_PATH), small) - forward(segmenter, small)).max()
    )
    report = {
        "classifier_source_sha256": sha256_of(config.MODEL_PATH),
        "segmenter_source_sha256": sha256_of(config.SEGMENTER_PATH),
        "max_abs_difference_probabilities": float(np.abs(lite_probabilities - probabilities).max()),
        "max_abs_difference_features": float(np.abs(lite_features - features).max()),
        "max_abs_difference_lung_probabilities": masks_difference,
    }
    worst = max(report[k] for k in report if k.startswith("max_abs"))
    if worst > TOLERANCE:
        raise SystemExit(f"LiteRT export differs from Keras by {worst:.2e} (> {TOLERANCE}); not written.")
    config.LITE_MANIFEST_PATH.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
