"""The reveal of a reader study: every method's map of the film for the chosen model, each judged against the
reader's marks (and NIH's box where one exists) with the Explanation quality page's pointing game."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.evaluation.localisation import peak_hits_film_boxes
from model.readings.scores import score_reading
from model.readings.values import Reading


@dataclass(frozen=True)
class RevealedMap:
    method: str
    title: str
    heatmap: np.ndarray | None
    hits_reader: bool | None  # None: the reading has no marks to point at
    heat_in_marks: float | None
    hits_nih: bool | None  # None: no NIH box on this film


def judge(results: list, reading: Reading, box_table, box_key: str | None) -> list[RevealedMap]:
    """Each analysis (FilmAnalysis, in the requests' order) judged against the reading and the NIH box."""
    judged = []
    for result in results:
        heat = result.heatmap
        score = score_reading(heat, reading) if heat is not None and reading.has_finding else None
        nih = None
        if heat is not None and box_key is not None:
            nih, _finding = peak_hits_film_boxes(heat, box_table, box_key, result.target_class)
        judged.append(
            RevealedMap(
                result.method,
                result.title,
                heat,
                None if score is None else score.hit,
                None if score is None else score.heat_in_marks,
                nih,
            )
        )
    return judged
