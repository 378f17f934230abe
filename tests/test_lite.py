"""The LiteRT exports answer as the Keras models do, and the prediction CLI then runs without TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from model import config
from model.lite import LiteModel, current_lite_models, lite_available
from tests.conftest import requires_real_data, requires_shipped_model, synthetic_radiograph

pytestmark = [
    requires_shipped_model,
    pytest.mark.skipif(not lite_available(), reason="ai-edge-litert is not installed"),
    pytest.mark.skipif(not config.LITE_MANIFEST_PATH.is_file(), reason="no LiteRT export shipped"),
]
TOLERANCE = 1e-4


def test_shipped_exports_are_current():
    assert current_lite_models() is not None, "the .tflite files describe other Keras files: run export_lite.py"


def _films() -> np.ndarray:
    from model.preprocessing import to_model_input

    films = [to_model_input(synthetic_radiograph(300, 260, seed=s)) for s in range(4)]
    root = config.data_dir()
    if (root / config.RADIOGRAPHY_SUBDIR).is_dir():
        from model.data.manifest import load_splits
        from model.image_io import load_image_file

        test = load_splits().query("split == 'test' and representative")
        for path in test.groupby("source").head(4)["path"]:
            films.append(to_model_input(load_image_file(root / path).pixels))
    return np.stack(films)


def test_lite_classifier_and_segmenter_equal_keras():
    from model.inference import features_and_probabilities, load_classifier
    from model.lungs import load_segmenter, predict_lung_masks

    films = _films()
    keras_features, keras_probabilities = features_and_probabilities(load_classifier(), films)
    lite_features, lite_probabilities = features_and_probabilities(LiteModel(config.LITE_CLASSIFIER_PATH), films)
    assert np.abs(lite_probabilities - keras_probabilities).max() <= TOLERANCE
    assert np.abs(lite_features - keras_features).max() <= TOLERANCE * 10
    lite_masks = predict_lung_masks(LiteModel(config.LITE_SEGMENTER_PATH), films)
    keras_masks = predict_lung_masks(load_segmenter(), films)
    assert np.mean(lite_masks == keras_masks) > 0.999


@requires_real_data
def test_predict_cli_runs_without_tensorflow_and_agrees_with_keras(tmp_path):
    from model.data.manifest import load_splits

    test = load_splits().query("split == 'test' and representative").groupby("source").head(2)
    paths = [str(config.data_dir() / p) for p in test["path"]]
    script = config.REPO_ROOT / "scripts" / "predict.py"
    probe = (
        "import runpy, sys; sys.argv = [sys.argv[1], '--json', *sys.argv[2:]]\n"
        "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print('TENSORFLOW', 'tensorflow' in sys.modules)"
    )
    lite = subprocess.run(
        [sys.executable, "-c", probe, str(script), *paths],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=config.REPO_ROOT / "scripts",
    )
    assert "TENSORFLOW False" in lite.stdout, lite.stderr[-2000:]
    keras = subprocess.run(
        [sys.executable, str(script), *paths, "--json", "--keras"], capture_output=True, text=True, timeout=300
    )
    lite_records = [json.loads(line) for line in lite.stdout.splitlines() if line.startswith("{")]
    keras_records = [json.loads(line) for line in keras.stdout.splitlines()]
    assert len(lite_records) == len(keras_records) == len(paths)
    for a, b in zip(lite_records, keras_records):
        assert a["prediction"] == b["prediction"] and a["warnings"] == b["warnings"]
        if a["prediction"] is not None:
            for name in config.CLASS_NAMES:
                assert abs(a["probabilities"][name] - b["probabilities"][name]) <= TOLERANCE
