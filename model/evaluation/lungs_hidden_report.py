"""Each registered model's lungs-hidden rate on the test split: how often its answer survives with the lung fields
hidden (model.trust.lungs_hidden), overall, by answered class and by origin. Written as lungs_hidden.json beside
the model's other figures (scripts/audit_lungs_hidden.py) and shown on the Evaluation page."""

from __future__ import annotations

import datetime as dt

import numpy as np

from model import config
from model.data.dataset import load_split
from model.data.manifest import origin_of


def lungs_hidden_report(entry, segmenter) -> dict[str, object]:
    from model.inference import predict_probabilities
    from model.lungs import predict_lung_masks
    from model.registry.classifier import load_registered, network_inputs
    from model.trust.lungs_hidden import lungs_hidden_probabilities, survival_rates

    classifier = load_registered(entry)
    classes = classifier.classes
    test = load_split("test", representatives_only=True)
    masks = predict_lung_masks(segmenter, test.images)
    inputs = network_inputs(classifier, test.images, masks, segmenter)
    answers = predict_probabilities(classifier.network, inputs).argmax(axis=1)
    hidden, only = lungs_hidden_probabilities(classifier.network, inputs, masks)
    labels = [classes[i] for i in answers]
    hidden_labels = [classes[i] for i in hidden.argmax(axis=1)]
    only_labels = [classes[i] for i in only.argmax(axis=1)]
    origins = origin_of(test.table).to_numpy()
    by_origin = {}
    for origin in sorted(set(origins)):
        rows = np.flatnonzero(origins == origin)
        by_origin[str(origin)] = survival_rates([labels[i] for i in rows], [hidden_labels[i] for i in rows], classes)
    return {
        "schema_version": 1,
        "model_id": entry.id,
        "model_sha256": entry.card.sha256,
        "computed_on": dt.date.today().isoformat(),
        "split": "test (representatives)",
        "fill": "each film's mean",
        "lungs_hidden": survival_rates(labels, hidden_labels, classes),
        "lungs_only": survival_rates(labels, only_labels, classes),
        "by_origin": by_origin,
    }


def report_path(entry):
    return None if entry.folder is None else entry.folder / config.LUNGS_HIDDEN_FILENAME
