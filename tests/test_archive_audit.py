"""The Ray archive audit on real films: one row per file, bad files as rows, predictions equal to predict.py.

Starts an embedded local Ray (as a user's laptop run does), audits 40 shared films (one of them wrapped as a DICOM
that carries patient tags) plus 3 broken files, then reads the Parquet back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model import config
from model.audit.decode import decode_one
from model.audit.results import load_audit
from model.audit.sources import AuditSourceError, archive_paths
from tests.conftest import real_data_root, requires_real_data, requires_shipped_model
from tests.hostile_corpus import dicom, set_tags

ROOT = Path(__file__).resolve().parents[1]
PATIENT_VALUES = ("Doe^Jane", "SECRET-123", "Jane")


def shared_films(count: int) -> list[Path]:
    """`count` films spread over the shared collections, chosen by sorted path (the same every run)."""
    root = real_data_root()
    films = sorted(p for p in root.rglob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg"})
    films = [p for p in films if "lung_masks" not in p.parts and "masks" not in p.parts]
    step = max(len(films) // count, 1)
    return films[::step][:count]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    from PIL import Image

    folder = tmp_path_factory.mktemp("archive")
    films = shared_films(40)
    for index, film in enumerate(films[:-1]):
        target = folder / f"ward{index % 3}" / f"{index:02d}_{film.name}"
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(film.read_bytes())
    pixels = np.asarray(Image.open(films[-1]).convert("L"), dtype=np.uint16) * 16
    tags = set_tags(Manufacturer="ACME Imaging", ManufacturerModelName="DR-1", ViewPosition="PA")
    (folder / "ward0" / "film.dcm").write_bytes(dicom(pixels, edit=tags))
    (folder / "broken.png").write_text("not an image at all\n")
    (folder / "cut.jpeg").write_bytes(films[0].read_bytes()[:400])
    os.symlink(folder / "gone.dcm", folder / "dangling.dcm")
    return folder


@pytest.fixture(scope="module")
def audit(archive, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("audit")
    command = [sys.executable, str(ROOT / "scripts" / "audit_archive.py"), str(archive), "--out", str(out)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "43 films listed" in finished.stdout
    assert finished.stdout.count("\n") == 1, "one summary line, not Ray's start-up logs"
    assert not finished.stderr.strip(), finished.stderr[-2000:]
    return out


@requires_real_data
@requires_shipped_model
def test_every_file_is_a_row_and_bad_files_carry_their_error(audit):
    table = load_audit(audit)
    assert len(table) == 43
    errors = table[table["error"] != ""]
    assert sorted(Path(p).name for p in errors["path"]) == ["broken.png", "cut.jpeg", "dangling.dcm"]
    assert "text file" in errors.set_index(errors["path"].map(lambda p: Path(p).name)).loc["broken.png", "error"]
    answered = table[(table["error"] == "") & (table["prediction"] != "")]
    assert len(answered) >= 38  # the gate may hold back a film or two; it says so in warning_codes
    assert answered["lung_share_gradcam"].between(0, 1).all()
    thumbnails = audit / config.AUDIT_THUMBNAILS_FOLDER
    assert all((thumbnails / name).is_file() for name in answered["thumbnail_gradcam"])


@requires_real_data
@requires_shipped_model
def test_predictions_equal_predict_py(audit, archive):
    table = load_audit(audit).set_index("path")
    paths = [p for p in table.index if table.loc[p, "error"] == ""]
    command = [sys.executable, str(ROOT / "scripts" / "predict.py"), "--json", *paths]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    records = [json.loads(line) for line in finished.stdout.splitlines() if line.startswith("{")]
    assert len(records) == len(paths)
    for record in records:
        row = table.loc[record["path"]]
        assert (row["prediction"] or None) == record["prediction"], record["path"]
        assert row["warning_codes"].split(";") == [w["code"] for w in record["warnings"]] or (
            row["warning_codes"] == "" and not record["warnings"]
        )
        if record["prediction"] is not None:
            for name, value in record["probabilities"].items():
                assert row[f"p_{name}"] == pytest.approx(value, abs=1e-4), (record["path"], name)


@requires_real_data
@requires_shipped_model
def test_no_patient_tag_reaches_the_output_and_device_fields_do(audit):
    table = load_audit(audit)
    film = table[table["path"].str.endswith("film.dcm")].iloc[0]
    assert (film["manufacturer"], film["device_model"], film["view"]) == ("ACME Imaging", "DR-1", "PA")
    stored = b"".join(p.read_bytes() for p in (audit / config.AUDIT_ROWS_FOLDER).glob("*.parquet"))
    every_value = " ".join(map(str, table.to_numpy().ravel()))
    for value in PATIENT_VALUES:
        assert value.encode() not in stored
        assert value not in every_value


@requires_real_data
@requires_shipped_model
def test_a_rerun_skips_what_is_done(audit, archive):
    command = [sys.executable, str(ROOT / "scripts" / "audit_archive.py"), str(archive), "--out", str(audit)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "43 already audited, 0 audited" in finished.stdout
    assert len(load_audit(audit)) == 43


def test_sources_from_a_folder_and_a_csv(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.png").write_bytes(b"x")
    (tmp_path / "a" / "two.DCM").write_bytes(b"x")
    (tmp_path / "a" / "notes.txt").write_text("skip me")
    listed = archive_paths(tmp_path)
    assert [Path(p).name for p in listed] == ["one.png", "two.DCM"]
    table = tmp_path / "list.csv"
    table.write_text("path,ward\na/one.png,3\n/elsewhere/x.dcm,4\n")
    assert archive_paths(table) == sorted([str((tmp_path / "a" / "one.png").absolute()), "/elsewhere/x.dcm"])
    with pytest.raises(AuditSourceError):
        archive_paths(tmp_path / "missing")


def test_decoding_a_bad_file_gives_an_error_row(tmp_path):
    (tmp_path / "folder.png").mkdir()
    row = decode_one(str(tmp_path / "folder.png"))
    assert row["error"] == "folder.png: is a folder, not a file. Give the image files inside it."
    assert row["model_input"].shape == (config.IMAGE_SIZE, config.IMAGE_SIZE, 1)


@requires_real_data
@requires_shipped_model
def test_an_audit_killed_mid_run_resumes_without_losing_or_doubling_a_row(archive, tmp_path):
    """SIGKILL the whole job once its first rows are written, damage nothing by hand, run it again: every film
    has exactly one row, as in an uninterrupted run."""
    import signal
    import time

    out = tmp_path / "killed"
    command = [
        sys.executable, str(ROOT / "scripts" / "audit_archive.py"), str(archive), "--out", str(out),
        "--batch-size", "4", "--no-thumbnails",
    ]  # fmt: skip
    job = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    rows = out / config.AUDIT_ROWS_FOLDER
    while time.monotonic() < deadline and job.poll() is None and not list(rows.glob("*.parquet")):
        time.sleep(0.2)
    os.killpg(job.pid, signal.SIGKILL)
    job.wait(30)
    written_before = len(load_audit(out)) if list(rows.glob("*.parquet")) else 0
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    table = load_audit(out)
    listed = archive_paths(archive)
    assert sorted(table["path"]) == sorted(listed), "every film has a row after the resume"
    raw = pd.concat([pd.read_parquet(p) for p in rows.glob("*.parquet") if _readable(p)])
    assert raw["path"].duplicated().sum() == 0, "no film was audited twice"
    assert 0 < written_before < len(listed) or job.returncode is not None


def _readable(part: Path) -> bool:
    try:
        pd.read_parquet(part)
    except Exception:
        return False
    return True


@requires_real_data
@requires_shipped_model
def test_a_full_output_disk_is_a_clear_error_and_keeps_the_rows_written(archive, tmp_path):
    """The output folder on a 400 KB file system: the audit fills it, says so in one sentence, and what it wrote
    can still be read (and resumed once space is freed)."""
    disk = tmp_path / "tiny"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)], capture_output=True)
    assert mounted.returncode == 0, f"cannot mount a small tmpfs here (needs root): {mounted.stderr!r}"
    try:
        command = [
            sys.executable, str(ROOT / "scripts" / "audit_archive.py"), str(archive), "--out", str(disk / "audit"),
            "--batch-size", "4",
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert result.returncode == 3, result.stderr[-2000:]
        message = result.stderr.strip().splitlines()[-1]
        assert message.startswith("error: the output disk is full") and "rows written so far are kept" in message
        assert "Traceback" not in result.stderr
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
