"""Do the methods point at the same place? The overlap of their hottest regions, pair by pair.

Five methods that agree make a map worth reading; five that disagree say the explanation is unstable on this film,
whatever each one looks like alone.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from model import config


def top_region(heatmap: np.ndarray, fraction: float = config.AGREEMENT_TOP_FRACTION) -> np.ndarray:
    """The hottest `fraction` of the map's pixels."""
    threshold = np.quantile(heatmap, 1.0 - fraction)
    return heatmap >= threshold


def pairwise_overlap(maps: dict[str, np.ndarray], fraction: float = config.AGREEMENT_TOP_FRACTION) -> dict[str, float]:
    """Intersection over union of the hottest regions, for every pair of methods ('a / b' -> IoU)."""
    regions = {name: top_region(heat, fraction) for name, heat in maps.items()}
    overlap = {}
    for a, b in combinations(regions, 2):
        union = np.logical_or(regions[a], regions[b]).sum()
        overlap[f"{a} / {b}"] = float(np.logical_and(regions[a], regions[b]).sum() / union) if union else 1.0
    return overlap


def agreement(maps: dict[str, np.ndarray]) -> float:
    """Mean pairwise overlap: 1 = every method marks the same pixels, about 0.05 = as two random maps would."""
    values = list(pairwise_overlap(maps).values())
    return float(np.mean(values)) if values else 1.0


def consensus_region(
    maps: dict[str, np.ndarray], fraction: float = config.AGREEMENT_TOP_FRACTION, quorum: int | None = None
) -> np.ndarray:
    """Pixels that at least `quorum` methods (default: a majority) count among their hottest `fraction`.

    The region compare-all draws: what the methods share, not any one map.
    """
    if not maps:
        raise ValueError("No maps to agree on.")
    quorum = quorum if quorum is not None else len(maps) // 2 + 1
    votes = np.sum([top_region(heat, fraction) for heat in maps.values()], axis=0)
    return votes >= quorum
