"""Fault injection: damaged shipped files fail loudly with one sentence, never silently and never as a traceback."""

from __future__ import annotations

import pytest
import streamlit as st

from model import config
from tests.conftest import requires_shipped_model


@pytest.fixture
def cli_helpers(monkeypatch):
    monkeypatch.syspath_prepend(str(config.REPO_ROOT / "scripts"))
    import _cli

    return _cli


def test_a_corrupt_gate_file_stops_the_cli_with_one_sentence(cli_helpers, tmp_path, monkeypatch, capsys):
    broken = tmp_path / "input_gate.json"
    broken.write_text('{"gate": {"feature_names": ')
    monkeypatch.setattr(config, "INPUT_GATE_PATH", broken)
    with pytest.raises(SystemExit) as stopped:
        cli_helpers.segmenter_and_gate()
    assert stopped.value.code == 2
    message = capsys.readouterr().err.strip()
    assert message.count("\n") == 0 and "input_gate.json" in message and "calibrate_gate.py" in message


def test_a_corrupt_segmenter_file_stops_the_cli_with_one_sentence(cli_helpers, tmp_path, monkeypatch, capsys):
    broken = tmp_path / "lung_segmenter.keras"
    broken.write_bytes(b"PK\x03\x04 not really a keras archive")
    monkeypatch.setattr(config, "SEGMENTER_PATH", broken)
    with pytest.raises(SystemExit) as stopped:
        cli_helpers.segmenter_and_gate()
    message = capsys.readouterr().err.strip()
    assert stopped.value.code == 2 and "lung_segmenter.keras" in message and "train_lung_segmenter.py" in message


def test_missing_files_still_mean_no_check_rather_than_an_error(cli_helpers, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INPUT_GATE_PATH", tmp_path / "absent.json")
    monkeypatch.setattr(config, "SEGMENTER_PATH", tmp_path / "absent.keras")
    assert cli_helpers.segmenter_and_gate() == (None, None)


def test_a_corrupt_model_file_is_one_sentence_from_the_cli(tmp_path):
    from tests.test_cli import run_script

    broken = tmp_path / "model.keras"
    broken.write_bytes(b"garbage")
    film = tmp_path / "film.png"
    film.write_bytes(b"irrelevant")
    result = run_script("explain.py", str(film), "--model", str(broken), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "model.keras" in result.stderr and "Traceback" not in result.stderr


@requires_shipped_model
def test_a_corrupt_gate_file_is_shown_on_the_page(tmp_path, monkeypatch):
    from tests.test_dashboard import fresh_app, xray_png

    broken = tmp_path / "input_gate.json"
    broken.write_text("not json")
    monkeypatch.setattr(config, "INPUT_GATE_PATH", broken)
    st.cache_resource.clear()
    try:
        at = fresh_app().run()
        at.file_uploader(key="upload").upload("chest.png", xray_png(), "image/png").run()
        assert not at.exception
        assert any("input_gate.json" in e.value and "calibrate_gate.py" in e.value for e in at.error)
    finally:
        st.cache_resource.clear()
