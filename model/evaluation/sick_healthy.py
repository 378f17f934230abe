"""Figures for a model that answers Normal / Abnormal: sick against healthy on the test split and on the other
hospitals' films, the one question every source of the shared data can label (COVID-19 and Pneumonia are both
"abnormal")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from model import config
from model.provenance import sha256_of

NORMAL = config.CLASS_NAMES.index(config.HEALTHY_CLASS)


def sick_healthy_figures(truth_abnormal: np.ndarray, score: np.ndarray) -> dict[str, float | int | None]:
    both = len(set(truth_abnormal.tolist())) == 2
    return {
        "n": int(len(truth_abnormal)),
        "auroc": float(roc_auc_score(truth_abnormal, score)) if both else None,
        "balanced_accuracy": float(balanced_accuracy_score(truth_abnormal, score >= 0.5)) if both else None,
        "sensitivity": float((score[truth_abnormal == 1] >= 0.5).mean()) if (truth_abnormal == 1).any() else None,
        "specificity": float((score[truth_abnormal == 0] < 0.5).mean()) if (truth_abnormal == 0).any() else None,
    }


def sick_healthy_report(entry, segmenter=None, external_dir: Path | None = None) -> dict[str, object]:
    """Test split (one film per duplicate group) and the external folder, scored by P(Abnormal)."""
    from model.data.dataset import load_split
    from model.evaluation.generalisation import external_abnormal, load_external_inputs, load_external_table
    from model.inference import predict_probabilities
    from model.registry import load_registered, network_inputs

    classifier = load_registered(entry)
    abnormal = [c.lower() for c in classifier.classes].index("abnormal")
    test = load_split("test", representatives_only=True)
    score = predict_probabilities(classifier.network, network_inputs(classifier, test.images, None, segmenter))
    report: dict[str, object] = {
        "kind": "normal_abnormal",
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model_id": entry.id,
        "model_sha256": sha256_of(entry.model_path),
        "computed_on": f"test split of assets/splits.csv, one film per duplicate group ({len(test.labels)} films); "
        "COVID-19 and Pneumonia count as abnormal",
        "test": sick_healthy_figures((test.labels != NORMAL).astype(int), score[:, abnormal]),
        "external": None,
    }
    external_dir = external_dir or config.data_dir() / config.EXTERNAL_SUBDIR
    if (external_dir / config.INDEX_FILENAME).is_file():
        table = load_external_table(external_dir)
        inputs = network_inputs(classifier, load_external_inputs(table), None, segmenter)
        external = predict_probabilities(classifier.network, inputs)[:, abnormal]
        report["external"] = sick_healthy_figures(external_abnormal(table), external)
    return report
