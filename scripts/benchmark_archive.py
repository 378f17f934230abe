"""Archive-audit throughput: a one-process loop against the Ray Data job with 1 and 2 workers, same films.

Usage: python scripts/benchmark_archive.py [--films 1000] [--batch-size 32] [--json]
Every variant does the same work per film (read, hash, decode, screen, classify, Grad-CAM, lung share, thumbnail)
on the same films from the shared data, into a fresh output folder. Ray starts once, before the timings (as a
cluster would already be running); the Ray figures include each job's actors loading the models.
Then 3000x2500 films made here (a 12-bit DICOM, a 16-bit PNG): the decode to the dashboard's and to the audit's
working size (full_size_decode_ms_*), and the audit loop's rate over full-size DICOMs (full_size_films_per_s).
--json prints one object: loop_films_per_s, ray1_films_per_s, ray2_films_per_s, the full-size figures (and the film
count and CPUs). --full-size-only measures only the full-size figures.
--pacs-only: the same films as DICOM, audited (Ray, one worker) from a folder and from a local Orthanc over
DICOMweb, in one run: folder_dicom_films_per_s, pacs_films_per_s and their ratio (the PACS's goal: at least 0.8).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from model import config
from model.audit.sources import archive_paths


def film_list(count: int, folder: Path) -> Path:
    """A CSV naming `count` shared films, spread over the collections (sorted, every n-th)."""
    films = [p for p in archive_paths(config.data_dir()) if "masks" not in p]  # lung_masks/ holds masks, not films
    step = max(len(films) // count, 1)
    chosen = films[::step][:count]
    table = folder / "films.csv"
    table.write_text("path\n" + "\n".join(chosen) + "\n")
    return table


def loop_films_per_s(table: Path, out: Path, batch_size: int) -> float:
    """predict.py-style: one process reads, decodes and audits the films batch by batch."""
    from model.audit.auditor import FilmAuditor
    from model.audit.decode import decode_batch

    paths = archive_paths(table)
    started = time.perf_counter()
    auditor = FilmAuditor(thumbnails=str(out / "thumbnails"))
    for start in range(0, len(paths), batch_size):
        auditor.audit(decode_batch({"path": np.array(paths[start : start + batch_size])}))
    return len(paths) / (time.perf_counter() - started)


def ray_films_per_s(table: Path, out: Path, workers: int, batch_size: int) -> float:
    from model.audit.job import run_audit

    return run_audit(table, out, workers=workers, batch_size=batch_size).films_per_second


def full_size_films() -> dict[str, bytes]:
    """A 3000x2500 12-bit DICOM and a 3000x2500 16-bit PNG, made here (what a modern detector writes)."""
    import io

    import pydicom
    from PIL import Image
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    from model.synthetic import synthetic_radiograph

    film = synthetic_radiograph(3000, 2500, seed=7)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = SecondaryCaptureImageStorage, generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("film.dcm", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.Modality, ds.Rows, ds.Columns, ds.SamplesPerPixel = "DX", 3000, 2500, 1
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.PixelData = np.round(film * 4095).astype(np.uint16).tobytes()
    dicom = io.BytesIO()
    pydicom.dcmwrite(dicom, ds, enforce_file_format=True)
    png = io.BytesIO()
    Image.fromarray(np.round(film * 65535).astype(np.uint16)).save(png, format="PNG")
    return {"dicom": dicom.getvalue(), "png16": png.getvalue()}


def full_size_decode_ms(repeats: int = 7) -> dict[str, float]:
    """Per film, decode to what the next step reads: the viewer's size (the dashboard) and the audit's size."""
    import statistics

    from model.gate.features import prepare_film
    from model.image_io import load_image_bytes

    report = {}
    for kind, data in full_size_films().items():
        name = "film.dcm" if kind == "dicom" else "film.png"
        for label, side in (("dashboard", config.MAX_WORKING_SIDE), ("audit", config.AUDIT_WORKING_SIDE)):
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                prepare_film(load_image_bytes(data, name, side))
                times.append(time.perf_counter() - started)
            report[f"full_size_decode_ms_{kind}_{label}"] = round(statistics.median(times) * 1000, 1)
    return report


def full_size_films_per_s(count: int = 16) -> float:
    """The one-process audit loop over `count` full-size DICOM films (decode, hash, screen, classify, Grad-CAM)."""
    from model.audit.auditor import FilmAuditor
    from model.audit.decode import decode_batch

    with tempfile.TemporaryDirectory() as folder:
        data = full_size_films()["dicom"]
        paths = [Path(folder) / f"film{i}.dcm" for i in range(count)]
        for path in paths:
            path.write_bytes(data)
        auditor = FilmAuditor(thumbnails=None)
        auditor.audit(decode_batch({"path": np.array([str(paths[0])])}))  # models loaded and traced first
        started = time.perf_counter()
        for start in range(0, count, 8):
            auditor.audit(decode_batch({"path": np.array([str(p) for p in paths[start : start + 8]])}))
        return count / (time.perf_counter() - started)


def pacs_against_folder(count: int, batch_size: int) -> dict[str, object]:
    """Ray audits of the same DICOM films from a folder and from Orthanc (stored once, fetched over WADO-RS)."""
    from PIL import Image

    from model.audit.job import run_audit, start_ray
    from model.audit.pacs_fetch import PacsSource
    from model.pacs.client import PacsClient
    from model.pacs.demo import film_as_dicom
    from model.pacs.local_orthanc import local_orthanc
    from model.pacs.settings import PacsSettings

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        films = archive_paths(film_list(count, scratch))
        folder = scratch / "dicom"
        folder.mkdir()
        with local_orthanc(scratch / "orthanc") as pacs:
            settings = PacsSettings(pacs.url, pacs.user, pacs.password)
            client = PacsClient(settings)
            for index, path in enumerate(films):
                dataset = film_as_dicom(np.asarray(Image.open(path).convert("L")), Path(path).name, f"B{index:05d}")
                dataset.save_as(folder / f"{index:05d}.dcm", enforce_file_format=True)
                client.store([dataset])
            start_ray(None, 1)
            folder_run = run_audit(folder, scratch / "out_folder", workers=1, batch_size=batch_size)
            pacs_run = run_audit(PacsSource(settings), scratch / "out_pacs", workers=1, batch_size=batch_size)
    return {
        "films": len(films),
        "cpus": os.cpu_count(),
        "folder_dicom_films_per_s": round(folder_run.films_per_second, 2),
        "pacs_films_per_s": round(pacs_run.films_per_second, 2),
        "pacs_over_folder": round(pacs_run.films_per_second / max(folder_run.films_per_second, 1e-9), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--films", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=config.AUDIT_BATCH_SIZE)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-loop", action="store_true")
    parser.add_argument("--full-size-only", action="store_true", help="only the 3000x2500 decode and audit figures")
    parser.add_argument("--pacs-only", action="store_true", help="only the folder-against-PACS audit figures")
    args = parser.parse_args()
    if args.pacs_only:
        report = pacs_against_folder(args.films, args.batch_size)
        print(json.dumps(report) if args.json else "\n".join(f"{k:28s} {v}" for k, v in report.items()))
        return
    if args.full_size_only:
        report = {**full_size_decode_ms(), "full_size_films_per_s": round(full_size_films_per_s(), 2)}
        print(json.dumps(report) if args.json else "\n".join(f"{k:40s} {v}" for k, v in report.items()))
        return
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        table = film_list(args.films, scratch)
        report: dict[str, object] = {"films": len(archive_paths(table)), "cpus": os.cpu_count()}
        if not args.skip_loop:
            report["loop_films_per_s"] = round(loop_films_per_s(table, scratch / "loop", args.batch_size), 1)
        import ray

        from model.audit.job import start_ray

        start_ray(None, 2)
        for workers in (1, 2):
            rate = ray_films_per_s(table, scratch / f"ray{workers}", workers, args.batch_size)
            report[f"ray{workers}_films_per_s"] = round(rate, 1)
        ray.shutdown()
    report.update(full_size_decode_ms())
    report["full_size_films_per_s"] = round(full_size_films_per_s(), 2)
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:20s} {value}")


if __name__ == "__main__":
    main()
