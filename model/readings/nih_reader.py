"""NIH's radiologists' boxes (boxes.csv) as a read-only reader, and their films as the shipped worklist.

Loaded into the store once (again only when the number of boxed films changed): the boxes become rectangles in
each film's own pixels (boxes.csv holds them in the 224-px frame, stretched to the film as the classifier's input
is), their findings mapped to this tool's list (config.FINDING_ALIASES), with no confidence (the source gives none).
"""

from __future__ import annotations

import struct
from pathlib import Path

from model import config
from model.evaluation.localisation import boxes_on_film, load_box_table
from model.marks import FilmMark
from model.provenance import sha256_of_bytes
from model.readings.store import ReadingStore
from model.readings.values import FilmRecord, LabelledMark, ReadingInputError, finding_id

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's header chunk, without decoding a pixel (the page server decodes nothing)."""
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return (width, height) if width > 0 and height > 0 else None


def nih_readings(nih_dir: Path) -> list[tuple[FilmRecord, tuple[LabelledMark, ...]]]:
    """Each boxed film that is present, with its boxes as marks (films not PNG or missing are left out)."""
    table = load_box_table(nih_dir)
    readings = []
    for image in sorted(table["image"].unique()):
        path = nih_dir / str(image)
        if not path.is_file():
            continue
        data = path.read_bytes()
        size = png_size(data)
        if size is None:
            continue
        width, height = size
        marks = []
        for index, (x0, y0, x1, y1, finding) in enumerate(boxes_on_film(table, image, height, width), start=1):
            try:
                found = finding_id(finding)
            except ReadingInputError:
                found = "other"
            box = (max(x0, 0.0), max(y0, 0.0), min(x1, float(width)), min(y1, float(height)))
            marks.append(LabelledMark(FilmMark(f"nih{index}", "rect", *(round(v, 1) for v in box)), found, None))
        film = FilmRecord(sha256_of_bytes(data), width, height, f"{config.NIH_ADULT_SUBDIR}/{image}", str(path))
        readings.append((film, tuple(marks)))
    return readings


def preload_nih(store: ReadingStore, nih_dir: Path | None = None) -> int:
    """Put NIH's boxes into the store as the read-only reader and its films as a worklist; returns the films.
    Idempotent: nothing is written when the reader already holds as many films as boxes.csv has present."""
    nih_dir = nih_dir or config.data_dir() / config.NIH_ADULT_SUBDIR
    readings = nih_readings(nih_dir)
    if not readings:
        return 0
    held = {r.name: r.films_read for r in store.readers()}
    worklists = {w.name: w.films for w in store.worklists()}
    if held.get(config.NIH_READER_NAME) == len(readings) and worklists.get(config.NIH_WORKLIST_NAME) == len(readings):
        return len(readings)
    store.ensure_reader(config.NIH_READER_NAME, read_only=True)
    store.save_many(config.NIH_READER_NAME, readings, allow_read_only=True)
    store.save_worklist(config.NIH_WORKLIST_NAME, [film for film, _ in readings])
    return len(readings)
