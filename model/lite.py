"""The prediction path without TensorFlow: the classifier and the lung segmenter exported to LiteRT.

`import tensorflow` alone costs ~4 s on this machine, more than everything else a one-film CLI call does.
`scripts/export_lite.py` writes both networks as .tflite files (tested equal to Keras within 1e-4) and records the
Keras files they came from; the prediction-only paths (predict.py, the gate) load them with the small LiteRT
runtime when they are present and current. Explanations keep Keras and tf-keras-vis.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from model import config
from model.provenance import sha256_of


class LiteModel:
    """A .tflite network called like `forward(model, inputs)`: returns its outputs for a batch, in a fixed order."""

    def __init__(self, path: Path) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(path)
        self._interpreter = Interpreter(model_path=str(self.path))
        self._input = self._interpreter.get_input_details()[0]
        self._lock = threading.Lock()  # one interpreter serves one call at a time
        self._shape: tuple[int, ...] | None = None

    @property
    def input_shape(self) -> tuple:
        return (None, *self._input["shape"][1:])

    def output_widths(self) -> list[int]:
        """The last dimension of each output, smallest first (the order `__call__` returns them in)."""
        return sorted(int(d["shape"][-1]) for d in self._interpreter.get_output_details())

    def __call__(self, inputs: np.ndarray) -> list[np.ndarray]:
        """Outputs sorted by their last dimension, smallest first (probabilities before features)."""
        inputs = np.ascontiguousarray(inputs, dtype=np.float32)
        with self._lock:
            if self._shape != inputs.shape:
                self._interpreter.resize_tensor_input(self._input["index"], inputs.shape)
                self._interpreter.allocate_tensors()
                self._shape = inputs.shape
            self._interpreter.set_tensor(self._input["index"], inputs)
            self._interpreter.invoke()
            outputs = [self._interpreter.get_tensor(d["index"]).copy() for d in self._interpreter.get_output_details()]
        return sorted(outputs, key=lambda array: array.shape[-1])


def lite_available() -> bool:
    try:
        import ai_edge_litert.interpreter  # noqa: F401
    except ImportError:
        return False
    return True


def current_lite_models() -> tuple[LiteModel, LiteModel | None] | None:
    """(classifier, segmenter) from the shipped .tflite files if they match the shipped Keras files, else None."""
    if not (config.LITE_MANIFEST_PATH.is_file() and lite_available()):
        return None
    manifest = json.loads(config.LITE_MANIFEST_PATH.read_text())
    if not config.MODEL_PATH.is_file() or manifest.get("classifier_source_sha256") != sha256_of(config.MODEL_PATH):
        return None  # the classifier changed since the export: use Keras
    classifier = LiteModel(config.LITE_CLASSIFIER_PATH)
    segmenter = None
    if config.LITE_SEGMENTER_PATH.is_file() and config.SEGMENTER_PATH.is_file():
        if manifest.get("segmenter_source_sha256") == sha256_of(config.SEGMENTER_PATH):
            segmenter = LiteModel(config.LITE_SEGMENTER_PATH)
    return classifier, segmenter
