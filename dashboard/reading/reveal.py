"""The reveal of a reader study: every method's map of the film for the chosen model, each judged against the
reader's marks (and NIH's box where one exists) with the Explanation quality page's pointing game."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.analysis import AnalysisRequest
from model.evaluation.localisation import peak_hits_film_boxes
from model.explain import METHODS
from model.readings.reader_maps import target_class_for
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


def reveal_requests(model_id: str, classes: tuple[str, ...], methods: list[str]) -> list[AnalysisRequest]:
    """One request per method, on READER_SCORE_CLASS where the model has it, every film answered, no curves."""
    target = target_class_for(classes)
    return [
        AnalysisRequest(method, target, None, explain_anyway=True, with_faithfulness=False, model_id=model_id)
        for method in methods
    ]


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


def method_label(method: str) -> str:
    return METHODS[method].label if method in METHODS else method
