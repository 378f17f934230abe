"""Every method, on a toy model whose right answer is known, batch sizes and layers varied."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model import config
from model.explain.base import Explainer, convolutional_layers, default_layer
from model.explain.registry import EXPLAINERS, get_explainer
from model.overlay import overlay_heatmap
from model.trust.faithfulness import faithfulness
from model.trust.sanity import passes_sanity_check, randomisation_correlations, randomised_copy
from tests.toy_models import patch_images, third_mask, trained_toy_model


@pytest.fixture(scope="module")
def toy():
    model = trained_toy_model()
    images, labels, thirds = patch_images(30, seed=99)
    accuracy = float((np.asarray(model(images)).argmax(1) == labels).mean())
    assert accuracy > 0.9, f"toy model failed to learn its task (accuracy {accuracy:.2f})"
    return model, images, labels, thirds


def test_layer_discovery(toy):
    model, *_ = toy
    assert convolutional_layers(model) == ["conv1", "conv2"]
    assert default_layer(model) == "conv2"


@pytest.mark.parametrize("method", sorted(EXPLAINERS))
@pytest.mark.parametrize("batch", [1, 4])
@pytest.mark.parametrize("layer", [None, "conv1"])
def test_hottest_pixels_fall_in_the_patch_third(toy, method, batch, layer):
    model, images, labels, thirds = toy
    explainer = get_explainer(model, method)
    if layer and not explainer.uses_layer:
        pytest.skip(f"{method} works on the input, not on a layer")
    result = explainer(images[:batch], labels[:batch], layer)
    assert result.maps.shape == (batch, 32, 32)
    assert result.maps.min() >= 0.0 and result.maps.max() <= 1.0
    assert result.layer == (layer or "conv2" if explainer.uses_layer else None)
    # Where a viewer looks: the hottest 5% of the map. Chance would put a third of it in the right third.
    shares = []
    for heat, third in zip(result.maps, thirds[:batch]):
        hottest = heat >= np.quantile(heat, 0.95)
        shares.append((hottest & third_mask(third)).sum() / hottest.sum())
    assert np.mean(shares) > 0.6, f"{method}: only {np.mean(shares):.2f} of the hottest pixels in the right third"


def test_default_target_is_the_predicted_class(toy):
    model, images, *_ = toy
    result = get_explainer(model, "gradcam")(images[:3])
    assert result.target_classes.tolist() == np.asarray(model(images[:3])).argmax(1).tolist()


def test_unknown_method_and_layer_are_refused(toy):
    model, images, labels, _ = toy
    with pytest.raises(KeyError, match="Unknown explanation method"):
        get_explainer(model, "guided-backprop")
    with pytest.raises(ValueError, match="not a spatial layer"):
        get_explainer(model, "gradcam")(images[:1], labels[:1], "gap")


def test_faithfulness_ranks_the_true_map_above_random_and_its_inverse_below(toy):
    model, images, labels, _ = toy
    margins = []
    for image, label in zip(images[:6], labels[:6]):
        rows, cols = np.nonzero(image[..., 0] > 0.6)
        true_map = np.zeros(image.shape[:2], dtype=np.float32)  # the whole patch, bars and gaps
        true_map[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] = 1.0
        good = faithfulness(model, image, true_map, int(label))
        bad = faithfulness(model, image, 1.0 - true_map, int(label))
        assert good.beats_random and not bad.beats_random
        margins.append(good.score - good.random_score)
    assert np.mean(margins) > 0.1


class ImageIntensityExplainer(Explainer):
    """A 'method' that ignores the model entirely: exactly what the sanity check must catch."""

    name = "intensity"

    def _compute(self, images, score, layer):
        return images[..., 0]


def test_randomisation_check_catches_a_map_that_ignores_the_model(toy):
    model, images, labels, _ = toy
    scrambled = randomised_copy(model, top_layers=2)
    ignoring = randomisation_correlations(model, scrambled, ImageIntensityExplainer, images[:4], labels[:4])
    assert np.allclose(ignoring, 1.0)
    assert not passes_sanity_check(float(ignoring.mean()))
    real = randomisation_correlations(model, scrambled, "gradcam", images[:4], labels[:4])
    assert real.mean() < ignoring.mean() - 0.3


def test_overlay_keeps_original_resolution_and_aspect():
    gray = np.linspace(0, 1, 300 * 200, dtype=np.float32).reshape(300, 200)
    heat = np.zeros((32, 32), dtype=np.float32)
    heat[:16] = 1.0
    rgb = overlay_heatmap(gray, heat, opacity=0.5)
    assert rgb.shape == (300, 200, 3) and rgb.dtype == np.uint8
    top, bottom = rgb[:100].astype(int), rgb[200:].astype(int)
    # Hot half is coloured (channels differ); cold half stays gray.
    assert np.abs(top[..., 0] - top[..., 2]).mean() > 20
    assert np.abs(bottom[..., 0] - bottom[..., 2]).mean() < 2
    with pytest.raises(ValueError, match="Opacity"):
        overlay_heatmap(gray, heat, opacity=1.5)


def test_explain_images_returns_one_typed_result_per_film():
    from model.analysis import AnalysisRequest, explain_images
    from model.image_io import load_image_bytes
    from model.training.network import build_classifier
    from tests.conftest import png_bytes, synthetic_radiograph

    model = build_classifier(stage_filters=(4, 8))
    films = [
        load_image_bytes(png_bytes((synthetic_radiograph(200 + 10 * i, 180, seed=i) * 255).astype(np.uint8)), "f.png")
        for i in range(2)
    ]
    results = explain_images(model, films, AnalysisRequest("gradcam", target_class="Normal"))
    assert len(results) == 2
    for result in results:
        assert result.heatmap.shape == (config.IMAGE_SIZE, config.IMAGE_SIZE)
        assert result.target_class == "Normal" and result.layer == "stage2_conv2"
        record = result.to_json()
        assert record["prediction"] in config.CLASS_NAMES and record["method"] == "gradcam"
        assert set(record["verdicts"]) == {"faithfulness", "lung_share"}
        assert record["verdicts"]["faithfulness"]["level"] in {"good", "caution", "bad"}
        json.dumps(record)
    light = explain_images(model, films[:1], AnalysisRequest("gradcam", with_faithfulness=False))[0]
    assert light.faithfulness is None and light.lung_mask is None
    assert np.allclose(light.heatmap.shape, (config.IMAGE_SIZE, config.IMAGE_SIZE))
