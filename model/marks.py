"""A reader's mark on a film: a rectangle or an ellipse in the film's own pixels, checked once where it arrives.

The viewer sends marks as JSON from the browser; nothing from there is trusted. `marks_from_browser` turns that
JSON into typed marks clipped to the film, and says in a sentence what it refused and why (a mark outside the film,
one of no size, an unknown shape), so no caller ever holds a mark it could not store or draw.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from model import config

MARK_ID_MAX = 40  # characters of a browser-made mark id kept


@dataclass(frozen=True)
class FilmMark:
    """One mark: `shape` in config.MARK_SHAPES, its bounding box (x0, y0)-(x1, y1) in film pixels, x0 < x1, y0 < y1."""

    mark_id: str
    shape: str
    x0: float
    y0: float
    x1: float
    y1: float

    def to_browser(self) -> dict[str, object]:
        """The mark as the viewer's JavaScript takes it back."""
        return {"id": self.mark_id, "shape": self.shape, "x0": self.x0, "y0": self.y0, "x1": self.x1, "y1": self.y1}

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def marks_from_browser(raw: object, width: int, height: int) -> tuple[tuple[FilmMark, ...], list[str]]:
    """Typed marks from the viewer's JSON list for a film of `width` x `height` pixels, and a sentence per refusal.

    Coordinates are clipped to the film; a mark that lies wholly outside it, has no size once clipped, names an
    unknown shape or is past config.MAX_MARKS_PER_FILM is refused.
    """
    if not isinstance(raw, list):
        return (), ([] if raw is None else ["The viewer sent marks in a form this page does not read; none was taken."])
    marks: list[FilmMark] = []
    problems: list[str] = []
    for index, item in enumerate(raw, start=1):
        if len(marks) >= config.MAX_MARKS_PER_FILM:
            problems.append(f"Only {config.MAX_MARKS_PER_FILM} marks are kept per film; the rest were not taken.")
            break
        if not isinstance(item, dict):
            problems.append(f"Mark {index} is not a mark; it was not taken.")
            continue
        shape = item.get("shape")
        corners = [_number(item.get(key)) for key in ("x0", "y0", "x1", "y1")]
        if shape not in config.MARK_SHAPES:
            problems.append(f"Mark {index} has a shape this viewer does not draw; it was not taken.")
            continue
        if any(value is None for value in corners):
            problems.append(f"Mark {index} has a coordinate that is not a number; it was not taken.")
            continue
        x0, y0, x1, y1 = corners
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        clipped = (max(x0, 0.0), max(y0, 0.0), min(x1, float(width)), min(y1, float(height)))
        if clipped[2] - clipped[0] < config.MIN_MARK_SIDE_PX or clipped[3] - clipped[1] < config.MIN_MARK_SIDE_PX:
            where = "outside the film" if x1 <= 0 or y1 <= 0 or x0 >= width or y0 >= height else "of no size"
            problems.append(f"Mark {index} is {where}; it was not taken.")
            continue
        mark_id = str(item.get("id") or f"m{index}")[:MARK_ID_MAX]
        marks.append(FilmMark(mark_id, shape, *(round(value, 1) for value in clipped)))
    return tuple(marks), problems
