"""The command-line tools, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from model import config
from tests.conftest import png_bytes, requires_shipped_model, synthetic_radiograph


def run_script(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(config.REPO_ROOT / "scripts" / name), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=config.REPO_ROOT,
    )


def _inputs(tmp_path):
    good = tmp_path / "chest.png"
    good.write_bytes(png_bytes(np.round(synthetic_radiograph(256, 230) * 255).astype(np.uint8)))
    bad = tmp_path / "notes.png"
    bad.write_text("not an image at all")
    return good, bad


@requires_shipped_model
def test_predict_json_reports_each_file_and_fails_on_a_bad_one(tmp_path):
    good, bad = _inputs(tmp_path)
    result = run_script("predict.py", str(good), str(bad), "--json")
    assert result.returncode == 1, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(good), str(bad)]
    assert lines[0]["prediction"] in config.CLASS_NAMES
    assert abs(sum(lines[0]["probabilities"].values()) - 1) < 1e-4
    assert "not an image" in lines[1]["error"]


@requires_shipped_model
def test_predict_table_and_clean_exit(tmp_path):
    good, _ = _inputs(tmp_path)
    result = run_script("predict.py", str(good))
    assert result.returncode == 0, result.stderr
    assert "chest.png" in result.stdout and "prediction" in result.stdout


@requires_shipped_model
def test_explain_writes_overlay_and_map(tmp_path):
    good, bad = _inputs(tmp_path)
    out = tmp_path / "out"
    result = run_script(
        "explain.py",
        str(good),
        str(bad),
        "--method",
        "layercam",
        "--target-class",
        "Normal",
        "--out",
        str(out),
        "--json",
    )
    assert result.returncode == 1, result.stderr
    record, failure = (json.loads(line) for line in result.stdout.splitlines())
    assert record["method"] == "layercam" and record["target_class"] == "Normal"
    assert record["faithfulness"]["score"] is not None
    heat = np.load(record["map"])
    assert heat.shape == (config.IMAGE_SIZE, config.IMAGE_SIZE) and 0 <= heat.min() and heat.max() <= 1
    from PIL import Image

    assert Image.open(record["overlay"]).size == (230, 256), "overlay at the original resolution"
    assert "error" in failure


@requires_shipped_model
def test_explain_refuses_an_unknown_layer(tmp_path):
    good, _ = _inputs(tmp_path)
    result = run_script("explain.py", str(good), "--layer", "no_such_layer", "--out", str(tmp_path))
    assert result.returncode == 2 and "not a convolutional layer" in result.stderr
