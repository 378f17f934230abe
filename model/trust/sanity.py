"""Model-parameter randomisation test (Adebayo et al., NeurIPS 2018).

Re-initialise the weights of the top layers of the network and explain again.
If the new map still looks like the old one (high rank correlation), the method
shows the image (edges, contrast) rather than what the model learned.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from model import config
from model.explain.base import Explainer
from model.explain.registry import get_explainer
from model.trust.wording import passes_sanity


def weighted_layers(model: keras.Model) -> list[keras.layers.Layer]:
    return [
        layer
        for layer in model.layers
        if layer.weights and isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))
    ]


def randomised_copy(model, top_layers: int = config.SANITY_TOP_LAYERS, seed: int = config.SEED):
    """A copy of `model` whose last `top_layers` conv/dense layers have fresh random weights: a Keras model (bare
    or in its adapter) gives a Keras model, an ONNX network an ONNX network (model.network.onnx_randomised)."""
    from model.network import keras_model_of

    if keras_model_of(model) is None:
        from model.network.onnx_randomised import randomised_onnx

        return randomised_onnx(model, top_layers, seed)
    model = keras_model_of(model)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    rng = np.random.default_rng(seed)
    for layer in weighted_layers(copy)[-top_layers:]:
        new_weights = []
        for weight in layer.get_weights():
            # He-normal-like scale for kernels keeps activations alive; biases to zero.
            if weight.ndim > 1:
                fan_in = int(np.prod(weight.shape[:-1]))
                new_weights.append(rng.normal(0.0, np.sqrt(2.0 / fan_in), weight.shape).astype(weight.dtype))
            else:
                new_weights.append(np.zeros_like(weight))
        layer.set_weights(new_weights)
    return copy


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman correlation of two maps, flattened."""
    from scipy.stats import spearmanr

    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(spearmanr(a.ravel(), b.ravel()).statistic)


def randomisation_correlations(
    model: keras.Model,
    randomised: keras.Model,
    method: str | Callable[[keras.Model], Explainer],
    images: np.ndarray,
    target_classes: np.ndarray,
    layer: str | None = None,
) -> np.ndarray:
    """Per image, rank correlation between the map on the trained model and on the randomised one.

    `method` is a registry name, or a factory model -> explainer (tests pass one that ignores the model).
    """
    factory = (lambda m: get_explainer(m, method)) if isinstance(method, str) else method
    original = factory(model)(images, target_classes, layer).maps
    scrambled = factory(randomised)(images, target_classes, layer).maps
    return np.array([rank_correlation(a, b) for a, b in zip(original, scrambled)])


# The threshold is decided in wording.py, with the words; re-exported here for the audit and the tests.
passes_sanity_check = passes_sanity
