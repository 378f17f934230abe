"""Whether a user's Keras file can be explained here: each way it cannot gets one sentence, never a traceback.

Checked in the order a person would fix them: the file (size, format), loading it safely (no code inside), then
the shape of the network against what its card promises (one square image input of 1 or 3 channels, one
softmax/sigmoid output as wide as the classes, a spatial convolution for the CAMs), then one real prediction.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from model import config
from model.registry.card import ModelCard


class ModelRefused(ValueError):
    """The model cannot be registered; the message says why in one sentence."""


PROBABILITY_ACTIVATIONS = ("softmax", "sigmoid")


def check_size(path: Path) -> None:
    """The file exists and is not larger than the registry takes (read before anything parses it)."""
    if not path.is_file():
        raise ModelRefused(f"{path} does not exist or is not a file.")
    size = path.stat().st_size
    if size > config.MAX_MODEL_FILE_BYTES:
        raise ModelRefused(
            f"{path.name} is {size / 2**20:.0f} MB; models up to {config.MAX_MODEL_FILE_BYTES / 2**20:.0f} MB are "
            "accepted (a CAM dashboard answers one film at a time on a CPU)."
        )


def check_file(path: Path) -> None:
    check_size(path)
    if path.suffix != ".keras" or not zipfile.is_zipfile(path):
        raise ModelRefused(
            f"{path.name} is not a Keras 3 model file (.keras): save the model with `model.save('name.keras')`."
        )
    with zipfile.ZipFile(path) as archive:
        if "config.json" not in archive.namelist():
            raise ModelRefused(f"{path.name} is a zip archive but not a Keras model (no config.json inside).")


def load_safely(path: Path):
    """Keras' safe mode: a file carrying code (Lambda layers, pickled functions) is refused, not run."""
    import keras

    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # Keras raises many types for unsafe or damaged files
        text = str(error)
        if "safe_mode" in text or "Lambda" in text or "lambda" in text:
            raise ModelRefused(
                f"{path.name} contains code (a Lambda layer or a pickled function), which this tool does not run: "
                "rebuild the model from standard layers."
            ) from None
        if "Unknown layer" in text or "Could not locate" in text:
            raise ModelRefused(
                f"{path.name} uses a custom layer this installation does not know ({text.splitlines()[0][:160]})."
            ) from None
        raise ModelRefused(f"{path.name} could not be loaded as a Keras model ({type(error).__name__}).") from None


def output_activation(network) -> str | None:
    """The activation that produces the output: the last layer's own, or a separate Softmax/Activation layer."""
    last = network.layers[-1]
    if type(last).__name__ == "Softmax":
        return "softmax"
    activation = getattr(last, "activation", None)
    return getattr(activation, "__name__", None)


def check_network(network, card: ModelCard) -> None:
    from model.explain.base import convolutional_layers

    if len(network.inputs) != 1:
        raise ModelRefused(f"The model takes {len(network.inputs)} inputs; it must take one image.")
    shape = tuple(network.input_shape)
    if len(shape) != 4:
        raise ModelRefused(
            f"The model's input has shape {shape}: it must take 2-D images (batch, height, width, channels), "
            "not volumes or flat vectors."
        )
    _, height, width, channels = shape
    if height != width or height is None:
        raise ModelRefused(f"The model takes {height}x{width} images; it must take square images of a fixed size.")
    if channels not in (1, 3):
        raise ModelRefused(f"The model takes {channels} channels; it must take 1 (grey) or 3 (RGB).")
    if height != card.input_size or channels != card.channels:
        raise ModelRefused(
            f"The model takes {height}-px images with {channels} channel(s), but --size {card.input_size} and "
            f"--channels {card.channels} were given."
        )
    if len(network.outputs) != 1 or len(network.output_shape) != 2:
        raise ModelRefused(
            f"The model's output has shape {network.output_shape}: it must give one vector of class probabilities."
        )
    width_out = network.output_shape[-1]
    if width_out != len(card.classes):
        raise ModelRefused(
            f"The model gives {width_out} outputs but {len(card.classes)} classes were named "
            f"({', '.join(card.classes)}): name one class per output, in output order."
        )
    activation = output_activation(network)
    if activation not in PROBABILITY_ACTIVATIONS:
        raise ModelRefused(
            f"The model's last layer ends in {activation or 'no activation'}; it must end in softmax or sigmoid so "
            "that its outputs are probabilities."
        )
    if not convolutional_layers(network):
        raise ModelRefused(
            "The model has no convolutional layer with a spatial output: Grad-CAM and its relatives need one."
        )


def check_prediction(network, card: ModelCard) -> np.ndarray:
    """One prediction on a generated film: finite probabilities in [0, 1]."""
    from model.inference import forward
    from model.preprocessing import to_model_input
    from model.synthetic import synthetic_radiograph

    film = to_model_input(synthetic_radiograph(320, 300), card.input_size)[None]
    if card.channels == 3:
        film = np.repeat(film, 3, axis=-1)
    try:
        output = np.asarray(forward(network, film))
    except Exception as error:  # a model that loads but cannot run
        raise ModelRefused(f"The model failed on a test film ({type(error).__name__}: {str(error)[:160]}).") from None
    if not np.all(np.isfinite(output)) or output.min() < -1e-6 or output.max() > 1 + 1e-6:
        raise ModelRefused("The model's outputs on a test film are not probabilities (outside 0-1 or not finite).")
    return output[0]


def admit(path: Path, card: ModelCard):
    """Every check, in order; returns the loaded network. Raises ModelRefused with one sentence."""
    path = Path(path)
    check_file(path)
    network = load_safely(path)
    check_network(network, card)
    check_prediction(network, card)
    return network
