"""Classification metrics for the evaluation page, computed from labels and probabilities only.

Pure functions on arrays, so tests can check them against hand-computed cases. The confusion matrix, precision,
recall, F1 and the curves come from scikit-learn; specificity and NPV (which it has not) from the same counts.
The bootstrap stays a seeded percentile bootstrap of our own: SciPy's draws other resamples, and the shipped
intervals must not move when nothing else did. Sensitivity is recall; specificity is the true-negative rate of one
class against the rest; PPV is precision.
"""

from __future__ import annotations

import numpy as np

from model import config


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Rows: true class; columns: predicted class (scikit-learn's, over every class even when one is absent)."""
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix

    return sk_confusion_matrix(labels, predicted, labels=np.arange(num_classes)).astype(np.int64)


def _safe_divide(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


def per_class_metrics(
    matrix: np.ndarray, class_names: tuple[str, ...] = config.CLASS_NAMES
) -> dict[str, dict[str, float]]:
    """Precision, sensitivity and F1 as scikit-learn computes them (zero where undefined), with specificity and NPV
    from the same one-vs-rest counts. Takes the confusion matrix, so one matrix feeds every figure."""
    from sklearn.metrics import precision_recall_fscore_support

    classes = np.arange(len(class_names))
    truth = np.repeat(np.repeat(classes, len(classes)), matrix.reshape(-1))
    guess = np.repeat(np.tile(classes, len(classes)), matrix.reshape(-1))
    precision, recall, f1, support = precision_recall_fscore_support(truth, guess, labels=classes, zero_division=0.0)
    total = matrix.sum()
    result: dict[str, dict[str, float]] = {}
    for index, name in enumerate(class_names):
        tp = matrix[index, index]
        fn = matrix[index].sum() - tp
        fp = matrix[:, index].sum() - tp
        tn = total - tp - fn - fp
        result[name] = {
            "precision": float(precision[index]),
            "sensitivity": float(recall[index]),
            "specificity": _safe_divide(tn, tn + fp),
            "npv": _safe_divide(tn, tn + fn),
            "f1": float(f1[index]),
            "support": int(support[index]),
        }
    return result


def macro_f1(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> float:
    """Mean F1 over the classes present in `labels`: a class with no true example (COVID-19 in the pediatric
    source) has no F1 worth averaging."""
    from sklearn.metrics import f1_score

    present = [c for c in range(num_classes) if np.any(labels == c)]
    if not present:
        return 0.0
    return float(f1_score(labels, predicted, labels=present, average="macro", zero_division=0.0))


def roc_pr_curves(
    labels: np.ndarray,
    probabilities: np.ndarray,
    class_names: tuple[str, ...] = config.CLASS_NAMES,
    max_points: int = 200,
) -> dict[str, dict[str, object]]:
    """One-vs-rest ROC and precision-recall curves with their AUCs (curves thinned to `max_points`)."""
    from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_curve

    curves: dict[str, dict[str, object]] = {}
    for index, name in enumerate(class_names):
        positive = (labels == index).astype(int)
        if positive.min() == positive.max():
            continue
        fpr, tpr, _ = roc_curve(positive, probabilities[:, index])
        precision, recall, _ = precision_recall_curve(positive, probabilities[:, index])
        curves[name] = {
            "roc_auc": float(auc(fpr, tpr)),
            "average_precision": float(average_precision_score(positive, probabilities[:, index])),
            "roc": {"fpr": _thin(fpr, max_points), "tpr": _thin(tpr, max_points)},
            "pr": {"recall": _thin(recall, max_points), "precision": _thin(precision, max_points)},
        }
    return curves


def _thin(values: np.ndarray, max_points: int) -> list[float]:
    if len(values) > max_points:
        values = values[np.unique(np.linspace(0, len(values) - 1, max_points).round().astype(int))]
    return [round(float(v), 5) for v in values]


def calibration(
    labels: np.ndarray, probabilities: np.ndarray, bins: int = config.CALIBRATION_BINS
) -> dict[str, object]:
    """Reliability of the top-class confidence: per-bin accuracy vs confidence, ECE, and the multiclass Brier score."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    table = []
    ece = 0.0
    for b in range(bins):
        members = which == b
        count = int(members.sum())
        mean_confidence = float(confidence[members].mean()) if count else None
        accuracy = float(correct[members].mean()) if count else None
        if count:
            ece += count / len(labels) * abs(accuracy - mean_confidence)
        table.append(
            {
                "low": float(edges[b]),
                "high": float(edges[b + 1]),
                "count": count,
                "mean_confidence": mean_confidence,
                "accuracy": accuracy,
            }
        )
    one_hot = np.eye(probabilities.shape[1])[labels]
    brier = float(np.mean(np.sum((probabilities - one_hot) ** 2, axis=1)))
    return {"bins": table, "ece": float(ece), "brier": brier}


def bootstrap_intervals(
    labels: np.ndarray,
    predicted: np.ndarray,
    num_classes: int,
    samples: int = config.BOOTSTRAP_SAMPLES,
    seed: int = config.SEED,
    class_names: tuple[str, ...] = config.CLASS_NAMES,
) -> dict[str, list[float]]:
    """95% percentile bootstrap intervals for accuracy, macro-F1 and each class's sensitivity."""
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {"accuracy": [], "macro_f1": [], **{f"sensitivity/{n}": [] for n in class_names}}
    for _ in range(samples):
        pick = rng.integers(0, len(labels), len(labels))
        y, p = labels[pick], predicted[pick]
        draws["accuracy"].append(float(np.mean(y == p)))
        draws["macro_f1"].append(macro_f1(y, p, num_classes))
        for index, name in enumerate(class_names):
            members = y == index
            if members.any():
                draws[f"sensitivity/{name}"].append(float(np.mean(p[members] == index)))
    return {key: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))] for key, v in draws.items() if v}


def summarise(
    labels: np.ndarray,
    probabilities: np.ndarray,
    class_names: tuple[str, ...] = config.CLASS_NAMES,
    with_bootstrap: bool = True,
) -> dict[str, object]:
    """Every figure of the evaluation page for one set of predictions."""
    predicted = probabilities.argmax(axis=1)
    matrix = confusion_matrix(labels, predicted, len(class_names))
    result: dict[str, object] = {
        "n": int(len(labels)),
        "accuracy": float(np.mean(predicted == labels)),
        "macro_f1": macro_f1(labels, predicted, len(class_names)),
        "per_class": per_class_metrics(matrix, class_names),
        "confusion_matrix": matrix.tolist(),
        "curves": roc_pr_curves(labels, probabilities, class_names),
        "calibration": calibration(labels, probabilities),
    }
    if with_bootstrap:
        result["intervals_95"] = bootstrap_intervals(labels, predicted, len(class_names), class_names=class_names)
    return result


def ppv_npv_at_prevalence(sensitivity: float, specificity: float, prevalence: float) -> tuple[float, float]:
    """Bayes: what a positive / negative call is worth where the disease has this prevalence."""
    true_positive = sensitivity * prevalence
    false_positive = (1 - specificity) * (1 - prevalence)
    true_negative = specificity * (1 - prevalence)
    false_negative = (1 - sensitivity) * prevalence
    return _safe_divide(true_positive, true_positive + false_positive), _safe_divide(
        true_negative, true_negative + false_negative
    )
