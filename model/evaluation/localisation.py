"""Heatmaps judged against radiologists: the pointing game and the share of heat inside their boxes.

The standard checks of a saliency map against expert localisation (CheXlocalize, Saporta et al., Nat Mach Intell
2022): is the map's peak inside a box drawn by a radiologist (with a few pixels' tolerance), and how much of the
map's mass falls inside the boxes compared with the boxes' share of the film (what a uniform map would give).
Everything is measured in the boxes' own pixel frame (NIH's 1024-px boxes scaled to the 224-px films), whatever
the resolution the model works at, so figures do not depend on the network's input size.

The boxes are evaluation data only: nothing in training or model selection reads this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from model import config


@dataclass(frozen=True)
class FilmBoxes:
    """One film's radiologist boxes for one finding, as a boolean mask in the boxes' frame."""

    image: str  # path relative to the NIH folder, as boxes.csv names it
    finding: str
    mask: np.ndarray  # (BOX_FRAME_SIZE, BOX_FRAME_SIZE) bool

    @property
    def share_of_film(self) -> float:
        return float(self.mask.mean())


def load_box_table(nih_dir: Path) -> pd.DataFrame:
    """boxes.csv as it is (image, finding, x, y, w, h in the 224-px frame); empty where the file is absent."""
    path = nih_dir / config.BOXES_FILENAME
    if not path.is_file():
        return pd.DataFrame(columns=["image", "finding", "x", "y", "w", "h"])
    return pd.read_csv(path)


def boxes_on_film(
    table: pd.DataFrame, image: str, height: int, width: int
) -> list[tuple[float, float, float, float, str]]:
    """A film's boxes as (x0, y0, x1, y1, finding) in its own pixels: the 224-px frame stretched to the film, as the
    classifier's input stretches it."""
    rows = table[table["image"] == image]
    sx, sy = width / config.BOX_FRAME_SIZE, height / config.BOX_FRAME_SIZE
    return [(r.x * sx, r.y * sy, (r.x + r.w) * sx, (r.y + r.h) * sy, str(r.finding)) for r in rows.itertuples()]


def box_mask(boxes: list[tuple[float, float, float, float, str]], height: int, width: int) -> np.ndarray:
    """Boolean mask of (x0, y0, x1, y1, finding) boxes at the given size."""
    mask = np.zeros((height, width), dtype=bool)
    for x0, y0, x1, y1, _ in boxes:
        mask[max(int(np.floor(y0)), 0) : int(np.ceil(y1)), max(int(np.floor(x0)), 0) : int(np.ceil(x1))] = True
    return mask


def box_image_for(table: pd.DataFrame, name: str) -> str | None:
    """The film's name in boxes.csv: a dataset path (nih_adult/...) directly, any other name (an upload) by its file
    name; None when no radiologist boxed it."""
    prefix = f"{config.NIH_ADULT_SUBDIR}/"
    if name.startswith(prefix):
        image = name[len(prefix) :]
        return image if (table["image"] == image).any() else None
    base = name.rsplit("/", 1)[-1]
    matches = [image for image in table["image"].unique() if image.rsplit("/", 1)[-1] == base]
    return matches[0] if matches else None


def peak_hits_film_boxes(heatmap: np.ndarray, table: pd.DataFrame, image: str, finding: str) -> tuple[bool, str]:
    """Does the map's peak hit this film's box of `finding` (any box of the film if it has none of that finding)?
    Returns the answer and the finding judged."""
    size = config.BOX_FRAME_SIZE
    boxes = boxes_on_film(table, image, size, size)
    chosen = [b for b in boxes if b[4] == finding] or boxes
    return pointing_hit(heatmap, box_mask(chosen, size, size), config.POINTING_TOLERANCE_PX), chosen[0][4]


def load_boxes(nih_dir: Path, finding: str = config.BOX_FINDING) -> list[FilmBoxes]:
    """Every film of `boxes.csv` with at least one box of `finding`; several boxes on a film are united."""
    table = load_box_table(nih_dir)
    table = table[table["finding"] == finding]
    size = config.BOX_FRAME_SIZE
    return [
        FilmBoxes(str(image), finding, box_mask(boxes_on_film(table, image, size, size), size, size))
        for image in sorted(table["image"].unique())
    ]


