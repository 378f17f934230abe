"""One table of every image: the single truth for training, evaluation, statistics and the UI.

The folder layouts are those of the public releases, so a user's own download
works unchanged. Paths in the table are relative to the data root, so the
committed `assets/splits.csv` holds names and labels only, never pixels.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model import config

IMAGE_SUFFIXES: frozenset[str] = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".dcm"})
MANIFEST_COLUMNS: tuple[str, ...] = ("path", "label", "source", "patient")

# Source names say which collection (and so which hospitals) an image comes from.
SOURCE_RADIOGRAPHY = "radiography-db"
SOURCE_PEDIATRIC = "pediatric-guangzhou"


@dataclass(frozen=True)
class LabelledFolder:
    """A folder of one class inside one public release."""

    relative_dir: str
    label: str
    source: str


def radiography_folders(subdir: str = config.RADIOGRAPHY_SUBDIR) -> list[LabelledFolder]:
    """COVID-19 Radiography Database: `COVID/` and `Normal/` (adult)."""
    return [
        LabelledFolder(f"{subdir}/COVID", "COVID-19", SOURCE_RADIOGRAPHY),
        LabelledFolder(f"{subdir}/Normal", "Normal", SOURCE_RADIOGRAPHY),
    ]


def pediatric_folders(subdir: str = config.PEDIATRIC_SUBDIR) -> list[LabelledFolder]:
    """Kermany et al. pediatric set: `{train,test}/{NORMAL,PNEUMONIA}` (children 1-5)."""
    return [
        LabelledFolder(f"{subdir}/{part}/{folder}", label, SOURCE_PEDIATRIC)
        for part in ("train", "test")
        for folder, label in (("NORMAL", "Normal"), ("PNEUMONIA", "Pneumonia"))
    ]


_PEDIATRIC_PATIENT = re.compile(r"^(?:person(\d+)_|(?:NORMAL2-)?IM-(\d+)-)")


def patient_key(source: str, filename: str) -> str:
    """A patient identifier where the file name implies one, else the file itself.

    The pediatric set names files `person123_bacteria_45.jpeg` or `IM-0115-0001.jpeg`:
    several images of one child must never straddle train and test.
    """
    if source == SOURCE_PEDIATRIC:
        match = _PEDIATRIC_PATIENT.match(filename)
        if match:
            return f"{source}:{'p' if match.group(1) else 'im'}{match.group(1) or match.group(2)}"
    return f"{source}:{filename}"


def build_manifest(data_root: Path, folders: list[LabelledFolder]) -> pd.DataFrame:
    """List every image under the given folders; a missing folder is an error, not a silent gap."""
    rows: list[dict[str, str]] = []
    for folder in folders:
        directory = data_root / folder.relative_dir
        if not directory.is_dir():
            raise FileNotFoundError(f"Expected image folder {directory} is missing.")
        for path in sorted(directory.iterdir()):
            if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                rows.append(
                    {
                        "path": path.relative_to(data_root).as_posix(),
                        "label": folder.label,
                        "source": folder.source,
                        "patient": patient_key(folder.source, path.name),
                    }
                )
    if not rows:
        raise FileNotFoundError(f"No images found under {data_root}.")
    return pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))


def load_splits(path: Path = config.SPLITS_PATH) -> pd.DataFrame:
    """The committed split table (path, label, source, patient, duplicate_group, split, representative)."""
    if not path.is_file():
        raise FileNotFoundError(f"Split table {path} is missing; run scripts/prepare_data.py.")
    return pd.read_csv(path)
