"""The shipped model and its metrics file must describe each other: the metrics can never drift."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from model import config
from model.data.dataset import label_indices, load_inputs
from model.inference import ModelLoadError, load_classifier, predict_probabilities
from model.input_recipe import classifier_inputs, load_recipe
from model.lungs import optional_segmenter
from model.provenance import sha256_of
from tests.conftest import requires_real_data, requires_shipped_model

REEVALUATED_PER_SOURCE = 60  # per class and source: >= 300 images in all, every collection present


@pytest.fixture(scope="module")
def metrics() -> dict:
    return json.loads(config.METRICS_PATH.read_text())


@requires_shipped_model
def test_model_file_is_small_and_loads_in_safe_mode():
    assert config.MODEL_PATH.stat().st_size < 25 * 2**20
    model = load_classifier()
    assert model.output_shape == (None, len(config.CLASS_NAMES))


def test_corrupt_model_file_gives_a_clear_error(tmp_path):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelLoadError, match="could not be loaded"):
        load_classifier(broken)
    with pytest.raises(ModelLoadError, match="missing"):
        load_classifier(tmp_path / "absent.keras")


@requires_shipped_model
def test_metrics_pin_the_shipped_files(metrics):
    assert metrics["schema_version"] == config.METRICS_SCHEMA_VERSION
    assert metrics["model_sha256"] == sha256_of(config.MODEL_PATH), "metrics.json is stale: run scripts/evaluate.py"
    assert metrics["splits_sha256"] == sha256_of(config.SPLITS_PATH)
    assert metrics["class_names"] == list(config.CLASS_NAMES)
    overall = metrics["overall"]
    assert overall["n"] == len(metrics["predictions"])
    # The headline accuracy is the one the per-image predictions give.
    truth = np.array([config.CLASS_NAMES.index(p["true"]) for p in metrics["predictions"]])
    predicted = np.array(
        [np.argmax([p["probabilities"][n] for n in config.CLASS_NAMES]) for p in metrics["predictions"]]
    )
    assert overall["accuracy"] == pytest.approx(float(np.mean(truth == predicted)))


@requires_real_data
@requires_shipped_model
def test_reevaluating_the_model_reproduces_the_metrics_file(metrics):
    recorded = pd.DataFrame(metrics["predictions"])
    if "source" not in recorded:
        recorded = recorded.merge(pd.read_csv(config.SPLITS_PATH)[["path", "source"]], on="path", how="left")
    sample = recorded.sort_values("path").groupby(["true", "source"]).head(REEVALUATED_PER_SOURCE)
    sample = sample.reset_index(drop=True)
    assert len(sample) >= 300 and sample.groupby("true")["source"].nunique().to_dict() == (
        recorded.groupby("true")["source"].nunique().to_dict()
    ), "every class's every collection is re-evaluated"
    # Straight from the image files, not from any cache, through the same loader as an upload.
    inputs = load_inputs(sample, use_cache=False)
    inputs = classifier_inputs(inputs, load_recipe(), optional_segmenter())  # as the shipped model was trained
    probabilities = predict_probabilities(load_classifier(), inputs)
    expected = np.array([[row[n] for n in config.CLASS_NAMES] for row in sample["probabilities"]])
    np.testing.assert_allclose(probabilities, expected, atol=2e-3)
    labels = label_indices(sample["true"])
    assert np.mean(probabilities.argmax(1) == labels) == pytest.approx(np.mean(expected.argmax(1) == labels))


@requires_real_data
def test_split_table_matches_the_data_folder():
    splits = pd.read_csv(config.SPLITS_PATH)
    assert splits.groupby("duplicate_group")["split"].nunique().max() == 1
    present = splits["path"].head(200).map(lambda p: (config.data_dir() / p).is_file())
    assert present.all()


@requires_real_data
def test_no_external_film_is_in_the_split_table():
    """The other hospitals' films are evaluation only: not by path, and not as a byte-identical copy either."""
    import hashlib

    external = config.data_dir() / config.EXTERNAL_SUBDIR
    if not (external / config.INDEX_FILENAME).is_file():
        pytest.skip(f"no external set at {external}")
    splits = pd.read_csv(config.SPLITS_PATH)
    assert not splits["path"].str.startswith(f"{config.EXTERNAL_SUBDIR}/").any()
    index = pd.read_csv(external / config.INDEX_FILENAME)
    external_hashes = {hashlib.sha256((external / image).read_bytes()).hexdigest() for image in index["image"]}
    split_hashes = {hashlib.sha256((config.data_dir() / path).read_bytes()).hexdigest() for path in splits["path"]}
    assert not external_hashes & split_hashes


@requires_shipped_model
def test_the_gate_and_the_explanation_audit_were_made_for_the_shipped_model():
    """Both record the classifier they were computed with; a new model without a new gate or audit fails here."""
    shipped = sha256_of(config.MODEL_PATH)
    gate = json.loads(config.INPUT_GATE_PATH.read_text())["gate"]
    assert gate["model_sha256"] == shipped, "input_gate.json is stale: run scripts/calibrate_gate.py"
    quality = json.loads(config.EXPLANATION_QUALITY_PATH.read_text())
    assert quality["model_sha256"] == shipped, "explanation_quality.json is stale: run scripts/audit_explanations.py"