def to_frame(heatmap: np.ndarray, size: int = config.BOX_FRAME_SIZE) -> np.ndarray:
    """A map at any resolution -> the boxes' frame (bilinear), negatives clipped: heat is never negative mass."""
    heat = np.asarray(heatmap, dtype=np.float32)
    if heat.shape != (size, size):
        heat = cv2.resize(heat, (size, size), interpolation=cv2.INTER_LINEAR)
    return np.maximum(heat, 0.0)


def near_box(mask: np.ndarray, tolerance_px: float) -> np.ndarray:
    """Pixels inside the box or within `tolerance_px` of it (Euclidean)."""
    if tolerance_px <= 0:
        return mask
    distance = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 5)
    return distance <= tolerance_px


def pointing_hit(heatmap: np.ndarray, mask: np.ndarray, tolerance_px: float) -> bool:
    """Is the map's peak inside the boxes, or within `tolerance_px` of them? A map with no heat never hits."""
    heat = to_frame(heatmap, mask.shape[0])
    if float(heat.max()) <= 0.0:
        return False
    row, col = np.unravel_index(int(np.argmax(heat)), heat.shape)
    return bool(near_box(mask, tolerance_px)[row, col])


def heat_in_box(heatmap: np.ndarray, mask: np.ndarray) -> float:
    """Share of the map's mass inside the boxes (0 for a map with no heat)."""
    heat = to_frame(heatmap, mask.shape[0])
    total = float(heat.sum())
    return float(heat[mask].sum() / total) if total > 0 else 0.0


def random_point_hit_rate(mask: np.ndarray, tolerance_px: float, region: np.ndarray | None = None) -> float:
    """Chance that a point drawn uniformly (over the film, or over `region`) hits: the exact expectation."""
    target = near_box(mask, tolerance_px)
    if region is None:
        return float(target.mean())
    region = region.astype(bool)
    return float(target[region].mean()) if region.any() else 0.0


def bootstrap_interval(
    values: np.ndarray,
    statistic: Callable[[np.ndarray], float] = np.mean,
    samples: int = config.BOOTSTRAP_SAMPLES,
    seed: int = config.SEED,
) -> list[float] | None:
    """95% percentile interval of `statistic` over films resampled with replacement (None below two films)."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return None
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(values), size=(samples, len(values)))
    stats = np.array([statistic(values[p]) for p in picks])
    return [float(np.percentile(stats, 2.5)), float(np.percentile(stats, 97.5))]


@dataclass(frozen=True)
class FilmScore:
    """One map against one film's boxes."""

    hit: bool  # peak within the tolerance
    hit_exact: bool  # peak inside a box (0 px)
    heat_in_box: float
    box_share: float  # the boxes' share of the film: what a uniform map puts inside them


def score_film(heatmap: np.ndarray, boxes: FilmBoxes, tolerance_px: float = config.POINTING_TOLERANCE_PX) -> FilmScore:
    return FilmScore(
        hit=pointing_hit(heatmap, boxes.mask, tolerance_px),
        hit_exact=pointing_hit(heatmap, boxes.mask, 0),
        heat_in_box=heat_in_box(heatmap, boxes.mask),
        box_share=boxes.share_of_film,
    )


def summarise_scores(scores: Sequence[FilmScore]) -> dict[str, object]:
    """Pointing game (8 px and 0 px) and heat-in-box against the boxes' share, with bootstrap intervals."""
    if not scores:
        return {"n": 0}
    hits = np.array([s.hit for s in scores], dtype=float)
    exact = np.array([s.hit_exact for s in scores], dtype=float)
    inside = np.array([s.heat_in_box for s in scores])
    share = np.array([s.box_share for s in scores])
    pairs = np.stack([inside, share], axis=1)
    ratio = float(inside.mean() / share.mean()) if share.mean() > 0 else None
    return {
        "n": len(scores),
        "pointing_game": float(hits.mean()),
        "pointing_game_95": bootstrap_interval(hits),
        "pointing_game_exact": float(exact.mean()),
        "pointing_game_exact_95": bootstrap_interval(exact),
        "heat_in_box": float(inside.mean()),
        "heat_in_box_95": bootstrap_interval(inside),
        "box_share": float(share.mean()),
        "heat_in_box_over_chance": ratio,
        "heat_in_box_over_chance_95": bootstrap_interval(
            np.arange(len(pairs)),
            lambda idx: float(pairs[idx.astype(int), 0].mean() / max(pairs[idx.astype(int), 1].mean(), 1e-12)),
        ),
    }


