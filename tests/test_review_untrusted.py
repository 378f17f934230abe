"""Untrusted text and paths of the security review: model cards checked at the edge and escaped wherever shown,
a folder's network checked against its card's SHA-256 before it loads, audit rows read only inside allowed roots."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from model import config
from model.audit.results import AuditResultsError, film_bytes, thumbnail_path
from model.registry.card import CardError, ModelCard
from tests.conftest import requires_shipped_model

PHISHING = "[Normal — no follow-up needed](https://evil.example) ![t](https://evil.example/t.png)"


@pytest.mark.parametrize(
    "field, value, says",
    [
        ("classes", ("Normal", "[Normal](https://evil.example)"), "class name"),
        ("classes", ("Normal", "<b>COVID-19</b>"), "class name"),
        ("display_name", "Vendor\nNormal — no follow-up needed", "display name"),
        ("display_name", "x" * 81, "display name"),
        ("sha256", "`injected`", "sha256"),
    ],
)
def test_a_card_with_text_that_could_become_markup_is_refused_in_a_sentence(field, value, says):
    fields = {"id": "vendor", "display_name": "Vendor", "classes": ("Normal", "Abnormal"), field: value}
    with pytest.raises(CardError, match=says):
        ModelCard(**fields)


def _register(root: Path, model_id: str, display_name: str, recorded_sha: str | None = None) -> Path:
    from tests.test_model_registry import small_cnn

    folder = root / model_id
    folder.mkdir(parents=True)
    small_cnn(64, 1, 2).save(folder / config.MODEL_FILENAME)
    actual = hashlib.sha256((folder / config.MODEL_FILENAME).read_bytes()).hexdigest()
    card = ModelCard(model_id, display_name, ("Normal", "Abnormal"), input_size=64, sha256=recorded_sha or actual)
    (folder / config.MODEL_CARD_FILENAME).write_text(json.dumps(card.to_json()))
    return folder


def test_a_folder_whose_network_does_not_match_its_card_is_not_loaded(tmp_path, monkeypatch):
    from model.inference import ModelLoadError
    from model.registry import load_registered, registered

    monkeypatch.setattr(config, "MODELS_DIR", tmp_path)
    _register(tmp_path, "swapped", "Swapped", recorded_sha="0" * 64)
    with pytest.raises(ModelLoadError, match="does not match its card .* the card records 000000000000"):
        load_registered(registered("swapped"))
    _register(tmp_path, "honest", "Honest")
    assert load_registered(registered("honest")).card.id == "honest"


def test_an_audit_row_is_read_only_inside_the_allowed_roots_and_only_from_a_regular_file(tmp_path):
    allowed, elsewhere = tmp_path / "archive", tmp_path / "elsewhere"
    allowed.mkdir(), elsewhere.mkdir()
    (allowed / "film.png").write_bytes(b"x" * 100)
    (elsewhere / "secret.txt").write_bytes(b"secret")
    (allowed / "escape.png").symlink_to(elsewhere / "secret.txt")
    (allowed / "zero.png").symlink_to("/dev/zero")
    assert film_bytes(str(allowed / "film.png"), roots=[allowed]) == b"x" * 100
    for path in (elsewhere / "secret.txt", allowed / "escape.png", allowed / "zero.png", Path("film.png")):
        with pytest.raises(AuditResultsError, match="not readable from this server"):
            film_bytes(str(path), roots=[allowed])


def test_a_thumbnail_name_resolves_inside_the_audits_thumbnail_folder_only(tmp_path):
    out = tmp_path / "audit"
    (out / config.AUDIT_THUMBNAILS_FOLDER).mkdir(parents=True)
    (out / config.AUDIT_THUMBNAILS_FOLDER / "a.png").write_bytes(b"png")
    (tmp_path / "outside.png").write_bytes(b"png")
    assert thumbnail_path(out, "a.png") == out / config.AUDIT_THUMBNAILS_FOLDER / "a.png"
    assert thumbnail_path(out, str(out / config.AUDIT_THUMBNAILS_FOLDER / "a.png")) is not None  # by base name
    for name in (str(tmp_path / "outside.png"), "../../outside.png", "", None, "..", "/etc/passwd"):
        assert thumbnail_path(out, name) is None, name


def test_plot_labels_are_escaped():
    from dashboard.plain_text import plot_text

    assert (
        plot_text('<a href="https://evil.example">x</a>')
        == "&lt;a href=&quot;https://evil.example&quot;&gt;x&lt;/a&gt;"
    )


@requires_shipped_model
def test_a_hostile_display_name_is_shown_as_text_on_about(tmp_path, monkeypatch):
    import streamlit as st

    from tests.test_dashboard import fresh_app

    st.cache_data.clear()  # the registry's cards are cached across app runs
    root = tmp_path / "models"
    root.mkdir()
    for shipped in config.MODELS_DIR.iterdir():
        (root / shipped.name).symlink_to(shipped.resolve())
    _register(root, "vendor_x", PHISHING[:80])
    monkeypatch.setattr(config, "MODELS_DIR", root)
    try:
        at = fresh_app().run()
        at.switch_page("views/about.py").run()
    finally:
        st.cache_data.clear()  # later tests see the real registry again
    assert not at.exception
    labels = [e.label for e in at.expander]
    hostile = next(label for label in labels if "evil" in label)
    assert hostile.startswith("\\[Normal") and "\\]\\(https\\:" in hostile, hostile
