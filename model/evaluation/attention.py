"""Where a model's maps sit: lung share and peak-in-lungs over a set of films, and the radiologist-box check.

Two questions a radiologist asks of a heatmap before trusting it: is the heat on the lungs at all (lung share, and
is the hottest point inside them), and does it point where a radiologist saw the finding (pointing game, heat in
the box; model.evaluation.localisation). Both run for one model and its input recipe, so the training experiments,
the explanation audit and `add_model` share one definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model import config
from model.evaluation.localisation import (
    FilmBoxes,
    baseline_scores,
    load_boxes,
    opacity_agreement,
    score_film,
    summarise_scores,
)
from model.lungs import peak_inside, share_inside


def explain_in_batches(
    model, method: str, images: np.ndarray, targets: np.ndarray, layer: str | None = None, batch_size: int = 32
) -> np.ndarray:
    from model.explain.registry import get_explainer

    explainer = get_explainer(model, method)
    return np.concatenate(
        [
            explainer(images[i : i + batch_size], targets[i : i + batch_size], layer=layer).maps
            for i in range(0, len(images), batch_size)
        ]
    )


def lung_attention(maps: np.ndarray, masks: np.ndarray) -> dict[str, float]:
    """Median and mean share of heat inside the lungs, and the share of films whose peak lies inside them."""
    shares = np.array([share_inside(m, k) for m, k in zip(maps, masks)])
    peaks = np.array([peak_inside(m, k) for m, k in zip(maps, masks)])
    return {
        "n": int(len(maps)),
        "median_lung_share": float(np.median(shares)),
        "mean_lung_share": float(shares.mean()),
        "peak_in_lungs": float(peaks.mean()),
        "lung_area_share": float(np.mean([k.mean() for k in masks])),
    }


@dataclass
class BoxFilms:
    """The films with a radiologist's box, as the classifier's plain inputs, with their lungs and split."""

    films: list[FilmBoxes]
    inputs: np.ndarray  # (N, S, S, 1), before any model's recipe
    lung_masks: np.ndarray  # (N, S, S) bool
    held_out: np.ndarray  # (N,) bool: outside the training split (validation, test or not in the split at all)


def _plain_inputs(nih_dir: Path, images: Sequence[str]) -> np.ndarray:
    """The NIH films as the classifier's plain inputs, through the dataset loader (from the cache where it has them)."""
    from model.data.dataset import load_inputs

    rows = pd.DataFrame({"path": [f"{nih_dir.name}/{image}" for image in images]})
    return load_inputs(rows, data_root=nih_dir.parent)


def load_box_films(segmenter, nih_dir: Path | None = None, splits: pd.DataFrame | None = None) -> BoxFilms | None:
    """The NIH films that carry a Pneumonia box, or None where the NIH folder or its boxes are absent."""
    from model.lungs import predict_lung_masks

    nih_dir = nih_dir or config.data_dir() / config.NIH_ADULT_SUBDIR
    films = [f for f in load_boxes(nih_dir) if (nih_dir / f.image).is_file()]
    if not films:
        return None
    inputs = _plain_inputs(nih_dir, [f.image for f in films])
    split_of: dict[str, str] = {}
    if splits is not None:
        split_of = dict(zip(splits["path"], splits["split"]))
    held_out = np.array([split_of.get(f"{nih_dir.name}/{f.image}", "none") != "train" for f in films])
    return BoxFilms(films, inputs, predict_lung_masks(segmenter, inputs), held_out)


def localisation_figures(
    model,
    classifier_inputs: np.ndarray,
    boxes: BoxFilms,
    methods: Sequence[str],
    layers: Sequence[str | None] = (None,),
    target_class: str = config.BOX_FINDING,
) -> dict[str, object]:
    """Per method and layer: the pointing game and heat in the boxes, for all films and the held-out ones apart.

    `classifier_inputs` are the box films as this model sees them (its recipe applied). Baselines on the same films
    are included; the explained class is `target_class`, whatever the model predicts.
    """
    from model.explain.catalog import METHODS

    target = config.CLASS_NAMES.index(target_class)
    targets = np.full(len(boxes.films), target)
    per_method: dict[str, object] = {}
    for method in methods:
        method_layers = layers if METHODS[method].uses_layer else (None,)
        for layer in method_layers:
            maps = explain_in_batches(model, method, classifier_inputs, targets, layer=layer)
            scores = [score_film(m, f) for m, f in zip(maps, boxes.films)]
            key = method if layer is None else f"{method}@{layer}"
            per_method[key] = {
                "method": method,
                "layer": layer,
                "all": summarise_scores(scores),
                "held_out": summarise_scores([s for s, h in zip(scores, boxes.held_out) if h]),
            }
    held = [f for f, h in zip(boxes.films, boxes.held_out) if h]
    held_lungs = [m for m, h in zip(boxes.lung_masks, boxes.held_out) if h]
    return {
        "target_class": target_class,
        "n_films": len(boxes.films),
        "n_held_out": int(boxes.held_out.sum()),
        "tolerance_px": config.POINTING_TOLERANCE_PX,
        "frame_px": config.BOX_FRAME_SIZE,
        "methods": per_method,
        "baselines": {
            "all": baseline_scores(boxes.films, list(boxes.lung_masks)),
            "held_out": baseline_scores(held, held_lungs),
        },
    }


def radiologist_opacity(model, recipe, segmenter, nih_dir: Path | None = None) -> dict[str, object]:
    """The model's P(Pneumonia) against the three-radiologist airspace-opacity labels (radiologist_labels.csv)."""
    from model.inference import predict_probabilities
    from model.input_recipe import classifier_inputs

    nih_dir = nih_dir or config.data_dir() / config.NIH_ADULT_SUBDIR
    path = nih_dir / config.RADIOLOGIST_LABELS_FILENAME
    if not path.is_file():
        return {"n": 0}
    labels = pd.read_csv(path)
    labels = labels[[(nih_dir / p).is_file() for p in labels["image"]]]
    if labels.empty:
        return {"n": 0}
    inputs = classifier_inputs(_plain_inputs(nih_dir, list(labels["image"])), recipe, segmenter)
    probabilities = predict_probabilities(model, inputs)[:, config.CLASS_NAMES.index(config.PNEUMONIA_CLASS)]
    return opacity_agreement(labels, dict(zip(labels["image"], probabilities.tolist())))


def radiologist_section(
    model, recipe, segmenter, methods: Sequence[str], layers: Sequence[str | None]
) -> dict[str, object] | None:
    """The explanation audit's "against radiologists" section for the shipped (or any) model and recipe.

    None where the NIH folder or its boxes are absent (a user without that download).
    """
    from model.data.manifest import load_splits
    from model.input_recipe import classifier_inputs

    splits = load_splits() if config.SPLITS_PATH.is_file() else None
    boxes = load_box_films(segmenter, splits=splits)
    if boxes is None:
        return None
    inputs = classifier_inputs(boxes.inputs, recipe, segmenter, boxes.lung_masks)
    section = localisation_figures(model, inputs, boxes, methods, layers)
    section["opacity"] = radiologist_opacity(model, recipe, segmenter)
    return section
