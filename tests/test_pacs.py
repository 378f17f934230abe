"""The PACS on a real Orthanc (Debian's orthanc + orthanc-dicomweb, started by the test as its own process): films
stored over STOW are audited with the answers predict.py gives on the same pixels, a MONOCHROME1 twin answers like
its MONOCHROME2 film, non-image and non-chest instances are not answered, results are written back once and read
back with highdicom, and every fault is a sentence without the password."""

from __future__ import annotations

import http.server
import io
import json
import subprocess
import sys
import threading

import numpy as np
import pytest

from model import config
from model.pacs.client import PacsClient
from model.pacs.local_orthanc import local_orthanc, orthanc_missing
from model.pacs.settings import PacsError, PacsSettings
from model.pacs.values import InstanceRef, StudyQuery
from tests.conftest import png_bytes, requires_shipped_model
from tests.test_readings_cli import NIH, requires_nih_boxes

pytestmark = pytest.mark.skipif(orthanc_missing() is not None, reason=orthanc_missing() or "")
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"


def nih_films(count: int = 3):
    return sorted((NIH / "pneumonia").glob("*.png"))[:count]


def _grey(path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path).convert("L"))


def _odd_instances():
    """A CT slice, a film whose header claims 60000×60000 pixels over 32 bytes, a noise picture as CR, and an SR."""
    from model.pacs.demo import film_as_dicom

    ct = film_as_dicom(np.zeros((64, 64), np.uint8), "ct", "ODD-CT")
    ct.SOPClassUID = ct.file_meta.MediaStorageSOPClassUID = CT_IMAGE
    ct.Modality = "CT"
    liar = film_as_dicom(np.zeros((4, 8), np.uint8), "liar", "ODD-LIAR")
    liar.Rows = liar.Columns = 60000
    noise = film_as_dicom(np.random.default_rng(3).integers(0, 256, (256, 256), dtype=np.uint8), "noise", "ODD-NOISE")
    return [ct, liar, noise]


@pytest.fixture(scope="module")
def pacs(tmp_path_factory):
    from model.pacs.demo import film_as_dicom

    folder = tmp_path_factory.mktemp("orthanc")
    with local_orthanc(folder) as running:
        client = PacsClient(PacsSettings(running.url, running.user, running.password))
        films = nih_films()
        for index, path in enumerate(films):
            client.store([film_as_dicom(_grey(path), path.name, f"ACC{index}")])
        client.store([film_as_dicom(_grey(films[0]), films[0].name, "ACC0M1", monochrome1=True)])
        client.store(_odd_instances())
        password_file = folder / "password"
        password_file.write_text(running.password)
        yield running, client, password_file


