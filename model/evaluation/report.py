"""Evaluate a registered classifier and assemble its `metrics.json` (assets/models/<id>/).

Counts each picture once (one representative per duplicate group) and reports every figure overall, per source
and per age group; then how far it carries: the adult NIH test patients (by view), an external set from hospitals
the model never saw (COVID-19 against the rest, with a bootstrap interval), and the source probe. Trains and scores
the trivial baseline on the same split, and pins the model and split files by hash so the dashboard can tell when
the metrics no longer describe the model.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from model import config
from model.data.dataset import SplitArrays, load_split
from model.evaluation.baseline import baseline_probabilities, train_baseline
from model.evaluation.generalisation import (
    adult_nih_figures,
    by_age_group,
    covid_vs_rest,
    external_figures,
    external_labels,
    load_external_inputs,
    load_external_table,
)
from model.evaluation.metrics import summarise
from model.inference import predict_probabilities
from model.provenance import sha256_of


def predictions_table(test: SplitArrays, probabilities: np.ndarray) -> list[dict[str, object]]:
    table = test.table
    return [
        {
            "path": path,
            "source": source,
            "age_group": age,
            "view": view,
            "true": config.CLASS_NAMES[label],
            "predicted": config.CLASS_NAMES[int(np.argmax(row))],
            "probabilities": {name: round(float(p), 6) for name, p in zip(config.CLASS_NAMES, row)},
        }
        for path, source, age, view, label, row in zip(
            table["path"], table["source"], table["age_group"], table["view"], test.labels, probabilities
        )
    ]


def external_section(classifier, segmenter, external_dir: Path) -> dict[str, object] | None:
    """Figures on a folder laid out like `external/` (index.csv with image,label[,source]); None if absent."""
    from model.registry import network_inputs

    if not (external_dir / config.INDEX_FILENAME).is_file():
        return None
    table = load_external_table(external_dir)
    inputs = network_inputs(classifier, load_external_inputs(table), None, segmenter)
    probabilities = predict_probabilities(classifier.network, inputs)
    labels = external_labels(table)
    result = external_figures(table, labels, probabilities)
    result["computed_on"] = (
        f"{len(table)} films of {external_dir.name}/ ({', '.join(sorted(set(table['source'])))}): hospitals never "
        "used in training, early stopping or the choice of the shipped variant"
    )
    result["predictions"] = [
        {
            "path": str(Path(path).relative_to(external_dir)),
            "source": source,
            "true": label,
            "probabilities": {n: round(float(p), 6) for n, p in zip(config.CLASS_NAMES, row)},
        }
        for path, source, label, row in zip(table["path"], table["source"], table["label"], probabilities)
    ]
    return result


def evaluate(
    model_name: object = None, history_path: Path | None = None, external_dir: Path | None = None
) -> dict[str, object]:
    """Every figure of the metrics file for a registered model (id or entry), a Keras file (path) or the default.

    The model's classes must be the shared data's (COVID-19, Normal, Pneumonia); a model of another input size
    gets its input from the 160-px cached films, resized (the cache holds no larger copy).
    """
    from model.evaluation.source_probe import source_probe
    from model.lungs import optional_segmenter
    from model.registry import RegisteredModel, load_registered, network_inputs, resolve

    entry = model_name if isinstance(model_name, RegisteredModel) else resolve(model_name)
    if entry.card.label_set != "dataset":
        raise ValueError(
            f"Model {entry.id} answers {', '.join(entry.card.classes)}: the metrics need the classes "
            f"{', '.join(config.CLASS_NAMES)}."
        )
    classifier = load_registered(entry)
    model, recipe, model_path = classifier.network, entry.card.recipe, entry.model_path
    if history_path is None and entry.folder is not None:
        history_path = entry.folder / config.HISTORY_FILENAME
    segmenter = optional_segmenter()
    test = load_split("test", representatives_only=True)
    inputs = network_inputs(classifier, test.images, None, segmenter)
    probabilities = predict_probabilities(model, inputs)
    has_features = classifier.network.capabilities.features

    by_source = {}
    for source, rows in test.table.groupby("source"):
        index = rows.index.to_numpy()
        by_source[source] = summarise(test.labels[index], probabilities[index], with_bootstrap=False)

    train = load_split("train")
    baseline = train_baseline(train.images, train.labels)
    baseline_result = summarise(test.labels, baseline_probabilities(baseline, test.images), with_bootstrap=False)
    baseline_result["description"] = (
        f"Logistic regression on {config.BASELINE_THUMBNAIL_SIZE}x{config.BASELINE_THUMBNAIL_SIZE} thumbnails, "
        "trained on the same train split. It cannot see pathology at that size: its score measures how much "
        "the source of an image gives away."
    )

    history = json.loads(history_path.read_text()) if history_path is not None and history_path.is_file() else None
    shortcut = None
    if segmenter is not None and entry.card.is_project_shape:
        from model.evaluation.shortcut import shortcut_test

        shortcut = shortcut_test(model, segmenter, inputs, test.labels)
    external_dir = external_dir or config.data_dir() / config.EXTERNAL_SUBDIR
    return {
        "schema_version": config.METRICS_SCHEMA_VERSION,
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "computed_on": (
            f"test split of assets/splits.csv, one image per duplicate group ({len(test.labels)} images); "
            "no duplicate group (or NIH patient) of the test split appears in training or validation"
        ),
        "class_names": list(config.CLASS_NAMES),
        "model_id": entry.id,
        "model_file": model_path.name,
        "model_sha256": sha256_of(model_path),
        "splits_sha256": sha256_of(config.SPLITS_PATH),
        "image_size": entry.card.input_size,
        "input_recipe": recipe.to_json(),
        "overall": summarise(test.labels, probabilities),
        "covid_vs_rest": covid_vs_rest(test.labels, probabilities),
        "by_source": by_source,
        "by_age_group": by_age_group(test.table, test.labels, probabilities),
        "adult_nih": adult_nih_figures(test.table, test.labels, probabilities),
        "external": external_section(classifier, segmenter, external_dir),
        "source_probe": source_probe(model, inputs, test.table) if has_features else None,
        "baseline": baseline_result,
        "training_history": history,
        "shortcut_test": shortcut,
        "predictions": predictions_table(test, probabilities),
    }


def write_metrics(metrics: dict[str, object], path: Path = config.METRICS_PATH) -> None:
    path.write_text(json.dumps(metrics, indent=1))
