"""Load the shipped classifier safely and turn inputs into class probabilities.

The model file is loaded with Keras' safe mode (no pickled code, no lambda
layers), and every way it can be missing or broken becomes a `ModelLoadError`
with a message the dashboard can show.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model import config
from model.image_io import LoadedImage
from model.preprocessing import to_model_input


class ModelLoadError(RuntimeError):
    """The classifier file is missing, unreadable or not the network we expect."""


@dataclass(frozen=True)
class Prediction:
    label: str
    probabilities: dict[str, float]
    # The model's sick-or-healthy head (model.abnormality_head), where it has one: P(abnormal), any disease.
    abnormality: float | None = None
    # The lungs-hidden test (model.trust.lungs_hidden), where lung masks were found: the answer with the lung fields
    # hidden, and with everything but the lungs hidden.
    lungs_hidden: object | None = None  # HiddenAnswer
    lungs_only: object | None = None  # HiddenAnswer

    @property
    def survives_lungs_hidden(self) -> bool | None:
        """Does the model give the same answer without seeing the lungs? None where the test was not run."""
        return None if self.lungs_hidden is None else self.lungs_hidden.label == self.label

    @property
    def confidence(self) -> float:
        return self.probabilities[self.label]

    def to_json(self) -> dict[str, object]:
        answer: dict[str, object] = {
            "prediction": self.label,
            "probabilities": {k: round(v, 6) for k, v in self.probabilities.items()},
        }
        if self.abnormality is not None:
            answer["abnormality"] = round(self.abnormality, 6)
        if self.lungs_hidden is not None:
            answer["lungs_hidden"] = {**self.lungs_hidden.to_json(), "survives": self.survives_lungs_hidden}
        if self.lungs_only is not None:
            answer["lungs_only"] = self.lungs_only.to_json()
        return answer


def load_classifier(
    path: Path | None = None,
    classes: tuple[str, ...] = config.CLASS_NAMES,
    input_size: int = config.IMAGE_SIZE,
    channels: int = 1,
) -> "keras.Model":  # noqa: F821
    """The Keras network at `path` (safe mode), checked against the input and classes its card promises."""
    path = Path(path) if path is not None else config.MODEL_PATH  # read now: tests may repoint config
    import keras

    if not path.is_file():
        raise ModelLoadError(
            f"Model file {path} is missing. Train one with `python scripts/train.py` or restore it from git."
        )
    try:
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # Keras raises many types for a damaged archive
        raise ModelLoadError(f"Model file {path} could not be loaded ({type(error).__name__}: {error}).") from None
    expected_input = (None, input_size, input_size, channels)
    expected_output = (None, len(classes))
    if tuple(model.input_shape) != expected_input or tuple(model.output_shape) != expected_output:
        raise ModelLoadError(
            f"Model file {path} has input {model.input_shape} and output {model.output_shape}; "
            f"this version expects {expected_input} and {expected_output}."
        )
    return model


def forward(model, inputs: np.ndarray) -> np.ndarray:
    """Inference-mode outputs of any network: a `model.network.Network` gives its probabilities, a bare Keras model
    (training, the lung segmenter) or LiteRT export is wrapped in its adapter once."""
    from model.network import Network, as_network

    if not isinstance(model, Network):
        from model.lite import LiteModel

        if isinstance(model, LiteModel):  # the segmenter's export: its one output
            outputs = model(inputs)
            return outputs[0] if len(outputs) == 1 else outputs
        return _keras_outputs(model, inputs)
    return as_network(model).probabilities(inputs)


_compiled: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _keras_outputs(model, inputs: np.ndarray):
    """A bare Keras model's outputs (one or several) through a traced graph built once per model."""
    import tensorflow as tf

    function = _compiled.get(model)
    if function is None:
        signature = [tf.TensorSpec([None, *model.input_shape[1:]], tf.float32)]
        function = tf.function(lambda x: model(x, training=False), input_signature=signature)
        _compiled[model] = function
    outputs = function(np.asarray(inputs, dtype=np.float32))
    return [o.numpy() for o in outputs] if isinstance(outputs, (list, tuple)) else outputs.numpy()


def features_and_probabilities(
    model, inputs: np.ndarray, feature_layer: str = config.FEATURE_LAYER, batch_size: int = 64
) -> tuple[np.ndarray, np.ndarray]:
    """One pass giving the penultimate features (N, F) and the probabilities (N, classes), in chunks."""
    from model.network import as_network

    network = as_network(model)
    if not network.capabilities.features:
        raise ValueError(f"This {network.capabilities.backend} network has no '{feature_layer}' features.")
    features, probabilities = [], []
    for start in range(0, len(inputs), batch_size):
        f, p = network.features_and_probabilities(inputs[start : start + batch_size])
        features.append(f)
        probabilities.append(p)
    if not features:
        return np.empty((0, 0)), np.empty((0, network.output_width))
    return np.concatenate(features), np.concatenate(probabilities).astype(np.float64)


def predict_probabilities(model: "keras.Model", inputs: np.ndarray, batch_size: int = 64) -> np.ndarray:  # noqa: F821
    """(N, S, S, 1) inputs -> (N, classes) probabilities, in chunks of `batch_size`."""
    from model.network import as_network

    network = as_network(model)
    chunks = [network.probabilities(inputs[i : i + batch_size]) for i in range(0, len(inputs), batch_size)]
    width = network.output_width
    return np.concatenate(chunks).astype(np.float64) if chunks else np.empty((0, width))


def to_prediction(
    probabilities: np.ndarray, classes: tuple[str, ...] = config.CLASS_NAMES, abnormality: float | None = None
) -> Prediction:
    values = {name: float(p) for name, p in zip(classes, probabilities)}
    abnormal = None if abnormality is None else float(abnormality)
    return Prediction(label=classes[int(np.argmax(probabilities))], probabilities=values, abnormality=abnormal)


def predict_images(model: "keras.Model", images: list[LoadedImage]) -> list[Prediction]:  # noqa: F821
    inputs = np.stack([to_model_input(image.pixels) for image in images])
    return [to_prediction(p) for p in predict_probabilities(model, inputs)]
