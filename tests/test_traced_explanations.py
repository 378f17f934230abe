"""The traced explainers give tf-keras-vis' maps: on a toy model and on the shipped one, several classes and layers.

Maps are compared after the normalisation every caller sees (each map scaled to [0, 1]): max abs difference <= 1e-3.
"""

from __future__ import annotations

import numpy as np
import pytest

from model import config
from model.explain.base import convolutional_layers
from model.explain.registry import get_explainer
from tests.conftest import requires_shipped_model
from tests.toy_models import patch_images, trained_toy_model

TRACED = ("gradcam", "gradcam++", "layercam", "scorecam", "smoothgrad")
TOLERANCE = 1e-3


def assert_same_maps(model, images, method, targets, layer):
    fast = get_explainer(model, method)(images, targets, layer)
    reference = get_explainer(model, method, reference=True)(images, targets, layer)
    assert fast.maps.shape == reference.maps.shape
    difference = float(np.abs(fast.maps - reference.maps).max())
    assert difference <= TOLERANCE, f"{method} on {layer}: max difference {difference:.2e}"


@pytest.fixture(scope="module")
def toy():
    images, labels, _ = patch_images(6, seed=11)
    return trained_toy_model(), images, labels


@pytest.mark.parametrize("method", TRACED)
@pytest.mark.parametrize("target", [0, 1, 2])
def test_traced_maps_equal_tf_keras_vis_on_a_toy_model(toy, method, target):
    model, images, _ = toy
    layers = convolutional_layers(model) if method != "smoothgrad" else [None]
    for layer in layers:
        assert_same_maps(model, images, method, [target] * len(images), layer)


@requires_shipped_model
@pytest.mark.parametrize("method", TRACED)
def test_traced_maps_equal_tf_keras_vis_on_the_shipped_model(method):
    from model.inference import load_classifier
    from model.preprocessing import to_model_input
    from model.synthetic import synthetic_radiograph

    model = load_classifier()
    images = np.stack([to_model_input(synthetic_radiograph(300, 280, seed=s)) for s in range(3)])
    layers = [None] if method == "smoothgrad" else convolutional_layers(model)[-3:]
    for target in range(len(config.CLASS_NAMES)):
        for layer in layers:
            assert_same_maps(model, images, method, [target] * len(images), layer)
