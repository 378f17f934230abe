"""Which films an audit covers: a folder searched recursively, or a CSV that lists them."""

from __future__ import annotations

import csv
from pathlib import Path

from model import config


class AuditSourceError(ValueError):
    """The audit cannot start: its source is neither a folder nor a CSV of paths, or the model is missing."""


def archive_paths(source: Path) -> list[str]:
    """Absolute paths of the films to audit, sorted, each once.

    A folder: every file below it whose suffix is an image or DICOM suffix (config.ARCHIVE_SUFFIXES), and files
    without a suffix (archives often store DICOM that way). A CSV: the column `path` (or the first column); relative
    paths are read against the CSV's folder. Listed files that do not exist stay in: they become error rows.
    """
    source = Path(source)
    if source.is_dir():
        found = (
            p
            for p in source.rglob("*")
            if not p.name.startswith(".")
            and (p.is_file() or p.is_symlink())
            and (p.suffix.lower() in config.ARCHIVE_SUFFIXES or p.suffix == "")
        )
        return sorted({str(p.absolute()) for p in found})
    if source.is_file() and source.suffix.lower() == ".csv":
        return sorted(set(_paths_from_csv(source)))
    raise AuditSourceError(f"{source}: not a folder or a .csv file listing films.")


def _paths_from_csv(table: Path) -> list[str]:
    with table.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise AuditSourceError(f"{table}: the CSV is empty.")
    header = [cell.strip().lower() for cell in rows[0]]
    column = header.index("path") if "path" in header else 0
    body = rows[1:] if "path" in header else rows
    paths = []
    for row in body:
        if len(row) > column and row[column].strip():
            path = Path(row[column].strip())
            paths.append(str((path if path.is_absolute() else table.parent / path).absolute()))
    return paths
