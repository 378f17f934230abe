"""Fit a registered model's abnormality head and measure it beside 1 − P(Normal), the score it is meant to beat.

Training films of every origin fit it; validation films choose its penalty; test films, the adult NIH test
patients and the other hospitals' films (evaluation only) are reported for both scores, so the page can say which
one travels between hospitals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model import config
from model.abnormality_head import AbnormalityHead, fit_head
from model.data.manifest import SOURCE_NIH, origin_of
from model.evaluation.generalisation import auroc, bootstrap_auroc
from model.evaluation.sick_healthy import sick_healthy_figures

NORMAL = config.CLASS_NAMES.index(config.HEALTHY_CLASS)


def per_origin_auroc(abnormal: np.ndarray, scores: np.ndarray, origins: np.ndarray) -> dict[str, float]:
    """AUROC inside each origin that has both answers: what the head must do without the source's help."""
    out = {}
    for origin in sorted(set(np.asarray(origins).astype(str))):
        rows = np.asarray(origins).astype(str) == origin
        value = auroc(abnormal[rows].astype(bool), scores[rows])
        if value is not None:
            out[origin] = value
    return out


def choose_regularisation(
    train: tuple[np.ndarray, np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray, np.ndarray],
    grid: tuple[float, ...] = config.ABNORMALITY_HEAD_C_GRID,
) -> tuple[float, dict[str, float]]:
    """The C with the best mean per-origin validation AUROC (ties: the stronger penalty, listed first)."""
    scores: dict[str, float] = {}
    best, best_score = grid[0], -np.inf
    for c in grid:
        head = fit_head(*train, regularisation=c)
        per_origin = per_origin_auroc(validation[1], head.probabilities(validation[0]), validation[2])
        score = float(np.mean(list(per_origin.values())))
        scores[str(c)] = round(score, 4)
        if score > best_score + 1e-9:
            best, best_score = c, score
    return best, scores


def _features(classifier, images: np.ndarray, segmenter) -> tuple[np.ndarray, np.ndarray]:
    """Penultimate features and probabilities; a lung-focus recipe finds its masks with the segmenter."""
    from model.inference import features_and_probabilities
    from model.registry.classifier import network_inputs

    return features_and_probabilities(classifier.network, network_inputs(classifier, images, None, segmenter))


def _scored(truth: np.ndarray, score: np.ndarray) -> dict[str, object]:
    figures = sick_healthy_figures(truth, score)
    figures["auroc_95"] = bootstrap_auroc(truth.astype(bool), score)
    return figures


@dataclass
class ScoredFilms:
    """One set of films as the head sees them: features, the truth, origins, and 1 − P(Normal) for comparison."""

    features: np.ndarray
    abnormal: np.ndarray
    origins: np.ndarray | None = None
    nih: np.ndarray | None = None
    one_minus_normal: np.ndarray | None = None


def scored_films(classifier, segmenter=None, external_dir: Path | None = None) -> dict[str, ScoredFilms]:
    """Train, validation and test (one film per duplicate group) and, where present, the external films."""
    from model.data.dataset import load_split
    from model.evaluation.generalisation import external_abnormal, load_external_inputs, load_external_table

    if not classifier.has_feature_layer:
        raise ValueError(f"Model {classifier.id} has no '{config.FEATURE_LAYER}' layer to fit a head on.")
    normal_column = (
        classifier.classes.index(config.HEALTHY_CLASS) if config.HEALTHY_CLASS in classifier.classes else None
    )

    def one_minus_normal(probabilities: np.ndarray) -> np.ndarray | None:
        return None if normal_column is None else 1.0 - probabilities[:, normal_column]

    films = {}
    for name in ("train", "val", "test"):
        arrays = load_split(name, representatives_only=True)
        features, probabilities = _features(classifier, arrays.images, segmenter)
        films[name] = ScoredFilms(
            features,
            (arrays.labels != NORMAL).astype(int),
            origin_of(arrays.table).to_numpy().astype(str),
            (arrays.table["source"] == SOURCE_NIH).to_numpy(),
            one_minus_normal(probabilities),
        )
    external_dir = external_dir or config.data_dir() / config.EXTERNAL_SUBDIR
    if (external_dir / config.INDEX_FILENAME).is_file():
        table = load_external_table(external_dir)
        features, probabilities = _features(classifier, load_external_inputs(table), segmenter)
        films["external"] = ScoredFilms(
            features, external_abnormal(table), one_minus_normal=one_minus_normal(probabilities)
        )
    return films


