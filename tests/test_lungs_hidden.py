"""The lungs-hidden test: films with the lung fields (or everything else) filled, and what models answer then."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from model.network.onnx_network import OnnxNetwork
from model.registry.card import ModelCard
from model.trust.lungs_hidden import hidden_films, lungs_hidden_probabilities, survival_rates
from model.trust.wording import lungs_hidden_verdict
from tests import onnx_models
from tests.conftest import requires_real_data, requires_shipped_model

ROOT = Path(__file__).resolve().parents[1]


def test_hidden_films_fill_exactly_the_masked_part_with_the_films_mean():
    rng = np.random.default_rng(0)
    inputs = rng.random((2, 64, 64, 1)).astype(np.float32)
    masks = np.zeros((2, 160, 160), bool)
    masks[:, 40:120, 20:70] = True  # in the analysis frame; the inputs are 64 px
    hidden = hidden_films(inputs, masks, keep_lungs=False)
    only = hidden_films(inputs, masks, keep_lungs=True)
    inside = np.zeros((64, 64), bool)
    inside[16:48, 8:28] = True
    for k in range(2):
        mean = inputs[k].mean()
        assert np.allclose(hidden[k][inside], mean) and np.array_equal(hidden[k][~inside], inputs[k][~inside])
        assert np.allclose(only[k][~inside], mean) and np.array_equal(only[k][inside], inputs[k][inside])


def test_a_model_reading_outside_the_lungs_keeps_its_answers_and_one_reading_them_does_not(tmp_path):
    card = ModelCard(
        id="r", display_name="r", classes=("A", "B", "C"), input_size=64, model_format="onnx", layout="NCHW"
    )
    rng = np.random.default_rng(1)
    films = rng.random((40, 64, 64, 1)).astype(np.float32)
    masks = np.zeros((40, 160, 160), bool)
    masks[:, 80:, 80:] = True  # the "lungs": the lower right quarter (64-px frame: 32:64, 32:64)
    reads_lungs = OnnxNetwork(onnx_models.region_reader(tmp_path / "in.onnx", region=(32, 64, 32, 64)), card)
    reads_rest = OnnxNetwork(onnx_models.region_reader(tmp_path / "out.onnx", region=(0, 32, 0, 64)), card)
    rates = {}
    for name, network in (("lungs", reads_lungs), ("rest", reads_rest)):
        answers = network.probabilities(films).argmax(axis=1)
        hidden, _ = lungs_hidden_probabilities(network, films, masks)
        rates[name] = survival_rates(list(map(str, answers)), list(map(str, hidden.argmax(axis=1))), ("0", "1", "2"))
    assert rates["rest"]["survive"] == 1.0  # nothing it reads was hidden
    assert rates["lungs"]["survive"] < 0.9


def test_the_verdict_reads_a_surviving_disease_answer_as_a_shortcut_and_a_surviving_normal_as_expected():
    assert lungs_hidden_verdict("COVID-19", "COVID-19", 0.91, "Normal").level == "bad"
    assert "still says COVID-19 at 0.91" in lungs_hidden_verdict("COVID-19", "COVID-19", 0.91, "Normal").text
    assert lungs_hidden_verdict("Normal", "Normal", 0.8, "Normal").level == "unknown"
    assert lungs_hidden_verdict("Pneumonia", "Normal", 0.7, "Pneumonia").level == "good"


@requires_real_data
@requires_shipped_model
def test_predict_json_carries_the_lungs_hidden_answer():
    from model import config

    film = sorted((config.data_dir() / config.RADIOGRAPHY_SUBDIR / "COVID").glob("*.png"))[0]
    result = subprocess.run(
        [sys.executable, "scripts/predict.py", str(film), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    record = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    hidden = record["lungs_hidden"]
    assert hidden["prediction"] in config.CLASS_NAMES and hidden["survives"] == (
        hidden["prediction"] == record["prediction"]
    )
    assert set(record["lungs_only"]["probabilities"]) == set(config.CLASS_NAMES)
