"""The maps reader scores judge: one per model file × method × film, computed once and kept under artifacts/.

A film is read again from where the store last saw its bytes and must still hash to its key (a file replaced since
is refused with a sentence, never scored as another film). The map is kept in the 224-px frame of the localisation
checks (to_frame: bilinear, negatives clipped), which is what every score reads; to_frame of such a map is itself,
so a kept map scores exactly as the fresh one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from model import config
from model.evaluation.localisation import to_frame
from model.provenance import sha256_of_bytes
from model.readings.values import FilmRecord


class FilmUnavailable(LookupError):
    """A film's bytes cannot be read again here; the message says why."""


def target_class_for(classes: Sequence[str]) -> str | None:
    """The class the maps explain: READER_SCORE_CLASS where the model has it (the Explanation quality page's
    choice), else None (each film's predicted class)."""
    return config.READER_SCORE_CLASS if config.READER_SCORE_CLASS in classes else None


def read_film(film: FilmRecord) -> bytes:
    """The film's bytes from its recorded path, checked against its SHA-256."""
    from model.image_io import ImageLoadError, read_film_file

    if not film.path:
        raise FilmUnavailable(f"{film.name}: was uploaded, and uploads are not kept; upload it again to score it.")
    try:
        data = read_film_file(film.path)
    except ImageLoadError as error:
        raise FilmUnavailable(str(error)) from None
    if sha256_of_bytes(data) != film.sha256:
        raise FilmUnavailable(f"{film.name}: the file at its path has changed since it was read; it is not scored.")
    return data


class MapCache:
    """Maps of one model file, method and explained class, one .npy per film (written whole or not at all)."""

    def __init__(self, model_id: str, model_sha256: str, method: str, target: str | None, root: Path | None = None):
        tag = (model_sha256 or "nohash")[:16]
        self.folder = (root or config.reader_maps_dir()) / f"{model_id}-{tag}" / method / (target or "predicted")

    def _path(self, sha256: str) -> Path:
        return self.folder / f"{sha256}.npy"

    def get(self, sha256: str) -> np.ndarray | None:
        path = self._path(sha256)
        try:
            heat = np.load(path, allow_pickle=False) if path.is_file() else None
        except (OSError, ValueError):
            return None  # a damaged file is recomputed
        return heat if heat is not None and heat.shape == (config.BOX_FRAME_SIZE,) * 2 else None

    def put(self, sha256: str, heatmap: np.ndarray) -> np.ndarray:
        heat = to_frame(heatmap).astype(np.float32)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".npy.part")
            with os.fdopen(handle, "wb") as out:
                np.save(out, heat)
            os.replace(temporary, self._path(sha256))
        except OSError:
            pass  # a cache that cannot be written costs time, not answers
        return heat


def maps_for_films(
    films: Sequence[FilmRecord],
    cache: MapCache,
    explain: Callable[[list[tuple[FilmRecord, bytes]]], list[np.ndarray | None]],
    batch: int = config.READER_MAPS_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Each film's map (from the cache, else `explain` on batches of (film, bytes)), and a sentence per film that
    could not be scored. `explain` is the caller's door to the model: the CLI's explain_images, the dashboard's
    analysis worker."""
    maps: dict[str, np.ndarray] = {}
    problems: list[str] = []
    waiting: list[tuple[FilmRecord, bytes]] = []

    def flush() -> None:
        for (film, _data), heat in zip(waiting, explain(waiting)):
            if heat is None:
                problems.append(f"{film.name}: the model gave no map for this film.")
            else:
                maps[film.sha256] = cache.put(film.sha256, heat)
        waiting.clear()

    for done, film in enumerate(films, start=1):
        kept = cache.get(film.sha256)
        if kept is not None:
            maps[film.sha256] = kept
        else:
            try:
                waiting.append((film, read_film(film)))
            except FilmUnavailable as error:
                problems.append(str(error))
            if len(waiting) >= batch:
                flush()
        if progress is not None:
            progress(done, len(films))
    if waiting:
        flush()
    return maps, problems


def score_request(model_id: str, classes: Sequence[str], method: str):
    """The analysis every reader score and reveal asks for: `method` on READER_SCORE_CLASS (see target_class_for),
    every film answered (a reader judged it a chest film), without the faithfulness curves."""
    from model.analysis import AnalysisRequest

    return AnalysisRequest(
        method, target_class_for(classes), explain_anyway=True, with_faithfulness=False, model_id=model_id
    )


def explain_with(classifier, method: str, segmenter=None) -> Callable[[list[tuple[FilmRecord, bytes]]], list]:
    """The CLI's door: explain_images on the decoded films, with score_request."""
    from model.analysis import explain_images
    from model.image_io import ImageLoadError, load_image_bytes

    request = score_request(classifier.id, classifier.classes, method)

    def explain(films: list[tuple[FilmRecord, bytes]]) -> list[np.ndarray | None]:
        images, slots = [], []
        for slot, (film, data) in enumerate(films):
            try:
                images.append(load_image_bytes(data, film.name))
                slots.append(slot)
            except ImageLoadError:
                pass
        heatmaps: list[np.ndarray | None] = [None] * len(films)
        if images:
            for slot, result in zip(slots, explain_images(classifier, images, request, segmenter=segmenter)):
                heatmaps[slot] = result.heatmap
        return heatmaps

    return explain
