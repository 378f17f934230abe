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
import numpy as np
from tf_keras_vis.utils.scores import CategoricalScore

from model.explain.catalog import METHODS, MethodInfo, method_info
from model.network import MethodUnavailable, as_network, default_spatial_layer, keras_model_of, spatial_layer_check

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


def convolutional_layers(model) -> list[str]:
    """The layers a CAM method can read on this network (any backend), input to output."""
    return as_network(model).spatial_layers()


def default_layer(model) -> str:
    return default_spatial_layer(as_network(model))


def check_layer(model, layer: str) -> None:
    spatial_layer_check(as_network(model), layer)


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

    def __init__(self, model, reference: bool = False) -> None:
        """`model`: a `model.network.Network` or a bare Keras model. `reference=True` computes through tf-keras-vis
        even where a traced path exists (tests compare both); only a Keras network has it."""
        self.network = as_network(model)
        self.reference = reference
        if reference and keras_model_of(self.network) is None:
            raise MethodUnavailable("tf-keras-vis reference maps need a Keras model.")
        if self.name in METHODS:
            missing = self.network.capabilities.lacks(METHODS[self.name].needs)
            if missing:
                raise MethodUnavailable(f"{METHODS[self.name].label} is not available for this model: {missing}.")

    @property
    def model(self):
        """The Keras model, for the tf-keras-vis reference path."""
        return keras_model_of(self.network)

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
            target_classes = self.network.probabilities(images).argmax(axis=1)
        target_classes = np.broadcast_to(np.asarray(target_classes, dtype=np.int64), (len(images),)).copy()
        chosen_layer = None
        if self.uses_layer:
            chosen_layer = layer or default_spatial_layer(self.network)
            spatial_layer_check(self.network, chosen_layer)
        raw = self._compute(images, CategoricalScore(target_classes.tolist()), chosen_layer)
        maps = normalise_maps(resize_maps(np.asarray(raw), images.shape[1], images.shape[2]))
        return ExplanationResult(maps, self.name, chosen_layer, target_classes, time.perf_counter() - started)

    @abstractmethod
    def _compute(self, images: np.ndarray, score: CategoricalScore, layer: str | None) -> np.ndarray:
        """The method itself: raw maps (N, h, w), any scale."""
