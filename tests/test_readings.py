"""The readings store on SQLite and on a real PostgreSQL 15: what a reader saves is kept exactly, a stale save is
refused, two sessions at once both keep theirs, a process killed mid-save loses nothing saved, an upgrade keeps
readings, and every bad input or database fault is a sentence."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from model import config
from model.marks import FilmMark
from model.readings.agreement import reader_agreement
from model.readings.errors import ReadingConflict, ReadingStoreError
from model.readings.scores import marks_mask
from model.readings.store import ReadingStore
from model.readings.values import FilmRecord, LabelledMark, Reading, ReadingInputError, finding_id

FILM = FilmRecord("f" * 64, 400, 300, "film.png", None)
HOSTILE = [
    'O\'Brien "the reader"',
    "'); DROP TABLE readings; --",
    "**bold** _it_ [link](javascript:alert(1))",
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "Dr 🩻 Ünïcødé 医生",
]


def mark(x0=10.0, y0=20.0, x1=110.0, y1=120.0, shape="rect", finding="opacity", confidence=4, note="", mark_id="m1"):
    return LabelledMark(FilmMark(mark_id, shape, x0, y0, x1, y1), finding, confidence, note)


def test_a_reading_comes_back_exactly_as_saved_whatever_its_text(database_url):
    store = ReadingStore(database_url)
    for index, text in enumerate(HOSTILE):
        film = FilmRecord(f"{index:064d}", 400, 300, text, None)
        saved = store.save_reading(text, film, [mark(note=text * 20)], expected_version=0)
        assert saved.version == 1
        again = store.reading(text, film.sha256)
        assert again.reader == text and again.film.name == text and again.marks[0].note == text * 20
        assert again.marks == saved.marks
    assert sorted(r.name for r in store.readers()) == sorted(HOSTILE)  # the DROP TABLE was text, the table is there


def test_long_names_and_notes_are_refused_with_a_sentence_and_nothing_is_written(database_url):
    store = ReadingStore(database_url)
    with pytest.raises(ReadingInputError, match="at most 80 characters; this one has 10,000"):
        store.save_reading("x" * 10_000, FILM, [mark()], expected_version=0)
    with pytest.raises(ReadingInputError, match="A note is at most 2,000 characters; this one has 10,000"):
        from model.readings.values import labelled

        labelled(FilmMark("m", "rect", 1, 1, 9, 9), "opacity", 3, "n" * 10_000)
    assert store.readers() == []


def test_marks_or_no_finding_never_both_and_never_neither(database_url):
    store = ReadingStore(database_url)
    with pytest.raises(ReadingInputError, match="either marks or 'No finding'"):
        store.save_reading("A", FILM, [mark()], no_finding=True, expected_version=0)
    with pytest.raises(ReadingInputError, match="tick 'No finding'"):
        store.save_reading("A", FILM, [], expected_version=0)
    with pytest.raises(ReadingInputError, match="not inside the 400×300-px film"):
        store.save_reading("A", FILM, [mark(x1=401)], expected_version=0)
    saved = store.save_reading("A", FILM, [], no_finding=True, expected_version=0)
    assert store.reading("A", FILM.sha256).no_finding and not saved.has_finding


def test_a_stale_save_is_refused_and_the_other_session_keeps_its_reading(database_url):
    store = ReadingStore(database_url)
    store.save_reading("A", FILM, [mark(mark_id="first")], expected_version=0)
    store.save_reading("A", FILM, [mark(mark_id="second")], expected_version=1)  # tab 1 saves again
    with pytest.raises(ReadingConflict, match="saved in another session"):
        store.save_reading("A", FILM, [mark(mark_id="tab2")], expected_version=1)  # tab 2 loaded version 1
    kept = store.reading("A", FILM.sha256)
    assert kept.version == 2 and [m.mark.mark_id for m in kept.marks] == ["second"]


def test_two_readers_saving_the_same_film_at_once_both_keep_every_save(database_url):
    stores = [ReadingStore(database_url), ReadingStore(database_url)]  # two servers' connections
    errors: list[BaseException] = []

    def reader(name: str, store: ReadingStore) -> None:
        try:
            for version in range(15):
                store.save_reading(name, FILM, [mark(x0=float(version))], expected_version=version)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=reader, args=(n, s)) for n, s in zip(("A", "B"), stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    for name in ("A", "B"):
        kept = stores[0].reading(name, FILM.sha256)
        assert kept.version == 15 and kept.marks[0].mark.x0 == 14.0


def test_an_upgrade_keeps_the_readings_saved_before_it(database_url):
    store = ReadingStore(database_url, upgrade=False)
    store.upgrade("0001")
    assert store.revision() == "0001"
    store.save_reading("Before the upgrade", FILM, [mark(note="kept")], expected_version=0)
    store.upgrade()
    assert store.revision() == "0002"
    assert store.reading("Before the upgrade", FILM.sha256).marks[0].note == "kept"
    assert store.save_worklist("after", [FILM]) == 1


def test_the_migrations_create_exactly_the_declared_tables(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from model.readings.schema import Base

    store = ReadingStore(database_url)
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


KILLED_SAVE = textwrap.dedent(
    """
    import os, sys, time
    from sqlalchemy import event
    from model.marks import FilmMark
    from model.readings.store import ReadingStore
    from model.readings.values import FilmRecord, LabelledMark
    store = ReadingStore(sys.argv[1])
    film = FilmRecord("f" * 64, 400, 300, "film.png", None)
    store.save_reading("A", film, [LabelledMark(FilmMark("saved", "rect", 1, 1, 50, 50))], expected_version=0)
    inserts = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def pause(conn, cursor, statement, parameters, context, executemany):
        if "INSERT INTO marks" in statement:
            inserts.append(1)
            if len(inserts) == 1:
                print("paused", flush=True)
                time.sleep(600)

    marks = [LabelledMark(FilmMark(f"new{i}", "rect", 1, 1, 60 + i, 60)) for i in range(10)]
    store.save_reading("A", film, marks, expected_version=1)
    """
)


def test_a_process_killed_mid_save_loses_nothing_that_was_saved(database_url):
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_SAVE, database_url], stdout=subprocess.PIPE, text=True, cwd=config.REPO_ROOT
    )
    try:
        assert child.stdout.readline().strip() == "paused"
    finally:
        child.kill()
        child.wait(timeout=30)
    store = ReadingStore(database_url)
    kept = store.reading("A", FILM.sha256)
    assert kept.version == 1 and [m.mark.mark_id for m in kept.marks] == ["saved"]
    # and the database takes the next save (no lock left behind by the dead session)
    assert store.save_reading("A", FILM, [mark()], expected_version=1).version == 2


def test_database_faults_are_sentences_without_the_password(tmp_path, postgres_cluster):
    host, port, password = postgres_cluster
    cases = {
        f"postgresql+psycopg://postgres:not-{password}@{host}:{port}/postgres": "refused the login",
        f"postgresql+psycopg://postgres:{password}@{host}:1/postgres": "Cannot reach",
        "this is not a url": "is not a database address",
        "oracle+nodriver://u:secret@h/db": "No database driver",
        f"sqlite:///{tmp_path}/missing/folder/../../x/y/z.sqlite3": None,  # created: folders are made
    }
    for url, expected in cases.items():
        if expected is None:
            ReadingStore(url).close()
            continue
        with pytest.raises(ReadingStoreError, match=expected) as raised:
            ReadingStore(url)
        assert password not in str(raised.value) and "secret" not in str(raised.value)


def test_a_read_only_database_and_a_full_disk_are_sentences_and_keep_what_was_there(tmp_path):
    path = tmp_path / "r.sqlite3"
    ReadingStore(f"sqlite:///{path}").save_reading("A", FILM, [mark()], expected_version=0)
    read_only = ReadingStore(f"sqlite:///file:{path}?mode=ro&uri=true", upgrade=False)
    assert read_only.reading("A", FILM.sha256).version == 1
    with pytest.raises(ReadingStoreError, match="is read-only: nothing was saved"):
        read_only.save_reading("A", FILM, [mark(x0=5)], expected_version=1)
    full = ReadingStore(f"sqlite:///{path}")
    from sqlalchemy import event

    @event.listens_for(full.engine, "connect")
    def _tiny(dbapi_connection, _record):  # the real SQLite, told it may not grow: SQLITE_FULL
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA max_page_count = 1")
        cursor.close()

    full.engine.dispose()
    with pytest.raises(ReadingStoreError, match="is full"):
        full.save_reading("B", FILM, [mark(note="n" * 1500) for _ in range(40)], expected_version=0)
    assert ReadingStore(f"sqlite:///{path}").reading("A", FILM.sha256).version == 1


def test_findings_come_from_configuration_and_aliases():
    assert finding_id("Pneumonia") == "opacity" and finding_id("Nodule / mass") == "nodule"
    assert finding_id("EFFUSION") == "effusion"
    with pytest.raises(ReadingInputError, match="is not a finding this tool records"):
        finding_id("'; DROP TABLE marks; --")


def test_marks_become_masks_in_the_boxes_frame():
    rect = marks_mask([mark(0, 0, 200, 150)], 400, 300)  # a quarter of the film
    assert rect.shape == (224, 224) and rect.mean() == pytest.approx(0.25, abs=0.01)
    ellipse = marks_mask([mark(0, 0, 200, 150, shape="ellipse")], 400, 300)
    assert ellipse.mean() == pytest.approx(0.25 * math.pi / 4, abs=0.01)
    assert not (ellipse & ~rect).any()


def _reading(name: str, marks, no_finding=False, film=FILM) -> Reading:
    return Reading(name, film, no_finding, tuple(marks), 1)


def test_reader_agreement_overlap_hits_and_kappa():
    from sklearn.metrics import cohen_kappa_score

    films = [FilmRecord(f"{i:064d}", 400, 300, f"{i}.png") for i in range(6)]
    a = [_reading("A", [mark(0, 0, 200, 150)], film=f) for f in films[:4]] + [
        _reading("A", [], True, film=f) for f in films[4:]
    ]
    b = [_reading("B", [mark(0, 0, 200, 150)], film=films[0]), _reading("B", [mark(200, 150, 400, 300)], film=films[1])]
    b += [_reading("B", [], True, film=f) for f in films[2:5]] + [_reading("B", [mark()], film=films[5])]
    result = reader_agreement(a, b)
    assert result["films_both_read"] == 6 and result["films_both_marked"] == 2
    assert result["mean_iou"] == pytest.approx(0.5, abs=0.01)  # one identical, one disjoint
    assert result["first_marks_hit_by_second"] == 0.5
    expected = cohen_kappa_score([True] * 4 + [False] * 2, [True, True, False, False, False, True])
    assert result["kappa_finding"] == pytest.approx(expected)
    assert reader_agreement(a[:1], b[:1])["kappa_finding"] is None  # both always 'finding': undefined


def test_a_worklist_keeps_its_order_and_a_resave_replaces_it(database_url):
    store = ReadingStore(database_url)
    films = [FilmRecord(f"{i:064d}", 10, 10, f"{i}.png") for i in range(5)]
    assert store.save_worklist("Teaching set", films[::-1]) == 5
    assert [f.name for f in store.worklist("Teaching set")] == ["4.png", "3.png", "2.png", "1.png", "0.png"]
    store.save_worklist("Teaching set", films[:2])
    assert [f.name for f in store.worklist("Teaching set")] == ["0.png", "1.png"]


def test_a_read_only_reader_is_never_written_from_a_session(database_url):
    store = ReadingStore(database_url)
    store.ensure_reader(config.NIH_READER_NAME, read_only=True)
    with pytest.raises(ReadingInputError, match="read-only reader"):
        store.save_reading(config.NIH_READER_NAME, FILM, [mark()], expected_version=0)
    assert np.isclose(len(store.readings()), 0)
