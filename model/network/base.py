"""The typed boundary between the explanation methods and a network, whatever runtime holds it.

In the spirit of MONAI's `ModelWithHooks` and pytorch-grad-cam's `ActivationsAndGradients`: every method asks a
`Network` for probabilities, its spatial layers, activations at a layer and, where the backend can, gradients; it
never asks which backend it is talking to. Each backend is one adapter module (Keras, LiteRT, ONNX Runtime) that
states its `Capabilities`, so the pickers offer only what a model can do and say why the rest is missing.

Every adapter takes the same input: a batch (N, S, S, C) in the analysis frame's own scale (the film after the
card's recipe, 0-1). Layout (NCHW/NHWC) and the model's own pixel scaling are the adapter's business, so maps and
gradients always come back in that one frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


class MethodUnavailable(ValueError):
    """This network cannot run the asked method; the message says why in one sentence."""


@dataclass(frozen=True)
class Capabilities:
    """What a network can give beyond probabilities; each `False` carries the sentence a page shows."""

    backend: str  # "keras", "litert" or "onnx": shown on About and in records
    layers: bool  # activations at named spatial layers (Score-CAM, and the CAMs with gradients)
    gradients: bool  # gradients of a class score (Grad-CAM family, SmoothGrad)
    features: bool = False  # the penultimate features the gate's feature space reads
    why_no_layers: str = ""
    why_no_gradients: str = ""

    def lacks(self, needs: tuple[str, ...]) -> str | None:
        """None when every need is met, else the sentence of the first one missing."""
        for need in needs:
            if need == "layers" and not self.layers:
                return self.why_no_layers or "this network exposes no spatial layer"
            if need == "gradients" and not self.gradients:
                return self.why_no_gradients or "this network gives no gradients"
        return None


@runtime_checkable
class Network(Protocol):
    """A classifier network behind one interface; see the module docstring for the input frame."""

    capabilities: Capabilities

    @property
    def input_shape(self) -> tuple: ...  # (None, S, S, C) in the analysis frame's layout

    @property
    def output_width(self) -> int: ...

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        """(N, S, S, C) -> (N, classes), probabilities (the card's output activation applied)."""
        ...

    def spatial_layers(self) -> list[str]:
        """Names of the layers a CAM can read, input to output (empty where `capabilities.layers` is False)."""
        ...

    def default_layer(self) -> str | None:
        """The layer a CAM reads unless one is chosen (the last convolution), None without spatial layers."""
        ...

    def activations(self, inputs: np.ndarray, layer: str) -> np.ndarray:
        """(N, h, w, K) activations at `layer`, channels last whatever the backend's layout."""
        ...

    def layer_gradients(
        self, inputs: np.ndarray, targets: np.ndarray, layer: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(activations (N, h, w, K), d score / d activations (N, h, w, K), score (N,)); the score is the target's
        logit (pre-softmax), as tf-keras-vis' ReplaceToLinear makes it."""
        ...

    def input_gradients(self, inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """d logit / d input (N, S, S, C)."""
        ...

    def features_and_probabilities(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(penultimate features (N, F), probabilities); only where `capabilities.features`."""
        ...


def spatial_layer_check(network: Network, layer: str) -> None:
    """A ValueError naming the layers a CAM method can read, for a layer that is not one of them."""
    layers = network.spatial_layers()
    if layer not in layers:
        raise ValueError(f"Layer {layer!r} is not a spatial layer of this model; choose one of {', '.join(layers)}.")


def default_spatial_layer(network: Network) -> str:
    """The last spatial layer: the usual Grad-CAM choice."""
    layer = network.default_layer()
    if layer is None:
        raise MethodUnavailable("The model has no layer with a spatial map; CAM methods need one.")
    return layer
