"""Our deletion curve (model.trust.faithfulness) against Quantus's PixelFlipping, the well-kept implementation of
the same measure: same films, same Grad-CAM maps, same blurred baseline, same 16 steps."""

from __future__ import annotations

import numpy as np
import pytest

from model import config
from tests.conftest import requires_real_data, requires_shipped_model

quantus = pytest.importorskip("quantus", reason="quantus is not installed (scripts/dev.sh test installs it)")


def _films() -> np.ndarray:
    from model.image_io import load_image_file
    from model.preprocessing import to_model_input

    folder = config.data_dir() / config.RADIOGRAPHY_SUBDIR
    paths = [p for sub in ("COVID", "Normal") for p in sorted((folder / sub).glob("*.png"))[10:12]]
    return np.stack([to_model_input(load_image_file(p).pixels) for p in paths]).astype(np.float32)


@requires_real_data
@requires_shipped_model
def test_our_deletion_curve_is_quantus_pixel_flipping_with_our_baseline():
    from model.explain.registry import get_explainer
    from model.inference import forward
    from model.network import keras_model_of
    from model.registry import default_model, load_registered
    from model.trust.faithfulness import _curve_images, blurred_baseline

    network = load_registered(default_model()).network
    films = _films()
    targets = network.probabilities(films).argmax(axis=1)
    maps = get_explainer(network, "gradcam")(films, targets).maps
    maps = maps + np.random.default_rng(0).random(maps.shape).astype(np.float32) * 1e-6  # no ties to order
    steps = config.FAITHFULNESS_STEPS
    ours = np.stack(
        [
            forward(network, _curve_images(film, blurred_baseline(film), heat, steps)[0])[:, target]
            for film, heat, target in zip(films, maps, targets)
        ]
    )

    def replace_with_baseline(arr, indices, baselines, **kwargs):
        rows = np.arange(arr.shape[0])[:, None]
        out = arr.copy()
        out[rows, indices] = baselines[rows, indices]
        return out

    baselines = np.stack([blurred_baseline(film) for film in films]).reshape(len(films), -1)
    metric = quantus.PixelFlipping(
        features_in_step=films[0].size // steps,
        perturb_func=replace_with_baseline,
        perturb_func_kwargs={"baselines": baselines},
        disable_warnings=True,
        display_progressbar=False,
    )
    theirs = np.asarray(
        metric(
            model=keras_model_of(network),
            x_batch=films,
            y_batch=targets,
            a_batch=maps[:, None],
            channel_first=False,
            softmax=True,
            batch_size=len(films),
        )
    )
    # Quantus's curve starts after the first step; ours also holds the untouched film.
    assert theirs.shape == (len(films), steps)
    difference = np.abs(theirs - ours[:, 1:])
    assert difference.max() < 1e-3  # Keras' predict batches the films otherwise: float rounding of a few points
    assert (difference < 1e-6).mean() > 0.9
