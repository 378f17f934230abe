"""Export the shipped classifier (features and probabilities) and lung segmenter to LiteRT (.tflite).

Usage: python scripts/export_lite.py
Writes the default model's model.tflite and lite.json (in assets/models/<id>/; the sha256 of the Keras files the
exports came from: a stale export is ignored) and assets/lung_segmenter.tflite. Checks each export against Keras on
generated films.
"""

from __future__ import annotations

import json

import numpy as np

from model import config
from model.inference import features_and_probabilities, forward, load_classifier
from model.lite import LiteModel
from model.lite_export import TOLERANCE, to_tflite
from model.lungs import load_segmenter
from model.provenance import sha256_of


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
