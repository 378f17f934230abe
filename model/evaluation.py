"""Evaluate the shipped classifier on the test split and assemble `assets/metrics.json`.

Counts each picture once (one representative per duplicate group), reports
every figure overall and per source, trains and scores the trivial baseline on
the same split, and pins the model and split files by hash so the dashboard
can tell when the metrics no longer describe the model.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np

from model import config
from model.baseline import baseline_probabilities, train_baseline
from model.dataset import SplitArrays, load_split
from model.inference import load_classifier, predict_probabilities
from model.metrics import summarise


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def predictions_table(test: SplitArrays, probabilities: np.ndarray) -> list[dict[str, object]]:
    return [
        {
            "path": path,
            "source": source,
            "true": config.CLASS_NAMES[label],
            "probabilities": {name: round(float(p), 6) for name, p in zip(config.CLASS_NAMES, row)},
        }
        for path, source, label, row in zip(test.table["path"], test.table["source"], test.labels, probabilities)
    ]


def evaluate(model_path: Path = config.MODEL_PATH, history_path: Path = config.HISTORY_PATH) -> dict[str, object]:
    model = load_classifier(model_path)
    test = load_split("test", representatives_only=True)
    probabilities = predict_probabilities(model, test.images)

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

    history = json.loads(history_path.read_text()) if history_path.is_file() else None
    shortcut = None
    if config.SEGMENTER_PATH.is_file():
        from model.lungs import load_segmenter
        from model.shortcut import shortcut_test

        shortcut = shortcut_test(model, load_segmenter(), test.images, test.labels)
    return {
        "schema_version": config.METRICS_SCHEMA_VERSION,
        "generated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "computed_on": (
            f"test split of assets/splits.csv, one image per duplicate group ({len(test.labels)} images); "
            "no duplicate group of the test split appears in training or validation"
        ),
        "class_names": list(config.CLASS_NAMES),
        "model_file": model_path.name,
        "model_sha256": sha256_of(model_path),
        "splits_sha256": sha256_of(config.SPLITS_PATH),
        "image_size": config.IMAGE_SIZE,
        "overall": summarise(test.labels, probabilities),
        "by_source": by_source,
        "baseline": baseline_result,
        "training_history": history,
        "shortcut_test": shortcut,
        "predictions": predictions_table(test, probabilities),
    }


def write_metrics(metrics: dict[str, object], path: Path = config.METRICS_PATH) -> None:
    path.write_text(json.dumps(metrics, indent=1))
