"""The Reader study and Readers pages and Explain's reading, run in-process (AppTest) on a fresh database each."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from model import config
from model.evaluation.localisation import random_point_hit_rate
from model.readings.scores import marks_mask
from model.readings.store import ReadingStore
from tests.conftest import requires_shipped_model
from tests.test_readings_cli import requires_nih_boxes

APP = str(config.REPO_ROOT / "dashboard" / "app.py")


@pytest.fixture
def fresh_database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'readings.sqlite3'}"
    monkeypatch.setenv(config.DATABASE_URL_ENV, url)
    monkeypatch.setenv(config.READER_MAPS_ENV, str(tmp_path / "maps"))
    return url


def page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300).run()
    return at.switch_page(path).run()


def viewer(at: AppTest) -> dict:
    found = [e for e in at.get("bidi_component") if e.proto.component_name == "cxr_film_viewer"]
    assert found, "the film viewer is on the page"
    return json.loads(found[-1].proto.json)


def said(at: AppTest) -> str:
    return " ".join(m.value for m in [*at.markdown, *at.caption, *at.info, *at.success, *at.error, *at.warning])


@requires_nih_boxes
@requires_shipped_model
def test_a_reader_study_hides_every_map_until_the_reading_is_saved_then_reveals_them(fresh_database):
    at = page("views/reader_study.py")
    assert "Name yourself as reader" in said(at)
    at.text_input(key="reader_name").set_value("Dr <b>Study</b> 🩻").run()
    assert "Film 1 of 43" in said(at) and not at.exception
    before = viewer(at)
    assert [p["heat"] for p in before["panes"]] == [None] and before["boxes"] == [], "no map, no NIH box yet"
    at.checkbox(key=[c.key for c in at.checkbox if c.key.startswith("reading_no_finding")][0]).check().run()
    at.button(key=[b.key for b in at.button if b.key and b.key.startswith("reading_save")][0]).click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = viewer(at)
    assert len([p for p in after["panes"] if p["heat"]]) >= 5, "every method's map is revealed"
    assert after["boxes"], "NIH's box is drawn on the reveal"
    stored = ReadingStore(fresh_database).reading("Dr <b>Study</b> 🩻", after["film"])
    assert stored is not None and stored.no_finding and stored.version == 1
    assert "1 of 43 films read" in " ".join(p.text for p in at.get("progress"))
    at.button[[b.label for b in at.button].index("Next unread")].click().run()
    assert "Film 2 of 43" in said(at)


@requires_nih_boxes
@requires_shipped_model
def test_the_readers_page_scores_nih_against_the_model_with_the_pages_chance(fresh_database):
    at = page("views/readers.py")
    assert not at.exception, [e.value for e in at.exception]
    at.multiselect(key="readers_chosen").set_value([config.NIH_READER_NAME]).run()
    at.button[[b.label for b in at.button].index("Score")].click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[-1].value
    row = table[table["Reader"] == config.NIH_READER_NAME].iloc[0]
    readings = ReadingStore(fresh_database).readings(reader=config.NIH_READER_NAME)
    chance = np.mean(
        [
            random_point_hit_rate(marks_mask(r.marks, r.film.width, r.film.height), config.POINTING_TOLERANCE_PX)
            for r in readings
        ]
    )
    assert row["Films"] == len(readings) == 43
    assert row["Chance"] == pytest.approx(100 * chance) and 0 <= row["Pointing game"] <= 100
