"""scripts/readings.py as a department runs it: import, score, export; the score equals the one computed from
explain.py's maps with the same definition, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from model import config
from model.evaluation.localisation import box_mask, heat_in_box, pointing_hit
from tests.conftest import requires_shipped_model, synthetic_radiograph
from tests.hostile_corpus import dicom

NIH = config.data_dir() / config.NIH_ADULT_SUBDIR
requires_nih_boxes = pytest.mark.skipif(
    not (NIH / config.BOXES_FILENAME).is_file(), reason=f"NIH films with boxes not found at {NIH}"
)


def readings(database_url: str, maps_dir, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, config.DATABASE_URL_ENV: database_url, config.READER_MAPS_ENV: str(maps_dir)}
    return subprocess.run(
        [sys.executable, str(config.REPO_ROOT / "scripts" / "readings.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=config.REPO_ROOT,
        env=env,
    )


def shifted_nih_boxes(count: int = 6) -> pd.DataFrame:
    """A reader who marks like NIH's radiologists but 12 px right (film pixels of the 224-px films)."""
    table = pd.read_csv(NIH / config.BOXES_FILENAME)
    table = table[table["finding"] == "Pneumonia"].drop_duplicates("image").head(count).copy()
    table["x"] = table["x"] + 12
    table["finding"] = "consolidation"
    return table[["image", "finding", "x", "y", "w", "h"]]


