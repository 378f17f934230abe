"""How two readers agree on the films both read: overlap of their marks, hits of one's marks by the other's, and
Cohen's kappa on finding / no finding."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from model import config
from model.readings.scores import marks_mask
from model.readings.values import Reading


def _centre_inside(reading: Reading, other_mask: np.ndarray) -> list[bool]:
    size = other_mask.shape[0]
    sx, sy = size / reading.film.width, size / reading.film.height
    hits = []
    for labelled in reading.marks:
        m = labelled.mark
        col = min(int((m.x0 + m.x1) / 2 * sx), size - 1)
        row = min(int((m.y0 + m.y1) / 2 * sy), size - 1)
        hits.append(bool(other_mask[row, col]))
    return hits


def _kappa(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """Cohen's kappa of two yes/no series (scikit-learn's); None where it is undefined: both readers always said
    the same one thing, so chance agreement is 1."""
    if len(a) == 0 or (len(set(a)) == 1 and set(a) == set(b)):
        return None
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(list(a), list(b)))


def reader_agreement(first: Sequence[Reading], second: Sequence[Reading]) -> dict[str, object]:
    """Agreement of two readers' readings (each a list of one reader's readings) on their common films."""
    by_film = {r.film.sha256: r for r in second}
    pairs = [(r, by_film[r.film.sha256]) for r in first if r.film.sha256 in by_film]
    ious, first_hits, second_hits = [], [], []
    for a, b in pairs:
        if not (a.has_finding and b.has_finding):
            continue
        mask_a = marks_mask(a.marks, a.film.width, a.film.height)
        mask_b = marks_mask(b.marks, b.film.width, b.film.height)
        union = np.logical_or(mask_a, mask_b).sum()
        ious.append(float(np.logical_and(mask_a, mask_b).sum() / union) if union else 0.0)
        first_hits += _centre_inside(a, mask_b)
        second_hits += _centre_inside(b, mask_a)
    return {
        "films_both_read": len(pairs),
        "films_both_marked": len(ious),
        "mean_iou": float(np.mean(ious)) if ious else None,
        "first_marks_hit_by_second": float(np.mean(first_hits)) if first_hits else None,
        "second_marks_hit_by_first": float(np.mean(second_hits)) if second_hits else None,
        "kappa_finding": _kappa([a.has_finding for a, _ in pairs], [b.has_finding for _, b in pairs]),
        "frame_px": config.BOX_FRAME_SIZE,
    }