def audit(pacs, out, *extra: str, password_file=None) -> subprocess.CompletedProcess:
    running, _client, given = pacs
    password_file = password_file or given
    return subprocess.run(
        [
            sys.executable,
            str(config.REPO_ROOT / "scripts" / "audit_archive.py"),
            "--dicomweb",
            running.url,
            "--user",
            running.user,
            "--password-file",
            str(password_file),
            "--since",
            "20000101",
            "--out",
            str(out),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=config.REPO_ROOT,
    )


@pytest.fixture(scope="module")
def audited(pacs, tmp_path_factory):
    out = tmp_path_factory.mktemp("pacs_audit")
    first = audit(pacs, out, "--write-back")
    assert first.returncode == 0, first.stderr[-3000:]
    from model.audit.results import load_audit

    return out, first, load_audit(out)


@requires_nih_boxes
@requires_shipped_model
def test_the_pacs_audit_answers_as_predict_py_on_the_same_pixels(pacs, audited, tmp_path):
    out, _first, rows = audited
    films = nih_films()
    for path in films:
        (tmp_path / path.name).write_bytes(png_bytes(_grey(path)))
    result = subprocess.run(
        [
            sys.executable,
            str(config.REPO_ROOT / "scripts" / "predict.py"),
            *[str(tmp_path / p.name) for p in films],
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=config.REPO_ROOT,
    )
    expected = [json.loads(line) for line in result.stdout.splitlines()]
    _running, client, _pw = pacs
    for index, record in enumerate(expected):
        study = client.studies(StudyQuery(accession=f"ACC{index}"))[0].study_uid
        row = rows[rows["study_uid"] == study].iloc[0]
        assert row["path"].startswith("dicomweb:") and row["sop_uid"] in row["path"] and row["series_uid"]
        assert row["prediction"] == record["prediction"]
        for name, probability in record["probabilities"].items():
            assert abs(row[f"p_{name}"] - probability) <= 1e-3, (name, row[f"p_{name}"], probability)
    twin = client.studies(StudyQuery(accession="ACC0M1"))[0].study_uid
    original = client.studies(StudyQuery(accession="ACC0"))[0].study_uid
    a, b = rows[rows["study_uid"] == twin].iloc[0], rows[rows["study_uid"] == original].iloc[0]
    assert a["prediction"] == b["prediction"]
    assert all(abs(a[f"p_{n}"] - b[f"p_{n}"]) <= 1e-3 for n in config.CLASS_NAMES), "MONOCHROME1 reads as its twin"


@requires_nih_boxes
@requires_shipped_model
def test_non_image_lying_and_non_chest_instances_are_rows_without_an_answer(pacs, audited):
    _out, _first, rows = audited
    _running, client, _pw = pacs

    def row_of(accession: str):
        study = client.studies(StudyQuery(accession=accession))[0].study_uid
        return rows[rows["study_uid"] == study].iloc[0]

    assert "not a radiograph" in row_of("ODD-CT")["error"] and row_of("ODD-CT")["prediction"] == ""
    assert row_of("ODD-LIAR")["error"] and row_of("ODD-LIAR")["prediction"] == ""
    noise = row_of("ODD-NOISE")
    assert noise["prediction"] == "" and "not_a_chest_xray" in noise["warning_codes"]


@requires_nih_boxes
@requires_shipped_model
def test_results_are_in_each_answered_study_name_the_model_and_a_second_write_back_adds_nothing(pacs, audited):
    import highdicom as hd
    import pydicom

    out, first, rows = audited
    _running, client, _pw = pacs
    answered = rows[rows["prediction"] != ""]
    assert len(answered) == 4  # three films and the twin
    from model.registry import resolve

    entry = resolve(None)
    for row in answered.itertuples():
        instances = client.instances(row.study_uid)
        classes = {i.sop_class for i in instances}
        assert "1.2.840.10008.5.1.4.1.1.88.33" in classes and "1.2.840.10008.5.1.4.1.1.7" in classes
        report = next(i for i in instances if i.sop_class == "1.2.840.10008.5.1.4.1.1.88.33")
        sr = hd.sr.srread(io.BytesIO(client.retrieve(report)))
        group = sr.content.get_planar_roi_measurement_groups()[0]
        assert group.roi.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID == row.sop_uid
        texts = {str(e.value) for e in sr.iterall() if e.keyword in ("TextValue", "CodeMeaning")}
        assert f"cxr-why {entry.card.id}" in texts and entry.card.sha256 in texts, "the SR names the model and file"
        capture = next(i for i in instances if i.sop_class == "1.2.840.10008.5.1.4.1.1.7")
        image = pydicom.dcmread(io.BytesIO(client.retrieve(capture)))
        assert image.BurnedInAnnotation == "YES" and image.StudyInstanceUID == row.study_uid
    before = sum(len(client.instances(s)) for s in answered["study_uid"])
    again = audit(pacs, out, "--write-back")
    assert again.returncode == 0 and "0 objects stored" in again.stdout and ", 0 audited" in again.stdout
    assert sum(len(client.instances(s)) for s in answered["study_uid"]) == before


@requires_shipped_model
def test_a_wrong_password_exits_with_one_sentence_and_the_password_appears_nowhere(pacs, tmp_path):
    running, _client, _password_file = pacs
    wrong = tmp_path / "wrong"
    wrong.write_text("not-" + running.password)
    result = audit(pacs, tmp_path / "out", password_file=wrong)
    assert result.returncode == 2 and "refused the sign-in (401)" in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("error:")]) == 1
    for text in (result.stdout, result.stderr):
        assert running.password not in text and "Traceback" not in text