def head_figures(head: AbnormalityHead, films: dict[str, ScoredFilms]) -> dict[str, object]:
    """The head's AUROC (with intervals) beside 1 − P(Normal)'s, on the test split, its adult NIH patients, per
    origin, and on the external films."""

    def both(split: ScoredFilms, rows: np.ndarray | None = None) -> dict[str, object]:
        rows = np.ones(len(split.abnormal), bool) if rows is None else rows
        truth = split.abnormal[rows]
        out = {"head": _scored(truth, head.probabilities(split.features[rows]))}
        if split.one_minus_normal is not None:
            out["one_minus_normal"] = _scored(truth, split.one_minus_normal[rows])
        return out

    def origins(split: ScoredFilms) -> dict[str, object]:
        out = {"head": per_origin_auroc(split.abnormal, head.probabilities(split.features), split.origins)}
        if split.one_minus_normal is not None:
            out["one_minus_normal"] = per_origin_auroc(split.abnormal, split.one_minus_normal, split.origins)
        return out

    test = films["test"]
    return {
        "validation_per_origin_auroc": origins(films["val"]),
        "test": both(test),
        "test_per_origin_auroc": origins(test),
        "test_adult_nih": both(test, test.nih) if test.nih is not None and test.nih.any() else None,
        "external": both(films["external"]) if "external" in films else None,
    }


def head_document(
    classifier, head: AbnormalityHead, films: dict[str, ScoredFilms], computed_on: str, **extra
) -> dict[str, object]:
    """The abnormality_head.json document: the head, how it was made, and its figures."""
    return {
        "schema_version": 1,
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model_id": classifier.id,
        "model_sha256": classifier.card.sha256,
        "computed_on": computed_on,
        "head": head.to_json(),
        **extra,
        **head_figures(head, films),
    }


def fit_and_measure(classifier, segmenter=None, external_dir: Path | None = None) -> dict[str, object]:
    """The document for a head fitted on the frozen features, its penalty chosen on validation."""
    films = scored_films(classifier, segmenter, external_dir)
    train, val = films["train"], films["val"]
    chosen, validation_scores = choose_regularisation(
        (train.features, train.abnormal, train.origins), (val.features, val.abnormal, val.origins)
    )
    head = fit_head(train.features, train.abnormal, train.origins, chosen, classifier.card.sha256)
    computed_on = (
        f"fitted on {len(train.abnormal)} training films of every origin (one per duplicate group; each origin "
        "× answer weighted alike) on the network's frozen features, its penalty chosen on the validation split "
        "by the mean per-origin AUROC; reported on the test split and, never used to fit or choose, the other "
        "hospitals' films. COVID-19 and Pneumonia count as abnormal"
    )
    return head_document(classifier, head, films, computed_on, validation_mean_per_origin_auroc=validation_scores)


def trained_head_document(classifier, head: AbnormalityHead, films: dict[str, ScoredFilms]) -> dict[str, object]:
    """The document for an output trained alongside the classes (nothing fitted afterwards)."""
    computed_on = (
        "trained alongside the classes on the training split (every origin, each origin × answer weighted alike "
        "in every epoch), kept at the epoch the validation selection score chose; reported on the test split "
        "and, never used to train or choose, the other hospitals' films. COVID-19 and Pneumonia count as abnormal"
    )
    return head_document(classifier, head, films, computed_on)
