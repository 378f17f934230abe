"""Fit the gate on real films and generated non-X-rays, set its thresholds on validation films, measure it.

Positives: frontal chest films of every shared source (training split to fit, validation split for the
thresholds, test split, adult NIH test patients and the external hospitals to report). Negatives: the kinds in
model.gate.negatives, made with one seed to fit and another to report, plus a leave-one-kind-out check (each kind
scored by a gate fitted without it) that says how the gate fares on kinds nobody thought of.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from model import config
from model.data.manifest import load_splits, origin_of
from model.gate.features import FEATURE_NAMES, film_statistics, prepare_film, template_statistics, thumbnail
from model.gate.gate import FeatureSpace, InputGate
from model.gate.negatives import FROM_FILM_KINDS, PLAIN_KINDS
from model.gate.screening import screen
from model.gate.unfamiliar import held_out_source_rates, recognises_unseen_sources
from model.gate.variations import VARIATIONS, varied_films
from model.image_io import ImageLoadError, LoadedImage, load_image_file
from model.input_recipe import InputRecipe


@dataclass
class Measured:
    """Statistics (N, len(FEATURE_NAMES)) without the distance column filled, and penultimate features (N, F)."""

    statistics: np.ndarray
    features: np.ndarray
    groups: list[str]
    thumbnails: np.ndarray  # (N, THUMBNAIL_SIDE**2)

    def __add__(self, other: Measured) -> Measured:
        return Measured(
            np.concatenate([self.statistics, other.statistics]),
            np.concatenate([self.features, other.features]),
            self.groups + other.groups,
            np.concatenate([self.thumbnails, other.thumbnails]),
        )


def measure(
    images: list[LoadedImage], groups: list[str], model, segmenter, recipe: InputRecipe, batch_size: int = 64
) -> Measured:
    """The films through the same screening pass as at run time, without a gate (that is what is being fitted)."""
    stats, feats, thumbs = [], [], []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        films = [prepare_film(image) for image in batch]
        screened = screen(films, model, segmenter, gate=None, recipe=recipe)
        feats.append(screened.features)
        stats.extend(film_statistics(f, m, 0.0).vector() for f, m in zip(films, screened.lung_masks))
        thumbs.extend(thumbnail(x) for x in screened.model_inputs)
    return Measured(np.array(stats), np.concatenate(feats), list(groups), np.array(thumbs))


def fit_feature_space(features: np.ndarray, origins: np.ndarray, components: int) -> FeatureSpace:
    """Whitened PCA of the training features, then a shrunk Gaussian per origin."""
    from sklearn.covariance import LedoitWolf

    centre = features.mean(axis=0)
    _, singular, vt = np.linalg.svd(features - centre, full_matrices=False)
    k = min(components, vt.shape[0])
    projection = (vt[:k].T / np.maximum(singular[:k] / np.sqrt(len(features) - 1), 1e-6)).astype(np.float64)
    z = (features - centre) @ projection
    per_origin = {}
    for origin in sorted(set(origins)):
        rows = z[origins == origin]
        covariance = LedoitWolf().fit(rows).covariance_
        per_origin[str(origin)] = (rows.mean(axis=0), np.linalg.inv(covariance))
    return FeatureSpace(centre, projection, per_origin)


def fit_logistic(positive: np.ndarray, negative: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate([positive, negative])
    y = np.concatenate([np.ones(len(positive)), np.zeros(len(negative))])
    mean, scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
    fitted = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit((x - mean) / scale, y)
    return fitted.coef_[0], float(fitted.intercept_[0]), mean, scale


def _load(paths: list[str]) -> tuple[list[LoadedImage], list[int]]:
    images, kept = [], []
    for index, path in enumerate(tqdm(paths, desc="Reading films", unit="film", leave=False)):
        try:
            images.append(load_image_file(path))
            kept.append(index)
        except ImageLoadError:
            continue
    return images, kept


def _negatives(films: list[np.ndarray], per_kind: int, seed: int) -> tuple[list[LoadedImage], list[str]]:
    rng = np.random.default_rng(seed)
    images, kinds = [], []
    for kind, make in PLAIN_KINDS.items():
        images += [make(rng) for _ in range(per_kind)]
        kinds += [kind] * per_kind
    for kind, make in FROM_FILM_KINDS.items():
        picks = rng.choice(len(films), min(per_kind, len(films)), replace=False)
        images += [make(films[i], rng) for i in picks]
        kinds += [kind] * len(picks)
    return images, kinds


def _varied(films: list[np.ndarray], groups: list[str], seed: int, model, segmenter, recipe) -> Measured:
    images, kinds = varied_films(films, seed)
    return measure(images, [f"{g} · {k}" for g, k in zip(groups, kinds)], model, segmenter, recipe)


def _real_films(table: pd.DataFrame, split: str, per_origin: int | None, seed: int) -> pd.DataFrame:
    rows = table[(table["split"] == split) & table["representative"]].copy()
    rows["origin"] = origin_of(rows)
    if per_origin is not None:
        rows = rows.sample(frac=1.0, random_state=seed).groupby(["origin", "label"]).head(per_origin)
    return rows.reset_index(drop=True)


def calibrate(
    model,
    segmenter,
    recipe: InputRecipe,
    model_sha256: str,
    fit_per_origin: int = 150,
    negatives_per_kind: int = 40,
    external_table: pd.DataFrame | None = None,
    seed: int = config.SEED,
    varied_test_films: int = 200,
) -> dict[str, object]:
    """Fit, threshold and measure the gate; returns the document for the model's input_gate.json."""
    root = config.data_dir()
    table = load_splits()
    fit_rows = _real_films(table, "train", fit_per_origin, seed)
    val_rows = _real_films(table, "val", None, seed)
    test_rows = _real_films(table, "test", None, seed)

    def real(rows: pd.DataFrame, group_column: str) -> tuple[Measured, list[np.ndarray]]:
        images, kept = _load([str(root / p) for p in rows["path"]])
        groups = rows.iloc[kept][group_column].astype(str).tolist()
        return measure(images, groups, model, segmenter, recipe), [i.pixels for i in images]

    fit_real, fit_films = real(fit_rows, "origin")
    val_real, val_films = real(val_rows, "origin")
    test_rows["group"] = test_rows["origin"] + " · " + test_rows["label"]
    test_real, test_films = real(test_rows, "group")
    # Real films as they are handed over (letterboxed, padded, framed, turned, cropped): fitted and thresholded as
    # positives, so the gate answers them; reported on test films, every kind on the same sample.
    fit_varied = _varied(fit_films, fit_real.groups, seed + 3, model, segmenter, recipe)
    val_varied = _varied(val_films, val_real.groups, seed + 4, model, segmenter, recipe)
    sample = np.random.default_rng(seed + 5).choice(len(test_films), min(varied_test_films, len(test_films)), False)
    test_varied_images, test_varied_kinds = [], []
    for kind, make in VARIATIONS.items():
        rng = np.random.default_rng(seed + 6)
        test_varied_images += [make(test_films[i], rng) for i in sample]
        test_varied_kinds += [kind] * len(sample)
    test_varied = measure(test_varied_images, test_varied_kinds, model, segmenter, recipe)
    fit_neg_images, fit_neg_kinds = _negatives(fit_films, negatives_per_kind, seed + 1)
    test_neg_images, test_neg_kinds = _negatives(test_films, negatives_per_kind, seed + 2)
    fit_neg = measure(fit_neg_images, fit_neg_kinds, model, segmenter, recipe)
    test_neg = measure(test_neg_images, test_neg_kinds, model, segmenter, recipe)
    external = None
    if external_table is not None:
        images, kept = _load(external_table["path"].tolist())
        groups = ("external · " + external_table.iloc[kept]["source"].astype(str)).tolist()
        external = measure(images, groups, model, segmenter, recipe)

    space = fit_feature_space(fit_real.features, np.array(fit_real.groups), config.GATE_FEATURE_COMPONENTS)
    template = fit_real.thumbnails.mean(axis=0)
    template = (template - template.mean()) / max(float(template.std()), 1e-6)
    distance_column = FEATURE_NAMES.index("feature_distance")
    for measured in filter(
        None, (fit_real, val_real, test_real, fit_neg, test_neg, external, fit_varied, val_varied, test_varied)
    ):
        measured.statistics[:, distance_column] = space.distances(measured.features)
        for row, thumb in enumerate(measured.thumbnails):
            for name, value in template_statistics(thumb, template).items():
                measured.statistics[row, FEATURE_NAMES.index(name)] = value

    positives = fit_real + fit_varied
    weights, bias, mean, scale = fit_logistic(positives.statistics, fit_neg.statistics)
    gate = InputGate(weights, bias, mean, scale, 0.0, 0.0, space, template, model_sha256)
    val_positives = val_real + val_varied
    val_scores = gate.score(val_positives.statistics)
    gate.threshold = float(np.quantile(val_scores, 1.0 - config.GATE_VALIDATION_PASS))
    val_distances = val_real.statistics[:, distance_column]
    gate.unfamiliar_distance = float(np.quantile(val_distances, config.UNFAMILIAR_QUANTILE))
    gate.typical_distance = float(np.median(val_distances))

    def without_features(measured: Measured) -> np.ndarray:
        """Pass/stop with the feature distance of a typical film: the gate as it runs for other models."""
        statistics = measured.statistics.copy()
        statistics[:, distance_column] = gate.typical_distance
        return gate.passes(statistics)

    def rates(measured: Measured, passing: bool) -> dict[str, dict[str, float]]:
        passed = gate.passes(measured.statistics)
        unfamiliar = passed & (measured.statistics[:, distance_column] > gate.unfamiliar_distance)
        out = {}
        for group in sorted(set(measured.groups)):
            rows = np.array(measured.groups) == group
            share = float(passed[rows].mean()) if passing else float((~passed[rows]).mean())
            out[group] = {
                "n": int(rows.sum()),
                "passed" if passing else "stopped": share,
                "unfamiliar_warning": float(unfamiliar[rows].mean()),
            }
        total = float(passed.mean()) if passing else float((~passed).mean())
        out["all"] = {
            "n": len(measured.groups),
            "passed" if passing else "stopped": total,
            "unfamiliar_warning": float(unfamiliar.mean()),
        }
        return out

    leave_one_out = {}
    for kind in sorted(set(fit_neg.groups)):
        keep = np.array(fit_neg.groups) != kind
        w, b, m, s = fit_logistic(positives.statistics, fit_neg.statistics[keep])
        held = InputGate(w, b, m, s, 0.0, 0.0, space, template)
        held.threshold = float(np.quantile(held.score(val_positives.statistics), 1.0 - config.GATE_VALIDATION_PASS))
        rows = np.array(test_neg.groups) == kind
        leave_one_out[kind] = float((~held.passes(test_neg.statistics[rows])).mean())

    test_origins = np.array([group.split(" · ")[0] for group in test_real.groups])
    held_out = held_out_source_rates(
        fit_feature_space,
        config.GATE_FEATURE_COMPONENTS,
        config.UNFAMILIAR_QUANTILE,
        (fit_real.features, np.array(fit_real.groups)),
        (val_real.features, np.array(val_real.groups)),
        (test_real.features, test_origins),
    )

    return {
        "schema_version": 1,
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "computed_on": (
            f"fit: {len(fit_real.groups)} training films (and as many letterboxed, padded, framed, turned or cropped "
            f"copies) and {len(fit_neg.groups)} generated non-X-rays; thresholds: {len(val_real.groups)} validation "
            f"films and their varied copies ({config.GATE_VALIDATION_PASS:.1%} must pass; the unfamiliar-"
            f"source distance is their {config.UNFAMILIAR_QUANTILE:.0%} quantile); reported: test-split films, "
            "the external hospitals and freshly generated non-X-rays (another seed)"
        ),
        "gate": gate.to_json(),
        "real_films_passed": rates(test_real, True),
        "varied_films_passed": rates(test_varied, True),
        "varied_films_computed_on": (
            f"{len(sample)} test films, each letterboxed, pillarboxed, framed, turned 3-10 degrees and cropped tight"
        ),
        "external_films_passed": rates(external, True) if external is not None else None,
        "non_xrays_stopped": rates(test_neg, False),
        "non_xrays_stopped_leave_one_kind_out": leave_one_out,
        "validation_films_passed": float(gate.passes(val_positives.statistics).mean()),
        "without_feature_space": {
            "computed_on": "the same films, the feature distance set to a typical validation film's: the gate as it "
            "runs for a model it was not calibrated on (image and lung checks only)",
            "real_films_passed": float(without_features(test_real).mean()),
            "varied_films_passed": float(without_features(test_varied).mean()),
            "external_films_passed": None if external is None else float(without_features(external).mean()),
            "non_xrays_stopped": float((~without_features(test_neg)).mean()),
        },
        "colour_limit": config.GATE_MAX_COLOURFULNESS,
        "unfamiliar_source_held_out": {
            "computed_on": "each training origin held out in turn: the feature space fitted on the others' training "
            "films, the threshold their validation films' "
            f"{config.UNFAMILIAR_QUANTILE:.0%} quantile (as shipped), the held-out origin's test films standing for "
            "a hospital never seen; the external films are not used",
            "rates": held_out,
            "goal": {"unseen_flagged": config.UNFAMILIAR_FLAG_GOAL, "familiar_flagged": config.UNFAMILIAR_FALSE_LIMIT},
            "recognises_unseen_sources": recognises_unseen_sources(
                held_out, config.UNFAMILIAR_FLAG_GOAL, config.UNFAMILIAR_FALSE_LIMIT
            ),
        },
    }
