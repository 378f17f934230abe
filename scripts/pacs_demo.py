"""A local PACS to try the dashboard and the audit on: Debian's Orthanc with DICOMweb, loaded with some of the shared
films as DICOM (a study per film, made-up patients; one MONOCHROME1 twin), running until Ctrl-C.

Usage: python scripts/pacs_demo.py [--films N] [--folder DIR]   (or: bash scripts/dev.sh pacs)
It prints the settings to give the dashboard and scripts/audit_archive.py; the password is in a file (mode 600)
under the folder, never on the screen.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
from pathlib import Path

import numpy as np

from model import config


def demo_films(count: int) -> list[Path]:
    """Films from the shared data: NIH's boxed pneumonia films first, then normal and COVID-19 films."""
    root = config.data_dir()
    groups = [
        sorted((root / config.NIH_ADULT_SUBDIR / "pneumonia").glob("*.png")),
        sorted((root / config.NIH_ADULT_SUBDIR / "normal").glob("*.png")),
        sorted((root / config.RADIOGRAPHY_SUBDIR / "COVID").rglob("*.png")),
    ]
    chosen: list[Path] = []
    while len(chosen) < count and any(groups):
        for group in groups:
            if group and len(chosen) < count:
                chosen.append(group.pop(0))
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--films", type=int, default=12)
    parser.add_argument("--folder", type=Path, default=config.ARTIFACTS_DIR / "pacs_demo")
    args = parser.parse_args()
    from PIL import Image

    from model.pacs.client import PacsClient
    from model.pacs.demo import film_as_dicom
    from model.pacs.local_orthanc import local_orthanc, orthanc_missing
    from model.pacs.settings import PacsSettings

    missing = orthanc_missing()
    if missing:
        print(f"error: {missing}.", file=sys.stderr)
        return 2
    films = demo_films(args.films)
    if not films:
        print(f"error: no films under {config.data_dir()}; the demo loads some of them.", file=sys.stderr)
        return 2
    args.folder.mkdir(parents=True, exist_ok=True)
    password_file = args.folder / "password"
    password_file.write_text(secrets.token_urlsafe(16))
    password_file.chmod(0o600)
    with local_orthanc(args.folder, password_file.read_text()) as pacs:
        client = PacsClient(PacsSettings(pacs.url, pacs.user, pacs.password))
        for index, path in enumerate(films, start=1):
            pixels = np.asarray(Image.open(path).convert("L"))
            client.store([film_as_dicom(pixels, path.name, f"DEMO{index:04d}")])
        first = films[0]
        client.store([film_as_dicom(np.asarray(Image.open(first).convert("L")), first.name, "DEMO0001M1", True)])
        print(
            f"Orthanc (pid {pacs.pid}) holds {len(films) + 1} demo studies (accessions DEMO0001…; DEMO0001M1 is a "
            "MONOCHROME1 twin). Give the dashboard and the audit:"
        )
        print(f"  export {config.DICOMWEB_URL_ENV}={pacs.url}")
        print(f"  export {config.DICOMWEB_USER_ENV}={pacs.user}")
        print(f"  export {config.DICOMWEB_PASSWORD_FILE_ENV}={password_file.absolute()}")
        print("  bash scripts/dev.sh dashboard        # Explain > Film from: PACS")
        print(
            f"  .venv/bin/python scripts/audit_archive.py --dicomweb {pacs.url} --user {pacs.user} "
            f"--password-file {password_file.absolute()} --since 20000101 --write-back --out artifacts/pacs_audit"
        )
        print("Ctrl-C stops it.", flush=True)
        try:
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    sys.exit(main())