def test_the_password_is_nowhere_in_an_audits_files(pacs, audited):
    running, _client, _pw = pacs
    out, first, _rows = audited
    assert running.password not in first.stdout + first.stderr
    for path in out.rglob("*"):
        if path.is_file():
            assert running.password.encode() not in path.read_bytes(), path
    assert running.password not in repr(PacsSettings(running.url, running.user, running.password))


class _Fake(http.server.BaseHTTPRequestHandler):
    """A server that answers like a broken PACS: an HTML page, a huge body, or a 404."""

    mode = "html"

    def do_GET(self):  # noqa: N802 - the handler's name
        if self.mode == "html":
            body = b"<html><body>Please sign in</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
        elif self.mode == "huge":
            body = b"[" + b" " * 100
            self.send_response(200)
            self.send_header("Content-Type", "application/dicom+json")
            self.send_header("Content-Length", str(10**10))
            self.end_headers()
            self.wfile.write(body)
            return
        else:
            body = b"{}"
            self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


@pytest.mark.parametrize(
    ("mode", "words"),
    [("html", "did not answer with DICOM JSON"), ("huge", "more than the"), ("missing", r"does not have it \(404\)")],
)
def test_a_broken_pacs_is_a_sentence(mode, words):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("Fake", (_Fake,), {"mode": mode}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = PacsClient(PacsSettings(f"http://127.0.0.1:{server.server_address[1]}/dicom-web", "u", "secret-pw"))
    with pytest.raises(PacsError, match=words) as raised:
        if mode == "missing":
            client.retrieve(InstanceRef("1.2", "3.4", "5.6"))
        else:
            client.studies(StudyQuery())
    assert "secret-pw" not in str(raised.value)
    server.shutdown()


def test_a_pacs_that_is_down_is_a_sentence_and_ends_an_audit_as_unavailable(monkeypatch):
    from model.audit.pacs_fetch import PacsUnavailable, _client, fetch_instance

    client = PacsClient(PacsSettings("http://127.0.0.1:9/dicom-web", "u", "pw"))
    with pytest.raises(PacsError, match="Cannot reach"):
        client.check()
    monkeypatch.setenv(config.DICOMWEB_URL_ENV, "http://127.0.0.1:9/dicom-web")
    _client.cache_clear()
    with pytest.raises(PacsUnavailable):
        fetch_instance("dicomweb:1.2/3.4/5.6", "1.2.840.10008.5.1.4.1.1.1")
    _client.cache_clear()


def test_an_instance_deleted_after_listing_is_its_own_row(pacs, monkeypatch):
    """Listed, then gone (deleted through Orthanc's REST API, as DICOMweb has no DELETE): its row says 404."""
    import requests

    from model.audit.decode import decode_one
    from model.pacs.demo import film_as_dicom

    running, client, _pw = pacs
    client.store([film_as_dicom(np.full((64, 64), 90, np.uint8), "gone", "GONE")])
    study = client.studies(StudyQuery(accession="GONE"))[0].study_uid
    ref = client.instances(study)[0]
    found = requests.post(f"{running.rest}/tools/lookup", data=study, auth=(running.user, running.password)).json()
    requests.delete(f"{running.rest}{found[0]['Path']}", auth=(running.user, running.password)).raise_for_status()
    from model.audit.pacs_fetch import _client

    monkeypatch.setenv(config.DICOMWEB_URL_ENV, running.url)
    monkeypatch.setenv(config.DICOMWEB_USER_ENV, running.user)
    monkeypatch.setenv(config.DICOMWEB_PASSWORD_ENV, running.password)
    _client.cache_clear()
    try:
        row = decode_one(ref.key, ref.sop_class)
    finally:
        _client.cache_clear()
    assert "(404)" in row["error"] and row["sop_uid"] == ref.sop_uid


class _Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        import time

        time.sleep(1.5)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args):
        pass


def test_a_slow_pacs_times_out_with_a_sentence(monkeypatch):
    monkeypatch.setattr(config, "DICOMWEB_TIMEOUT_S", (1.0, 0.3))
    monkeypatch.setattr(config, "DICOMWEB_BACKOFF_S", 0.01)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = PacsClient(PacsSettings(f"http://127.0.0.1:{server.server_address[1]}/dicom-web", "u", "pw"))
    with pytest.raises(PacsError, match="did not answer in time"):
        client.studies(StudyQuery())
    server.shutdown()
