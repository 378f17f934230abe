"""Maps judged against a reader's marks, with exactly the Explanation quality page's definitions.

A reader's marks on a film become one mask in the 224-px frame of model.evaluation.localisation (the film stretched
to the frame, as the classifier's input stretches it); a map hits when its peak lies within POINTING_TOLERANCE_PX of
the mask, and its heat in the marks is set against the marks' share of the film (what a uniform map would put
there). Chance for the pointing game is the exact hit rate of a uniformly random point. Films read as 'no finding'
have nothing to point at: they are counted, not scored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from model import config
from model.evaluation.localisation import (
    FilmScore,
    heat_in_box,
    pointing_hit,
    random_point_hit_rate,
    summarise_scores,
)
from model.readings.values import LabelledMark, Reading


def marks_mask(marks: Sequence[LabelledMark], width: int, height: int, size: int = config.BOX_FRAME_SIZE) -> np.ndarray:
    """The union of the marks as a boolean mask in the size-px frame: rectangles filled as boxes_on_film's boxes
    are (outward to whole pixels), ellipses as the pixels whose centres they hold."""
    mask = np.zeros((size, size), dtype=bool)
    sx, sy = size / width, size / height
    rows, cols = np.mgrid[0:size, 0:size] + 0.5
    for labelled in marks:
        m = labelled.mark
        x0, y0, x1, y1 = m.x0 * sx, m.y0 * sy, m.x1 * sx, m.y1 * sy
        if m.shape == "ellipse":  # the pixels whose centres lie inside the ellipse
            a, b = max((x1 - x0) / 2, 1e-6), max((y1 - y0) / 2, 1e-6)
            mask |= ((cols - (x0 + x1) / 2) / a) ** 2 + ((rows - (y0 + y1) / 2) / b) ** 2 <= 1.0
        else:
            mask[max(int(np.floor(y0)), 0) : int(np.ceil(y1)), max(int(np.floor(x0)), 0) : int(np.ceil(x1))] = True
    return mask


@dataclass(frozen=True)
class ReadingScore:
    """One map against one reading's marks."""

    sha256: str
    name: str
    hit: bool
    heat_in_marks: float
    marks_share: float  # what a uniform map puts inside the marks
    chance_hit: float  # the exact hit rate of a uniformly random point

    def as_film_score(self) -> FilmScore:
        return FilmScore(self.hit, self.hit, self.heat_in_marks, self.marks_share)


def score_reading(heatmap: np.ndarray, reading: Reading) -> ReadingScore:
    mask = marks_mask(reading.marks, reading.film.width, reading.film.height)
    tolerance = config.POINTING_TOLERANCE_PX
    return ReadingScore(
        reading.film.sha256,
        reading.film.name,
        pointing_hit(heatmap, mask, tolerance),
        heat_in_box(heatmap, mask),
        float(mask.mean()),
        random_point_hit_rate(mask, tolerance),
    )


def summarise_reader(
    reader: str,
    model_id: str,
    method: str,
    readings: Sequence[Reading],
    maps: Mapping[str, np.ndarray],
) -> dict[str, object]:
    """The score of one reader × model × method: pointing game and heat in the marks against chance.

    `maps` holds each film's map by SHA-256; films read with marks but without a map (unreadable) are counted in
    `films_without_map`. The result's figures are those of summarise_scores (bootstrap intervals included).
    """
    marked = [r for r in readings if r.has_finding]
    scored = [score_reading(maps[r.film.sha256], r) for r in marked if r.film.sha256 in maps]
    summary = summarise_scores([s.as_film_score() for s in scored])
    return {
        "reader": reader,
        "model": model_id,
        "method": method,
        "films": len(scored),
        "films_no_finding": sum(1 for r in readings if not r.has_finding),
        "films_without_map": len(marked) - len(scored),
        "tolerance_px": config.POINTING_TOLERANCE_PX,
        "frame_px": config.BOX_FRAME_SIZE,
        "pointing_game": summary.get("pointing_game"),
        "pointing_game_95": summary.get("pointing_game_95"),
        "chance": float(np.mean([s.chance_hit for s in scored])) if scored else None,
        "heat_in_marks": summary.get("heat_in_box"),
        "heat_in_marks_95": summary.get("heat_in_box_95"),
        "marks_share": summary.get("box_share"),
        "heat_over_chance": summary.get("heat_in_box_over_chance"),
        "per_film": [
            {
                "sha256": s.sha256,
                "name": s.name,
                "hit": s.hit,
                "heat_in_marks": s.heat_in_marks,
                "marks_share": s.marks_share,
            }
            for s in scored
        ],
    }


@dataclass(frozen=True)
class MissedFilm:
    """A film and how many of the scored maps (over readers, models and methods) missed its readers' marks."""

    sha256: str
    name: str
    missed: int
    maps: int


def films_missed_most(rows: Sequence[dict], top: int = config.READER_DISAGREEMENT_FILMS) -> list[MissedFilm]:
    """The films whose readers' marks the maps missed most often (share of misses, then name), from
    summarise_reader rows."""
    misses: dict[str, list[bool]] = {}
    names: dict[str, str] = {}
    for row in rows:
        for film in row["per_film"]:
            misses.setdefault(film["sha256"], []).append(not film["hit"])
            names[film["sha256"]] = film["name"]
    films = [MissedFilm(sha, names[sha], sum(found), len(found)) for sha, found in misses.items()]
    return sorted(films, key=lambda f: (-f.missed / f.maps, f.name))[:top]
