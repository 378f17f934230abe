"""Fingerprints: of files (pinning a metrics file to the model and split it describes), of a film's bytes (its key in
the film cache, the readings database and an audit's rows), and the DICOM UIDs derived from such keys, so the same
result is always the same DICOM object."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=16)
def _cached_sha256(path: str, size: int, mtime_ns: int) -> str:
    return sha256_of(Path(path))


def cached_sha256(path: Path) -> str:
    """The hash, computed once per (path, size, modification time): pages that check provenance on every rerun
    do not re-read a 4 MB model each time."""
    stat = Path(path).stat()
    return _cached_sha256(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


def sha256_of_bytes(data: bytes) -> str:
    """A film's key: the SHA-256 of its bytes, the same film whether uploaded, read from disk or fetched."""
    return hashlib.sha256(data).hexdigest()


def derived_uid(*parts: str) -> str:
    """A DICOM UID determined by `parts` (pydicom's derived-UID root), so writing the same object twice gives it
    the same UID."""
    from pydicom.uid import generate_uid

    from model import config

    return generate_uid(prefix=config.DERIVED_UID_ROOT, entropy_srcs=[config.SOFTWARE_NAME, *parts])
