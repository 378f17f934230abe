"""The page-side findings of the security review: quotas on uploads, and untrusted text and paths shown as text."""

from __future__ import annotations

import numpy as np

from model import config
from tests.conftest import png_bytes, requires_shipped_model, synthetic_radiograph
from tests.test_dashboard import fresh_app, texts


def _films(count: int) -> list[tuple[str, bytes, str]]:
    return [
        (
            f"film{i}.png",
            png_bytes(np.round(synthetic_radiograph(300, 260, seed=i) * 255).astype(np.uint8)),
            "image/png",
        )
        for i in range(count)
    ]


@requires_shipped_model
def test_an_upload_past_the_file_quota_opens_the_first_files_and_names_the_rest(monkeypatch):
    monkeypatch.setattr(config, "MAX_FILES_PER_UPLOAD", 2)
    at = fresh_app().run()
    at.file_uploader(key="upload").set_value(_films(3)).run()
    assert not at.exception
    said = texts(at)
    assert "3 files were uploaded at once; the first 2 are opened" in said and "film2\\.png" in said


@requires_shipped_model
def test_a_session_past_its_film_quota_is_told_and_keeps_what_it_had(monkeypatch):
    monkeypatch.setattr(config, "MAX_FILMS_PER_SESSION", 2)
    at = fresh_app().run()
    films = _films(3)
    at.file_uploader(key="upload").set_value(films[:2]).run()
    at.file_uploader(key="upload").set_value(films).run()
    assert not at.exception
    assert any("has opened 2 different films, its limit" in e.value and "film2\\.png" in e.value for e in at.error)
    at.file_uploader(key="upload").set_value(films[:2]).run()  # the films it had still open
    assert not any("its limit" in e.value for e in at.error)