def _expected_hits(films: Sequence[FilmBoxes], regions: Sequence[np.ndarray | None]) -> dict[str, float]:
    return {
        "pointing_game": float(
            np.mean([random_point_hit_rate(f.mask, config.POINTING_TOLERANCE_PX, r) for f, r in zip(films, regions)])
        ),
        "pointing_game_exact": float(np.mean([random_point_hit_rate(f.mask, 0, r) for f, r in zip(films, regions)])),
    }


def baseline_scores(films: Sequence[FilmBoxes], lung_masks: Sequence[np.ndarray]) -> dict[str, dict[str, object]]:
    """What maps that know nothing about the disease score on the same films.

    random point: the exact expected hit rate of a uniform point on the film, and a uniform map's heat in the box
    (= the boxes' share); lung centre: a map peaking at the centre of mass of the segmenter's lungs; uniform over
    the lungs: a map equal to 1 on the lungs, whose peak is a random lung pixel (expected hit rate) and whose heat
    in the box is the box's share of the lungs.
    """
    if not films:
        return {}
    size = films[0].mask.shape[0]
    lungs = [to_frame(m.astype(np.float32), size) >= 0.5 for m in lung_masks]
    centre_rows, lung_rows = [], []
    for film, lung in zip(films, lungs):
        centre = np.zeros(film.mask.shape, dtype=np.float32)
        if lung.any():
            rows, cols = np.nonzero(lung)
            centre[int(round(rows.mean())), int(round(cols.mean()))] = 1.0
        centre_rows.append(score_film(centre, film))
        lung_rows.append(score_film(lung.astype(np.float32), film))
    uniform = summarise_scores([FilmScore(False, False, f.share_of_film, f.share_of_film) for f in films])
    over_lungs = summarise_scores(lung_rows)
    for summary, regions in ((uniform, [None] * len(films)), (over_lungs, lungs)):
        summary.update(_expected_hits(films, regions))
        summary["pointing_game_95"] = summary["pointing_game_exact_95"] = None
    return {"random_point": uniform, "lung_centre": summarise_scores(centre_rows), "uniform_over_lungs": over_lungs}


def opacity_agreement(
    labels: pd.DataFrame, scores: dict[str, float], nih_folder_of: Callable[[str], str] = lambda p: p.split("/")[0]
) -> dict[str, object]:
    """The model's Pneumonia score against the radiologists' adjudicated airspace opacity.

    `labels` is radiologist_labels.csv; `scores` maps its image names to P(Pneumonia). Also how often NIH's
    report-mined folder agrees with the radiologists: the ceiling any model trained on that label can reach.
    """
    from sklearn.metrics import roc_auc_score

    rows = labels[labels["image"].isin(scores)].copy()
    if rows.empty:
        return {"n": 0}
    opacity = (rows["airspace_opacity"].str.upper() == "YES").to_numpy()
    nih_pneumonia = np.array([nih_folder_of(p) == "pneumonia" for p in rows["image"]])
    score = np.array([scores[p] for p in rows["image"]])
    result: dict[str, object] = {
        "n": int(len(rows)),
        "opacity_yes": int(opacity.sum()),
        "nih_pneumonia_with_opacity": int((nih_pneumonia & opacity).sum()),
        "nih_pneumonia_without_opacity": int((nih_pneumonia & ~opacity).sum()),
        "nih_normal_with_opacity": int((~nih_pneumonia & opacity).sum()),
        "nih_normal_without_opacity": int((~nih_pneumonia & ~opacity).sum()),
        "nih_label_agreement": float(np.mean(nih_pneumonia == opacity)),
        "mean_pneumonia_score_opacity": float(score[opacity].mean()) if opacity.any() else None,
        "mean_pneumonia_score_no_opacity": float(score[~opacity].mean()) if (~opacity).any() else None,
    }
    if 0 < opacity.sum() < len(opacity):
        result["pneumonia_score_auroc_vs_opacity"] = float(roc_auc_score(opacity, score))
        result["pneumonia_score_auroc_vs_nih_label"] = float(roc_auc_score(nih_pneumonia, score))
    return result
