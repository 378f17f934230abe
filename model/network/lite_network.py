"""The LiteRT adapter: forward passes only, no TensorFlow import (the fast path of predict.py and the gate)."""

from __future__ import annotations

import numpy as np

from model.network.base import Capabilities

_WHY = "a LiteRT export gives only forward passes"


class LiteNetwork:
    """A `model.lite.LiteModel` behind the `Network` protocol; its outputs are sorted by width (probabilities,
    then the penultimate features where the export carries them)."""

    def __init__(self, lite) -> None:
        self.lite = lite
        self.capabilities = Capabilities(
            backend="litert",
            layers=False,
            gradients=False,
            features=len(lite.output_widths()) > 1,  # exported with the penultimate features as a second output
            why_no_layers=_WHY,
            why_no_gradients=_WHY,
        )

    @property
    def input_shape(self) -> tuple:
        return self.lite.input_shape

    @property
    def output_width(self) -> int:
        return int(self.lite.output_widths()[0])

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        return self.lite(inputs)[0]

    def features_and_probabilities(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        outputs = self.lite(inputs)
        return outputs[1], outputs[0]

    def spatial_layers(self) -> list[str]:
        return []

    def default_layer(self) -> str | None:
        return None

    def activations(self, inputs: np.ndarray, layer: str) -> np.ndarray:
        raise ValueError(_WHY)

    def layer_gradients(self, inputs, targets, layer):
        raise ValueError(_WHY)

    def input_gradients(self, inputs, targets):
        raise ValueError(_WHY)
