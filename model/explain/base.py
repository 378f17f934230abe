"""The shared base of every explanation method.

Each method wraps one tf-keras-vis visualiser, built once per model (building
clones the model, which is the slow part). The base handles what every method
shares: target classes (default: the predicted class), the layer choice,
resizing maps to input resolution, scaling them to [0, 1] and timing.
"""

from __future__ import annotations

import time
import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass

import cv2
import keras
import numpy as np
from tf_keras_vis.utils.scores import CategoricalScore

from model.explain.catalog import METHODS, MethodInfo, method_info
from model.inference import forward

# tf-keras-vis passes inputs as a list; Keras 3 warns on every call although the result is right.
warnings.filterwarnings("ignore", message="The structure of `inputs` doesn't match the expected structure")


@dataclass
class ExplanationResult:
    """Maps (N, H, W) in [0, 1] at the input's resolution, and how they were made."""

    maps: np.ndarray
    method: str
    layer: str | None
    target_classes: np.ndarray
    seconds: float

    @property
    def seconds_per_image(self) -> float:
        return self.seconds / max(len(self.maps), 1)


def convolutional_layers(model: keras.Model) -> list[str]:
    """Names of the Conv2D layers whose output still has a spatial map (more than 1x1), input to output."""
    names = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            shape = layer.output.shape
            if len(shape) == 4 and (shape[1] or 0) > 1 and (shape[2] or 0) > 1:
                names.append(layer.name)
    return names


def default_layer(model: keras.Model) -> str:
    """The last convolutional layer with spatial size: the usual Grad-CAM choice."""
    layers = convolutional_layers(model)
    if not layers:
        raise ValueError(f"Model {model.name} has no convolutional layer with a spatial map; CAM methods need one.")
    return layers[-1]


def check_layer(model: keras.Model, layer: str) -> None:
    """A ValueError naming the layers a CAM method can read, for a layer that is not one of them."""
    layers = convolutional_layers(model)
    if layer not in layers:
        raise ValueError(
            f"Layer {layer!r} is not a convolutional layer of this model; choose one of {', '.join(layers)}."
        )


def normalise_maps(maps: np.ndarray) -> np.ndarray:
    """Scale each map to [0, 1] on its own; a constant map becomes all zeros."""
    maps = np.nan_to_num(np.asarray(maps, dtype=np.float32))
    low = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - low
    return np.where(span > 1e-12, (maps - low) / np.maximum(span, 1e-12), 0.0).astype(np.float32)


def resize_maps(maps: np.ndarray, height: int, width: int) -> np.ndarray:
    if maps.shape[1:] == (height, width):
        return maps
    return np.stack([cv2.resize(m, (width, height), interpolation=cv2.INTER_LINEAR) for m in maps])


class Explainer(ABC):
    """Call with a batch (N, H, W, C); returns one map per image."""

    name: str = ""  # a key of model.explain.catalog.METHODS, which holds label, description and layer use

    def __init__(self, model: keras.Model, reference: bool = False) -> None:
        """`reference=True` computes through tf-keras-vis even where a traced path exists (tests compare both)."""
        self.model = model
        self.reference = reference

    @property
    def info(self) -> MethodInfo:
        return method_info(self.name)

    @property
    def uses_layer(self) -> bool:
        """From the catalog; a method outside it (a test's, an experiment's) reads no layer."""
        return self.name in METHODS and METHODS[self.name].uses_layer

    def __call__(
        self, images: np.ndarray, target_classes: np.ndarray | list[int] | None = None, layer: str | None = None
    ) -> ExplanationResult:
        images = np.asarray(images, dtype=np.float32)
        if images.ndim == 3:
            images = images[None]
        started = time.perf_counter()
        if target_classes is None:
            target_classes = forward(self.model, images).argmax(axis=1)
        target_classes = np.broadcast_to(np.asarray(target_classes, dtype=np.int64), (len(images),)).copy()
        chosen_layer = None
        if self.uses_layer:
            chosen_layer = layer or default_layer(self.model)
            check_layer(self.model, chosen_layer)
        raw = self._compute(images, CategoricalScore(target_classes.tolist()), chosen_layer)
        maps = normalise_maps(resize_maps(np.asarray(raw), images.shape[1], images.shape[2]))
        return ExplanationResult(maps, self.name, chosen_layer, target_classes, time.perf_counter() - started)

    @abstractmethod
    def _compute(self, images: np.ndarray, score: CategoricalScore, layer: str | None) -> np.ndarray:
        """The method itself: raw maps (N, h, w), any scale."""
