"""Maps for reader scores, computed by the analysis worker every session shares (films decoded in its sandbox,
never in the page server) and kept on disk by model file, method and film (model.readings.reader_maps)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
import streamlit as st

from dashboard.state import analyse, prefetch
from model.explain.catalog import label_of
from model.readings.reader_maps import MapCache, maps_for_films, score_request, target_class_for
from model.readings.scores import summarise_reader
from model.readings.values import FilmRecord


def reader_maps(
    films: Sequence[FilmRecord],
    card: dict,
    method: str,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Each film's map of `method` by the model `card` describes, and a sentence per film not scored."""
    classes = tuple(card.get("classes", ()))
    request = score_request(card["id"], classes, method)
    cache = MapCache(card["id"], card.get("sha256", ""), method, target_class_for(classes))

    def explain(batch: list[tuple[FilmRecord, bytes]]) -> list[np.ndarray | None]:
        for film, data in batch:  # all queued before any is awaited: the worker batches them
            prefetch(data, film.name, [request], background=False)
        return [analyse(data, film.name, request).heatmap for film, data in batch]

    return maps_for_films(films, cache, explain, progress=progress)


def score_all(readings_by_reader: dict[str, list], model_ids: list[str], methods: list[str], cards: dict) -> dict:
    """Every reader × model × method scored (summarise_reader rows), with a progress bar on the page; maps of the
    films any chosen reader marked, each computed once."""
    films = {r.film.sha256: r.film for rs in readings_by_reader.values() for r in rs if r.has_finding}
    rows, problems = [], set()
    bar = st.progress(0.0, text="Computing maps…")
    jobs = list(itertools.product(model_ids, methods))
    for index, (model_id, method) in enumerate(jobs):
        what = f"{label_of(method)} · {cards[model_id].get('display_name', model_id)}"

        def progress(done: int, total: int, index: int = index, what: str = what) -> None:
            bar.progress((index + done / max(total, 1)) / len(jobs), text=f"{what}: film {done} of {total}")

        maps, failed = reader_maps(list(films.values()), cards[model_id], method, progress)
        problems.update(failed)
        for name, readings in readings_by_reader.items():
            rows.append({**summarise_reader(name, model_id, method, readings, maps), "method_label": label_of(method)})
    bar.empty()
    return {"rows": rows, "problems": sorted(problems)}
