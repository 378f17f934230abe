"""The Archive audit page on a small synthetic audit: counts, groupings, films to review, errors, bad folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from model import config
from model.audit.results import films_to_review, lung_shares, prediction_mix
from tests.test_dashboard import APP, TIMEOUT


def synthetic_audit(out: Path) -> pd.DataFrame:
    """Six rows the way the audit writes them: three answers, one stopped by the gate, one unreadable file."""
    rows = []
    for index, (prediction, codes, level, error, maker) in enumerate(
        [
            ("COVID-19", "", "good", "", "ACME"),
            ("Normal", "unfamiliar_source", "good", "", "ACME"),
            ("Pneumonia", "", "bad", "", ""),
            ("Normal", "", "caution", "", "Other Co"),
            ("", "not_a_chest_xray", "", "", ""),
            ("", "", "", "broken.png: this is a text file, not an image.", ""),
        ]
    ):
        rows.append(
            {
                "path": f"/archive/ward{index % 2}/film{index}.png",
                "folder": f"/archive/ward{index % 2}",
                "sha256": f"{index:064d}",
                "error": error,
                "manufacturer": maker,
                "device_model": "",
                "view": "",
                "prediction": prediction,
                **{f"p_{n}": float(n == prediction) if prediction else np.nan for n in config.CLASS_NAMES},
                "warning_codes": codes,
                "warnings": codes,
                "lung_fraction": 0.35,
                "lung_mask_plausible": bool(prediction),
                "lung_share_gradcam": {"good": 0.7, "caution": 0.4, "bad": 0.1}.get(level, np.nan),
                "lung_share_level_gradcam": level,
                "faithfulness_margin_gradcam": np.nan,
                "thumbnail_gradcam": "",
            }
        )
    table = pd.DataFrame(rows)
    (out / config.AUDIT_ROWS_FOLDER).mkdir(parents=True)
    table.to_parquet(out / config.AUDIT_ROWS_FOLDER / "part-0.parquet")
    return table


def test_summaries_count_what_the_audit_found(tmp_path):
    table = synthetic_audit(tmp_path)
    mix = prediction_mix(table, "folder").set_index(["group", "outcome"])["films"]
    assert mix[("/archive/ward0", "Not answered")] == 1
    assert mix[("/archive/ward1", "Unreadable")] == 1
    assert mix.sum() == 6
    assert sorted(Path(p).name for p in films_to_review(table)["path"]) == ["film1.png", "film2.png", "film4.png"]
    assert len(lung_shares(table)) == 4


def test_the_page_shows_an_audit_and_explains_a_missing_one(tmp_path, monkeypatch):
    monkeypatch.setenv(config.AUDIT_ROOTS_ENV, str(tmp_path))
    synthetic_audit(tmp_path)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("views/archive.py").run()
    at.text_input[0].set_value(str(tmp_path / "nothing")).run()
    assert not at.exception
    assert "no audit here" in at.info[0].value and "audit\\_archive" in at.info[0].value
    at.text_input[0].set_value(str(tmp_path)).run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Films"] == "6" and metrics["Unreadable"] == "1"
    assert metrics["Not answered"] == "1"
    assert "DICOM manufacturer" in [at.radio(key="audit_group").options][0]
    assert "3 films carry an input warning" in " ".join(c.value for c in at.caption)


def test_folders_outside_the_configured_roots_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(config.AUDIT_ROOTS_ENV, str(tmp_path / "allowed"))
    outside = tmp_path / "elsewhere"
    synthetic_audit(outside)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("views/archive.py").run()
    at.text_input[0].set_value(str(outside)).run()
    assert not at.exception
    assert "opened only under" in at.error[0].value and "CXR\\_AUDIT\\_ROOTS" in at.error[0].value
    assert not at.metric, "nothing of the refused folder is shown"
    at.text_input[0].set_value(str(tmp_path / "allowed" / ".." / "elsewhere")).run()
    assert "opened only under" in at.error[0].value, "a path that climbs out of a root is refused too"


def test_open_in_explain_reads_the_film_within_the_upload_limit_or_says_why_not(tmp_path, monkeypatch):
    from model.audit.results import AuditResultsError, film_bytes

    monkeypatch.setenv(config.AUDIT_ROOTS_ENV, str(tmp_path))
    synthetic_audit(tmp_path)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("views/archive.py").run()
    at.text_input[0].set_value(str(tmp_path)).run()
    at.button(key="audit_open").click().run()
    assert not at.exception
    assert "not readable from this server" in at.error[0].value, "the audited film is not on this server"
    film = tmp_path / "film.png"
    film.write_bytes(b"x" * 2000)
    assert film_bytes(str(film)) == b"x" * 2000
    try:
        film_bytes(str(film), limit=1000)
    except AuditResultsError as error:
        assert "the limit is" in str(error) and "film.png" in str(error)
    else:
        raise AssertionError("a film over the size limit was read")
