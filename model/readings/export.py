"""A reader's readings leave as files: CSV (one row per mark; a 'no finding' film one row without a mark), JSON,
or DICOM SR (sr_export). Text a person typed is written as text; in the CSV, a value that a spreadsheet would run
as a formula (starting with = + - @ or a tab) is prefixed with an apostrophe."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pandas as pd

from model import config
from model.readings.values import Reading

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def reading_json(reading: Reading) -> dict[str, object]:
    return {
        "reader": reading.reader,
        "film_sha256": reading.film.sha256,
        "film": reading.film.name,
        "width": reading.film.width,
        "height": reading.film.height,
        "no_finding": reading.no_finding,
        "version": reading.version,
        "saved_at": reading.saved_at.isoformat() if reading.saved_at else None,
        "marks": [m.to_json() for m in reading.marks],
    }


def readings_table(readings: list[Reading]) -> pd.DataFrame:
    rows = []
    for reading in readings:
        base = {
            "reader": spreadsheet_safe(reading.reader),
            "film_sha256": reading.film.sha256,
            "film": spreadsheet_safe(reading.film.name),
            "no_finding": reading.no_finding,
            "saved_at": reading.saved_at.isoformat() if reading.saved_at else "",
        }
        if not reading.marks:
            rows.append(
                {**base, "finding": "", "shape": "", "x": "", "y": "", "w": "", "h": "", "confidence": "", "note": ""}
            )
        for labelled in reading.marks:
            m = labelled.mark
            rows.append(
                {
                    **base,
                    "finding": config.FINDINGS[labelled.finding][0],
                    "shape": m.shape,
                    "x": m.x0,
                    "y": m.y0,
                    "w": round(m.x1 - m.x0, 1),
                    "h": round(m.y1 - m.y0, 1),
                    "confidence": "" if labelled.confidence is None else labelled.confidence,
                    "note": spreadsheet_safe(labelled.note),
                }
            )
    return pd.DataFrame(rows)


def write_text_whole(path: Path, text: str) -> None:
    """Write a file whole or not at all (a temporary file in the same folder, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def file_stem(reader: str) -> str:
    """A file name part for a reader's name: letters, digits, - and _ only (any name a person types is safe), and
    a short hash of the whole name so two names that read alike here never share a file."""
    kept = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in reader).strip("_")
    return f"{(kept or 'reader')[:32]}-{hashlib.sha256(reader.encode()).hexdigest()[:8]}"
