"""A department's readings from a CSV (columns image, finding, x, y, w, h in film pixels), checked whole before a
single row is stored: the store then writes all of them in one transaction, or, when any row is refused, nothing.

Films are read from `root` only (an `image` that climbs out of it is refused), hashed to their key and measured;
every refusal is a sentence naming the row.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from model import config
from model.marks import marks_from_browser
from model.provenance import sha256_of_bytes
from model.readings.values import FilmRecord, LabelledMark, ReadingInputError, finding_id

SHOWN_PROBLEMS = 20  # sentences listed one by one; the rest are counted


@dataclass
class ImportPlan:
    """What an import would store (film -> marks), and why rows were refused."""

    readings: list[tuple[FilmRecord, tuple[LabelledMark, ...]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rows: int = 0

    def summary(self) -> str:
        shown = self.problems[:SHOWN_PROBLEMS]
        more = len(self.problems) - len(shown)
        return "\n".join(shown + ([f"… and {more:,} more rows refused."] if more > 0 else []))


def read_table(path: Path, columns: tuple[str, ...] = config.READINGS_CSV_COLUMNS) -> pd.DataFrame:
    """The CSV as text columns, `columns` checked; raises ReadingInputError with the sentence."""
    try:
        table = pd.read_csv(
            path, dtype=str, keep_default_na=False, nrows=config.READINGS_IMPORT_MAX_ROWS + 1, encoding="utf-8"
        )
    except FileNotFoundError:
        raise ReadingInputError(f"{path.name}: no such file.") from None
    except IsADirectoryError:
        raise ReadingInputError(f"{path.name}: is a folder; give the CSV file.") from None
    except pd.errors.EmptyDataError:
        raise ReadingInputError(f"{path.name}: is empty; it needs a header row and one row per box.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        raise ReadingInputError(
            f"{path.name}: is not a UTF-8 CSV file this tool reads ({type(error).__name__})."
        ) from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ReadingInputError(
            f"{path.name}: lacks the column(s) {', '.join(missing)}; the columns are {', '.join(columns)}"
            + (" (x, y, w, h in film pixels)." if "x" in columns else ".")
        )
    if len(table) > config.READINGS_IMPORT_MAX_ROWS:
        raise ReadingInputError(
            f"{path.name}: has more than {config.READINGS_IMPORT_MAX_ROWS:,} rows; split it into smaller files."
        )
    return table


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def film_under(root: Path, image: str) -> FilmRecord:
    """The film `image` under `root`: its key, size and path; raises ReadingInputError with why not."""
    from model.image_io import ImageLoadError, load_image_bytes, read_film_file

    path = (root / image).resolve()
    if not path.is_relative_to(root):
        raise ReadingInputError(f"'{image[:80]}' is outside {root}; films are read from inside it only.")
    try:
        data = read_film_file(path)
        width, height = load_image_bytes(data, path.name).size
    except ImageLoadError as error:
        raise ReadingInputError(str(error)) from None
    return FilmRecord(sha256_of_bytes(data), width, height, image, str(path))


def plan_import(csv_path: Path, root: Path) -> ImportPlan:
    """Every row checked and grouped by film; films read once each."""
    table = read_table(csv_path)
    root = root.resolve()
    plan = ImportPlan(rows=len(table))
    rows_of: dict[str, list[tuple[int, dict]]] = defaultdict(list)  # an empty list: read as 'no finding'
    for number, row in enumerate(table.to_dict("records"), start=2):  # row 1 is the header
        image = row["image"].strip()
        values = [_number(row[c]) for c in ("x", "y", "w", "h")]
        if not image:
            plan.problems.append(f"Row {number}: has no image.")
            continue
        if row["finding"].strip().lower() in config.NO_FINDING_WORDS:
            rows_of.setdefault(image, [])  # the film is read, with no marks: an explicit "no finding"
            continue
        if any(v is None for v in values):
            plan.problems.append(f"Row {number}: x, y, w and h must be numbers (one is empty, text or NaN).")
            continue
        x, y, w, h = values
        if x < 0 or y < 0 or w <= 0 or h <= 0:
            plan.problems.append(f"Row {number}: x and y must be ≥ 0 and w, h > 0 (film pixels).")
            continue
        try:
            finding = finding_id(row["finding"])
        except ReadingInputError as error:
            plan.problems.append(f"Row {number}: {error}")
            continue
        rows_of[image].append(
            (
                number,
                {"id": f"r{number}", "shape": "rect", "x0": x, "y0": y, "x1": x + w, "y1": y + h, "finding": finding},
            )
        )
    for image, rows in rows_of.items():
        try:
            film = film_under(root, image)
        except ReadingInputError as error:
            first = f"Row {rows[0][0]}{' and others' if len(rows) > 1 else ''}" if rows else image[:80]
            plan.problems.append(f"{first}: {error}")
            continue
        marks, refused = marks_from_browser([raw for _, raw in rows], film.width, film.height)
        plan.problems.extend(f"{image}: {sentence.replace('Mark ', 'box ', 1)}" for sentence in refused)
        if rows and not marks:
            continue  # every box refused: not a 'no finding' reading
        finding_of = {raw["id"]: raw["finding"] for _, raw in rows}
        plan.readings.append((film, tuple(LabelledMark(m, finding_of[m.mark_id], None) for m in marks)))
    return plan
