"""The chest-X-ray gate answers real films as they are handed over (letterboxed, padded, framed, turned, cropped)
and stops any picture in real colour."""

from __future__ import annotations

import numpy as np
import pytest

from model import config
from model.gate.variations import VARIATIONS
from model.image_io import LoadedImage, load_image_file
from tests.conftest import requires_real_data, requires_shipped_model

FILMS = 40  # test films per kind; the calibration report (assets/input_gate.json) uses 200


@pytest.fixture(scope="module")
def screen_films():
    from model.gate.gate import load_gate
    from model.gate.screening import screen
    from model.inference import load_classifier
    from model.lungs import load_segmenter

    model, segmenter, gate = load_classifier(), load_segmenter(), load_gate()
    assert gate is not None, "the gate is shipped"

    def decide(images: list[LoadedImage]) -> np.ndarray:
        return np.array([d.is_chest_xray for d in screen(images, model, segmenter, gate).decisions])

    return decide


def test_every_variation_keeps_the_picture_grey_and_changes_its_frame():
    film = np.tile(np.linspace(0.2, 0.8, 100, dtype=np.float32), (120, 1))
    rng = np.random.default_rng(0)
    for kind, make in VARIATIONS.items():
        varied = make(film, rng)
        assert varied.colourfulness == 0.0 and varied.pixels.shape != film.shape or kind == "turned a few degrees"


@requires_real_data
@requires_shipped_model
def test_the_gate_answers_varied_real_films(screen_films):
    import pandas as pd

    splits = pd.read_csv(config.SPLITS_PATH)
    rows = splits[(splits["split"] == "test") & splits["representative"]].sample(FILMS, random_state=config.SEED)
    films = [load_image_file(config.data_dir() / path).pixels for path in rows["path"]]
    for kind, make in VARIATIONS.items():
        rng = np.random.default_rng(1)
        answered = screen_films([make(f, rng) for f in films])
        assert answered.mean() >= 0.95, f"{kind}: {answered.mean():.0%} of varied real films answered"


@requires_shipped_model
def test_a_colour_picture_is_stopped_however_film_like(screen_films):
    from model.gate.negatives import _colour_to_loaded

    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:384, 0:320] / 384.0
    vivid = np.dstack([x, y, 1 - x]) + rng.normal(0, 0.05, (384, 320, 3))
    stopped = ~screen_films([_colour_to_loaded(np.clip(vivid, 0, 1))])
    assert stopped.all(), "a vivid gradient with noise is not a radiograph"
