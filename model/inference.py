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


_compiled: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def forward(model: "keras.Model", inputs: np.ndarray) -> np.ndarray:  # noqa: F821
    """Inference-mode outputs through a traced graph, built once per model.

    Calling a Keras 3 model eagerly costs ~50 ms of Python per call on this CPU for a 5 ms network; the traced
    function (any batch size) brings a warm single-image prediction down to a few milliseconds.
    """
    from model.lite import LiteModel

    if isinstance(model, LiteModel):  # exported network: no TensorFlow involved
        outputs = model(inputs)
        return outputs[0] if len(outputs) == 1 else outputs
    import tensorflow as tf

    function = _compiled.get(model)
    if function is None:
        signature = [tf.TensorSpec([None, *model.input_shape[1:]], tf.float32)]
        function = tf.function(lambda x: model(x, training=False), input_signature=signature)
        _compiled[model] = function
    outputs = function(np.asarray(inputs, dtype=np.float32))
    return [o.numpy() for o in outputs] if isinstance(outputs, (list, tuple)) else outputs.numpy()


_with_features: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def features_and_probabilities(
    model: "keras.Model",  # noqa: F821
    inputs: np.ndarray,
    feature_layer: str = config.FEATURE_LAYER,
    batch_size: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """One traced pass giving the penultimate features (N, F) and the probabilities (N, classes)."""
    from model.lite import LiteModel

    if isinstance(model, LiteModel):  # exported with both outputs: (probabilities, features) by width
        outputs = [model(inputs[i : i + batch_size]) for i in range(0, len(inputs), batch_size)]
        if not outputs:
            return np.empty((0, 0)), np.empty((0, len(config.CLASS_NAMES)))
        probabilities = np.concatenate([o[0] for o in outputs]).astype(np.float64)
        return np.concatenate([o[1] for o in outputs]), probabilities
    import keras

    both = _with_features.get(model)
    if both is None:
        both = keras.Model(model.inputs, [model.get_layer(feature_layer).output, model.output])
        _with_features[model] = both
    features, probabilities = [], []
    for start in range(0, len(inputs), batch_size):
        f, p = forward(both, inputs[start : start + batch_size])
        features.append(f)
        probabilities.append(p)
    if not features:
        return np.empty((0, 0)), np.empty((0, len(config.CLASS_NAMES)))
    return np.concatenate(features), np.concatenate(probabilities).astype(np.float64)


def predict_probabilities(model: "keras.Model", inputs: np.ndarray, batch_size: int = 64) -> np.ndarray:  # noqa: F821
    """(N, S, S, 1) inputs -> (N, classes) probabilities, in chunks of `batch_size`."""
    chunks = [forward(model, inputs[i : i + batch_size]) for i in range(0, len(inputs), batch_size)]
    width = getattr(model, "output_shape", (None, len(config.CLASS_NAMES)))[-1]
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
