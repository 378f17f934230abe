"""The command-line tools, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from model import config
from tests.conftest import png_bytes, requires_real_data, requires_shipped_model, synthetic_radiograph


def run_script(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(config.REPO_ROOT / "scripts" / name), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=config.REPO_ROOT,
    )


def real_film(tmp_path):
    """A real test film (the check lets real films through): the tests that use it need the data."""
    candidates = sorted((config.data_dir() / config.RADIOGRAPHY_SUBDIR / "Normal").glob("*.png"))[:1]
    path = tmp_path / candidates[0].name
    path.write_bytes(candidates[0].read_bytes())
    return path


def _inputs(tmp_path):
    good = tmp_path / "chest.png"
    good.write_bytes(png_bytes(np.round(synthetic_radiograph(256, 230) * 255).astype(np.uint8)))
    bad = tmp_path / "notes.png"
    bad.write_text("not an image at all")
    return good, bad


@requires_real_data
@requires_shipped_model
def test_predict_json_reports_each_file_and_fails_on_a_bad_one(tmp_path):
    _, bad = _inputs(tmp_path)
    good = real_film(tmp_path)
    result = run_script("predict.py", str(good), str(bad), "--json")
    assert result.returncode == 1, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(good), str(bad)]
    assert isinstance(lines[0]["warnings"], list)
    assert lines[0]["prediction"] in config.CLASS_NAMES, "a real film is answered"
    assert abs(sum(lines[0]["probabilities"].values()) - 1) < 1e-4
    assert "not an image" in lines[1]["error"]


@requires_shipped_model
@pytest.mark.skipif(not config.INPUT_GATE_PATH.is_file(), reason="no shipped chest-X-ray gate")
def test_noise_and_a_flat_field_get_no_prediction_and_the_batch_goes_on(tmp_path):
    noise, flat = tmp_path / "noise.png", tmp_path / "flat.png"
    noise.write_bytes(png_bytes((np.random.default_rng(0).random((512, 512)) * 255).astype(np.uint8)))
    flat.write_bytes(png_bytes(np.full((300, 300), 128, np.uint8)))
    folder = tmp_path / "a_folder"
    folder.mkdir()
    result = run_script("predict.py", str(noise), str(folder), str(flat), "--json")
    assert result.returncode == 1, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(noise), str(folder), str(flat)]
    for record in (records[0], records[2]):
        assert record["prediction"] is None and "probabilities" not in record
        assert record["warnings"][0]["code"] == "not_a_chest_xray"
    assert "is a folder" in records[1]["error"]


@requires_real_data
@requires_shipped_model
def test_predict_table_and_clean_exit(tmp_path):
    good = real_film(tmp_path)
    result = run_script("predict.py", str(good))
    assert result.returncode == 0 and "NOT ANSWERED" not in result.stdout, result.stdout + result.stderr
    assert good.name in result.stdout and "prediction" in result.stdout


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
        "--explain-anyway",
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
    result = run_script("explain.py", str(good), "--layer", "no_such_layer", "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "not a spatial layer" in result.stderr


@requires_shipped_model
def test_explain_keeps_outputs_of_inputs_with_the_same_name_apart(tmp_path):
    first, second = tmp_path / "a" / "chest.png", tmp_path / "b" / "chest.png"
    for seed, path in enumerate((first, second)):
        path.parent.mkdir()
        path.write_bytes(png_bytes(np.round(synthetic_radiograph(256, 230, seed=seed) * 255).astype(np.uint8)))
    out = tmp_path / "out"
    result = run_script("explain.py", str(first), str(second), "--out", str(out), "--json", "--explain-anyway")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len({r["overlay"] for r in records}) == 2 and len(list(out.glob("*.png"))) == 2


@requires_shipped_model
def test_explain_out_pointing_at_a_file_is_a_clear_error(tmp_path):
    good, _ = _inputs(tmp_path)
    target = tmp_path / "file.txt"
    target.write_text("x")
    result = run_script("explain.py", str(good), "--out", str(target))
    assert result.returncode == 2 and "is a file" in result.stderr and "Traceback" not in result.stderr


@requires_shipped_model
def test_a_very_long_file_name_does_not_end_the_batch(tmp_path):
    """A 250-byte name is legal; with '_gradcam.png' after it the output name would pass 255 bytes."""
    good, _ = _inputs(tmp_path)
    long_name = tmp_path / ("é" * 120 + "x" * 6 + ".png")  # 246 bytes + ".png"
    long_name.write_bytes(good.read_bytes())
    out = tmp_path / "out"
    result = run_script("explain.py", str(long_name), str(good), "--out", str(out), "--json", "--explain-anyway")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2 and all("overlay" in r for r in records), result.stderr
    assert all(len(p.name.encode()) <= 255 for p in out.iterdir())


@requires_shipped_model
def test_file_names_cannot_drive_the_terminal(tmp_path):
    _, bad = _inputs(tmp_path)
    hostile = tmp_path / "a\x1b[31mred\nFAKE LINE.png"
    hostile.write_bytes(bad.read_bytes())
    result = run_script("predict.py", str(hostile))
    assert "\x1b" not in result.stdout and "\nFAKE LINE" not in result.stdout
    assert "\\x1b[31mred\\nFAKE LINE.png" in result.stdout


def test_spreadsheet_formulas_in_names_stay_text():
    from model.text_safety import short_stem, spreadsheet_safe

    assert spreadsheet_safe('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)" and spreadsheet_safe("chest.png") == "chest.png"
    assert spreadsheet_safe(0.5) == 0.5
    long = "é" * 200
    assert len(short_stem(long).encode()) <= 160 and short_stem(long) != short_stem("é" * 199 + "a")
