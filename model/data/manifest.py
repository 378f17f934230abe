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

IMAGE_SUFFIXES: frozenset[str] = config.FILM_SUFFIXES
MANIFEST_COLUMNS: tuple[str, ...] = ("path", "label", "source", "patient", "age_group", "view")

# Source names say which collection (and so which hospitals) an image comes from.
SOURCE_RADIOGRAPHY = "radiography-db"
SOURCE_PEDIATRIC = "pediatric-guangzhou"
SOURCE_NIH = "nih-chestxray14"
AGE_ADULT = "adult"
AGE_CHILD = "child"
UNKNOWN_VIEW = "unknown"
# What each source's age group is, where the source says so for all its films. Radiography-DB normals are
# adults except the ones that are copies of pediatric films (see `age_groups_from_duplicates`).
SOURCE_AGE_GROUP: dict[str, str] = {SOURCE_RADIOGRAPHY: AGE_ADULT, SOURCE_PEDIATRIC: AGE_CHILD, SOURCE_NIH: AGE_ADULT}
# index.csv labels of the NIH adult folder -> class names.
NIH_LABELS: dict[str, str] = {"normal": config.HEALTHY_CLASS, "pneumonia": config.PNEUMONIA_CLASS}


@dataclass(frozen=True)
class LabelledFolder:
    """A folder of one class inside one public release."""

    relative_dir: str
    label: str
    source: str


def radiography_folders(subdir: str = config.RADIOGRAPHY_SUBDIR) -> list[LabelledFolder]:
    """COVID-19 Radiography Database: `COVID/` and `Normal/` (adult)."""
    return [
        LabelledFolder(f"{subdir}/COVID", config.COVID_CLASS, SOURCE_RADIOGRAPHY),
        LabelledFolder(f"{subdir}/Normal", config.HEALTHY_CLASS, SOURCE_RADIOGRAPHY),
    ]


def pediatric_folders(subdir: str = config.PEDIATRIC_SUBDIR) -> list[LabelledFolder]:
    """Kermany et al. pediatric set: `{train,test}/{NORMAL,PNEUMONIA}` (children 1-5)."""
    return [
        LabelledFolder(f"{subdir}/{part}/{folder}", label, SOURCE_PEDIATRIC)
        for part in ("train", "test")
        for folder, label in (("NORMAL", config.HEALTHY_CLASS), ("PNEUMONIA", config.PNEUMONIA_CLASS))
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


def read_index(directory: Path) -> pd.DataFrame:
    """A dataset folder's `index.csv` (one row per image, `image` relative to the folder); missing is an error."""
    index_path = directory / config.INDEX_FILENAME
    if not index_path.is_file():
        raise FileNotFoundError(
            f"Expected {index_path}: this folder is listed by an index.csv with image,label columns."
        )
    table = pd.read_csv(index_path, dtype=str, keep_default_na=False)
    missing = {"image", "label"} - set(table.columns)
    if missing:
        raise ValueError(f"{index_path} lacks the column(s) {sorted(missing)}.")
    return table


def nih_rows(data_root: Path, subdir: str = config.NIH_ADULT_SUBDIR) -> list[dict[str, str]]:
    """Adult NIH ChestX-ray14 films from their index.csv; the NIH patient id keeps a patient's films together."""
    table = read_index(data_root / subdir)
    rows = []
    for record in table.itertuples():
        if record.label not in NIH_LABELS:
            raise ValueError(f"{subdir}/{config.INDEX_FILENAME}: unknown label {record.label!r} for {record.image}.")
        rows.append(
            {
                "path": f"{subdir}/{record.image}",
                "label": NIH_LABELS[record.label],
                "source": SOURCE_NIH,
                "patient": f"{SOURCE_NIH}:{record.patient}",
                "age_group": AGE_CHILD if record.age and int(record.age) < 18 else AGE_ADULT,
                "view": record.view or UNKNOWN_VIEW,
            }
        )
    return rows


def age_groups_from_duplicates(table: pd.DataFrame) -> pd.Series:
    """A film whose duplicate group holds a child's film is a child's film, whatever folder it sits in.

    The Radiography Database's Normal folder re-publishes pediatric films under other names.
    """
    has_child = table.groupby("duplicate_group")["age_group"].transform(lambda ages: (ages == AGE_CHILD).any())
    return table["age_group"].where(~has_child, AGE_CHILD)


def build_manifest(
    data_root: Path, folders: list[LabelledFolder], extra_rows: list[dict[str, str]] = ()
) -> pd.DataFrame:
    """List every image under the given folders (plus rows read from index files); a missing folder is an error."""
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
                        "age_group": SOURCE_AGE_GROUP.get(folder.source, AGE_ADULT),
                        "view": UNKNOWN_VIEW,
                    }
                )
    rows.extend(extra_rows)
    if not rows:
        raise FileNotFoundError(f"No images found under {data_root}.")
    return pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))


def load_splits(path: Path | None = None) -> pd.DataFrame:
    """The committed split table: path, label, source, patient, age_group, view, duplicate_group, split,
    representative."""
    path = Path(path) if path is not None else config.SPLITS_PATH  # read now: tests may repoint config
    if not path.is_file():
        raise FileNotFoundError(f"Split table {path} is missing; run scripts/prepare_data.py.")
    return pd.read_csv(path, keep_default_na=False, dtype={"view": str})


def origin_of(table: pd.DataFrame) -> pd.Series:
    """Source, with Radiography-DB copies of children's films counted as pediatric."""
    child_copy = (table["source"] == SOURCE_RADIOGRAPHY) & (table["age_group"] == AGE_CHILD)
    return table["source"].where(~child_copy, SOURCE_PEDIATRIC)
