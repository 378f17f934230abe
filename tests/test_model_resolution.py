"""A result never carries the wrong model's name: `CXR_MODEL=ID` and `--model ID` give the same record, computed by
that model's own files (a record labelled c2_acquisition_long once carried f3_right_reasons' probabilities)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from model import config
from tests.conftest import requires_real_data

OTHER = "c2_acquisition_long"


def _predict(path, *arguments: str, env: dict[str, str] | None = None) -> dict:
    result = subprocess.run(
        [sys.executable, str(config.REPO_ROOT / "scripts" / "predict.py"), str(path), "--json", *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=config.REPO_ROOT,
        env={**os.environ, **(env or {})},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@requires_real_data
@pytest.mark.skipif(not (config.MODELS_DIR / OTHER).is_dir(), reason=f"{OTHER} is not registered")
def test_cxr_model_and_model_flag_give_the_same_record_of_that_model():
    film = sorted((config.data_dir() / config.RADIOGRAPHY_SUBDIR / "COVID").glob("*.png"))[6]
    by_flag = _predict(film, "--model", OTHER)
    by_environment = _predict(film, env={config.DEFAULT_MODEL_ENV: OTHER})
    default = _predict(film)
    assert by_flag["model"] == by_environment["model"] == OTHER
    assert by_environment == by_flag  # the same record: probabilities, abnormality, warnings, name
    assert default["model"] == config.DEFAULT_MODEL_ID
    assert default["probabilities"] != by_flag["probabilities"], "two models, two answers"