@pytest.fixture(scope="module")
def explain_maps(tmp_path_factory):
    """explain.py's own maps of the reader's films (Grad-CAM on Pneumonia, every film answered)."""
    out = tmp_path_factory.mktemp("explain")
    paths = [str(NIH / image) for image in shifted_nih_boxes()["image"]]
    result = subprocess.run(
        [
            sys.executable,
            str(config.REPO_ROOT / "scripts" / "explain.py"),
            *paths,
            "--method",
            "gradcam",
            "--target-class",
            config.BOX_FINDING,
            "--explain-anyway",
            "--out",
            str(out),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=config.REPO_ROOT,
    )
    assert result.returncode in (0, 1), result.stderr
    records = {json.loads(line)["path"]: json.loads(line) for line in result.stdout.splitlines()}
    return {path: np.load(records[path]["map"]) for path in paths}


@requires_nih_boxes
@requires_shipped_model
def test_score_equals_the_pointing_game_of_explain_py_maps(database_url, tmp_path, explain_maps):
    boxes = shifted_nih_boxes()
    csv = tmp_path / "reader.csv"
    boxes.to_csv(csv, index=False)
    imported = readings(database_url, tmp_path / "maps", "import", str(csv), "--reader", "Dr Test", "--root", str(NIH))
    assert imported.returncode == 0, imported.stderr
    scored = readings(database_url, tmp_path / "maps", "score", "--reader", "Dr Test", "--method", "gradcam", "--json")
    assert scored.returncode == 0, scored.stderr
    summary = json.loads(scored.stdout)
    assert {"reader", "model", "method", "films", "pointing_game", "heat_in_marks", "chance"} <= set(summary)
    hits, inside = [], []
    for row in boxes.itertuples():  # the films are 224 px: film pixels are the boxes' frame
        heat = explain_maps[str(NIH / row.image)]
        mask = box_mask([(row.x, row.y, min(row.x + row.w, 224), row.y + row.h, "")], 224, 224)
        hits.append(pointing_hit(heat, mask, config.POINTING_TOLERANCE_PX))
        inside.append(heat_in_box(heat, mask))
    assert summary["films"] == len(boxes) and summary["method"] == "gradcam"
    assert summary["pointing_game"] == pytest.approx(np.mean(hits), abs=1e-9)
    assert summary["heat_in_marks"] == pytest.approx(np.mean(inside), abs=1e-4)
    assert 0 < summary["chance"] < 1


def test_import_refuses_bad_rows_and_imports_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    film = tmp_path / "films" / "a.png"
    film.parent.mkdir()
    from tests.conftest import png_bytes

    film.write_bytes(png_bytes(np.round(synthetic_radiograph(200, 160) * 255).astype(np.uint8)))
    (tmp_path / "outside.png").write_bytes(film.read_bytes())
    rows = [
        "image,finding,x,y,w,h",
        "a.png,Effusion,10,10,40,40",
        "a.png,opacity,NaN,10,40,40",
        "a.png,opacity,-5,10,40,40",
        "a.png,opacity,500,500,40,40",
        "a.png,'; DROP TABLE marks; --,1,1,5,5",
        "missing.png,opacity,1,1,5,5",
        "../outside.png,opacity,1,1,5,5",
    ]
    csv = tmp_path / "bad.csv"
    csv.write_text("\n".join(rows) + "\n")
    result = readings(url, tmp_path, "import", str(csv), "--reader", "R", "--root", str(film.parent))
    assert result.returncode == 1
    for expected in (
        "Row 3: x, y, w and h must be numbers",
        "Row 4: x and y must be ≥ 0",
        "outside the film",
        "is not a finding this tool records",
        "missing.png: no such file",
        "is outside",
        "nothing was imported",
    ):
        assert expected in result.stderr, (expected, result.stderr)
    assert "Traceback" not in result.stderr
    assert "R\t" not in readings(url, tmp_path, "readers").stdout  # nothing half-written
    kept = readings(url, tmp_path, "import", str(csv), "--reader", "R", "--root", str(film.parent), "--skip-bad-rows")
    assert kept.returncode == 0 and "Imported 1 marks on 1 films" in kept.stdout


def test_import_of_a_file_without_the_columns_or_of_100000_rows_is_a_sentence(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    no_columns = tmp_path / "cols.csv"
    no_columns.write_text("image,finding,x,y\na.png,opacity,1,2\n")
    result = readings(url, tmp_path, "import", str(no_columns), "--reader", "R")
    assert result.returncode == 2 and "lacks the column(s) w, h" in result.stderr
    big = tmp_path / "big.csv"
    pd.DataFrame(
        {"image": [f"film{i % 5000}.png" for i in range(100_000)], "finding": "opacity", "x": 1, "y": 1, "w": 5, "h": 5}
    ).to_csv(big, index=False)
    result = readings(url, tmp_path, "import", str(big), "--reader", "R", "--root", str(tmp_path))
    assert result.returncode == 1 and "… and 4,980 more rows refused." in result.stderr
    assert "Traceback" not in result.stderr
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x89PNG\x00\xff\xfe" * 100)
    result = readings(url, tmp_path, "import", str(binary), "--reader", "R")
    assert result.returncode == 2 and "error:" in result.stderr and "Traceback" not in result.stderr


def test_a_wrong_database_url_is_one_sentence_without_its_password(tmp_path):
    result = readings("postgresql+psycopg://u:hunter2@127.0.0.1:1/db", tmp_path, "readers")
    assert result.returncode == 2 and "Cannot reach" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout and "Traceback" not in result.stderr


def test_export_writes_csv_json_and_an_sr_that_references_the_dicom_film(tmp_path):
    import highdicom as hd
    import pydicom

    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    films = tmp_path / "films"
    films.mkdir()
    pixels = np.round(synthetic_radiograph(240, 200) * 4095).astype(np.uint16)

    def study(ds):
        ds.StudyInstanceUID, ds.SeriesInstanceUID = pydicom.uid.generate_uid(), pydicom.uid.generate_uid()
        ds.StudyID, ds.SeriesNumber, ds.InstanceNumber, ds.AccessionNumber = "1", 1, 1, "ACC1"
        ds.StudyDate, ds.StudyTime, ds.ReferringPhysicianName, ds.PatientBirthDate, ds.PatientSex = (
            "20260101",
            "120000",
            "",
            "",
            "O",
        )

    (films / "film.dcm").write_bytes(dicom(pixels, edit=study))
    from tests.conftest import png_bytes

    (films / "film.png").write_bytes(png_bytes((pixels // 16).astype(np.uint8)))
    csv = tmp_path / "r.csv"
    csv.write_text(
        'image,finding,x,y,w,h\nfilm.dcm,effusion,20,30,50,60\nfilm.png,=HYPERLINK("x"),1,1,5,5\n'
        "film.png,nodule,100,100,40,40\n"
    )
    reader = "=cmd|Dr Ünïcødé 🩻"
    assert (
        readings(
            url, tmp_path, "import", str(csv), "--reader", reader, "--root", str(films), "--skip-bad-rows"
        ).returncode
        == 0
    )
    for fmt in ("csv", "json", "sr"):
        result = readings(url, tmp_path, "export", "--reader", reader, "--format", fmt, "--out", str(tmp_path / "out"))
        assert result.returncode == 0, result.stderr
    table = pd.read_csv(next((tmp_path / "out").glob("readings-*.csv")))
    assert set(table["finding"]) == {"Effusion", "Nodule / mass"} and table["reader"].iloc[0] == f"'{reader}"
    as_json = json.loads(next((tmp_path / "out").glob("readings-*.json")).read_text())
    assert {r["reader"] for r in as_json} == {reader}
    srs = sorted((tmp_path / "out").glob("sr-*/*-reading-sr.dcm"))
    assert len(srs) == 2
    film = pydicom.dcmread(films / "film.dcm")
    referenced = {}
    for path in srs:
        report = hd.sr.srread(path)
        group = report.content.get_planar_roi_measurement_groups()[0]
        referenced[group.roi.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID] = (report, group)
        assert (
            str(report.content.get_observer_contexts()[0].observer_identifying_attributes.name) == "cmd|Dr Ünïcødé 🩻^"
        )  # PN separators (= ^) are not name text

    report, group = referenced[film.SOPInstanceUID]  # the DICOM film is referenced as itself
    assert report.StudyInstanceUID == film.StudyInstanceUID and group.finding_type.value == "60046008"
    assert group.roi.GraphicType == "POLYLINE" and group.roi.value[0].tolist() == [20.0, 30.0]
    capture = pydicom.dcmread(next((tmp_path / "out").glob("sr-*/*-film-sc.dcm")))
    assert capture.SOPInstanceUID in referenced  # the PNG film is referenced through its secondary capture
    assert capture.Rows == 240 and capture.Columns == 200
    before = {p.name: pydicom.dcmread(p).SOPInstanceUID for p in srs}
    readings(url, tmp_path, "export", "--reader", reader, "--format", "sr", "--out", str(tmp_path / "out"))
    after = {p.name: pydicom.dcmread(p).SOPInstanceUID for p in (tmp_path / "out").glob("sr-*/*-reading-sr.dcm")}
    assert before == after  # exporting again writes the same objects, not new ones
