"""Figures for films from elsewhere: the adult NIH test patients, an external hospital set, results by age group.

The in-distribution test split says how well the model separates the collections it was trained on; these say
how far that carries. The external set (`external/` or any folder with an index.csv of image,label[,source]) is
evaluation only: nothing here may feed training, early stopping or the choice of the shipped variant.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model import config
from model.data.manifest import SOURCE_NIH, read_index
from model.evaluation.metrics import summarise

COVID = config.CLASS_NAMES.index(config.COVID_CLASS)
NORMAL = config.CLASS_NAMES.index(config.HEALTHY_CLASS)
PNEUMONIA = config.CLASS_NAMES.index(config.PNEUMONIA_CLASS)


def auroc(positive: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve via the rank-sum statistic; None when one side is empty."""
    positive = positive.astype(bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = pd.Series(scores).rank(method="average").to_numpy()
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def bootstrap_auroc(
    positive: np.ndarray, scores: np.ndarray, samples: int = config.BOOTSTRAP_SAMPLES, seed: int = config.SEED
) -> list[float] | None:
    """95% percentile interval, resampling positives and negatives separately (keeps both present)."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(positive), np.flatnonzero(~positive.astype(bool))
    if len(pos) == 0 or len(neg) == 0:
        return None
    values = []
    for _ in range(samples):
        pick = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        values.append(auroc(positive[pick], scores[pick]))
    return [float(v) for v in np.percentile(values, [2.5, 97.5])]


def covid_vs_rest(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, object]:
    """COVID-19 against everything else, at the model's own decision (the arg-max class).

    Besides P(COVID-19), the AUROC of 1 - P(Normal) against the films that are not Normal says whether the model
    at least ranks sick films above healthy ones where it cannot tell COVID-19 from other pneumonia (on the
    external films, where every non-COVID film is healthy, the two questions share their films).
    """
    positive = labels == COVID
    called = probabilities.argmax(1) == COVID
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    sick = labels != NORMAL
    abnormal = 1.0 - probabilities[:, NORMAL]  # "not Normal": how sick the model thinks the film is
    return {
        "n": int(len(labels)),
        "n_covid": n_pos,
        "n_other": n_neg,
        "auroc": auroc(positive, probabilities[:, COVID]),
        "auroc_95": bootstrap_auroc(positive, probabilities[:, COVID]),
        "abnormal_score_auroc": auroc(sick, abnormal),
        "abnormal_score_auroc_95": bootstrap_auroc(sick, abnormal),
        "sensitivity": float(called[positive].mean()) if n_pos else None,
        "specificity": float((~called[~positive]).mean()) if n_neg else None,
        "others_called_covid": float(called[~positive].mean()) if n_neg else None,
        "called": {name: int((probabilities.argmax(1) == i).sum()) for i, name in enumerate(config.CLASS_NAMES)},
    }


def external_figures(table: pd.DataFrame, labels: np.ndarray, probabilities: np.ndarray) -> dict[str, object]:
    """The external set as a whole and per source collection."""
    result = covid_vs_rest(labels, probabilities)
    if "source" in table:
        result["by_source"] = {
            str(source): covid_vs_rest(labels[rows.index.to_numpy()], probabilities[rows.index.to_numpy()])
            for source, rows in table.reset_index(drop=True).groupby("source")
        }
    return result


def called_shares(labels: np.ndarray, probabilities: np.ndarray, true_class: int) -> dict[str, float] | None:
    """Of the films of one true class, the share called each class."""
    rows = labels == true_class
    if not rows.any():
        return None
    called = probabilities[rows].argmax(1)
    return {name: float(np.mean(called == i)) for i, name in enumerate(config.CLASS_NAMES)} | {"n": int(rows.sum())}


def adult_nih_figures(table: pd.DataFrame, labels: np.ndarray, probabilities: np.ndarray) -> dict[str, object] | None:
    """Adult NIH films: what normals and pneumonias are called, overall and by view (AP bedside vs PA)."""
    table = table.reset_index(drop=True)
    rows = (table["source"] == SOURCE_NIH).to_numpy()
    if not rows.any():
        return None

    def shares(mask: np.ndarray) -> dict[str, object]:
        return {
            "normal": called_shares(labels[mask], probabilities[mask], NORMAL),
            "pneumonia": called_shares(labels[mask], probabilities[mask], PNEUMONIA),
        }

    result = shares(rows)
    normal, pneumonia = result["normal"], result["pneumonia"]
    result["pneumonia_called_pneumonia"] = pneumonia[config.PNEUMONIA_CLASS] if pneumonia else None
    result["normals_called_covid"] = normal[config.COVID_CLASS] if normal else None
    result["balanced_accuracy"] = (
        float(np.mean([normal[config.HEALTHY_CLASS], pneumonia[config.PNEUMONIA_CLASS]]))
        if normal and pneumonia
        else None
    )
    result["pneumonia_auroc_vs_normal"] = None
    binary = rows & np.isin(labels, [NORMAL, PNEUMONIA])
    if binary.any():
        result["pneumonia_auroc_vs_normal"] = auroc(labels[binary] == PNEUMONIA, probabilities[binary, PNEUMONIA])
    result["by_view"] = {
        str(view): shares(rows & (table["view"] == view).to_numpy()) for view in sorted(set(table.loc[rows, "view"]))
    }
    return result


def by_age_group(table: pd.DataFrame, labels: np.ndarray, probabilities: np.ndarray) -> dict[str, object]:
    table = table.reset_index(drop=True)
    return {
        str(group): {
            key: value
            for key, value in summarise(labels[rows.index], probabilities[rows.index], with_bootstrap=False).items()
            if key != "curves"
        }
        for group, rows in table.groupby("age_group")
    }


def load_external_table(directory: Path) -> pd.DataFrame:
    """An external folder's index (image, label[, source]); labels other than COVID-19 count as 'not COVID-19'."""
    table = read_index(directory)
    table["path"] = [str(Path(directory) / image) for image in table["image"]]
    if "source" not in table:
        table["source"] = Path(directory).name
    return table


def external_abnormal(table: pd.DataFrame) -> np.ndarray:
    """1 where an external film is sick (any class but Normal; 'no finding' and negatives are healthy), else 0."""
    return (external_labels(table) != NORMAL).astype(int)


def external_labels(table: pd.DataFrame) -> np.ndarray:
    """Class indices where the label is a class name; other labels (no finding, negative) map to Normal."""
    return np.array(
        [config.CLASS_NAMES.index(name) if name in config.CLASS_NAMES else NORMAL for name in table["label"]]
    )


def load_external_inputs(table: pd.DataFrame) -> np.ndarray:
    from model.image_io import load_image_file
    from model.preprocessing import to_model_input

    inputs = np.zeros((len(table), config.IMAGE_SIZE, config.IMAGE_SIZE, 1), dtype=np.float32)
    for i, path in enumerate(table["path"]):
        inputs[i] = np.round(to_model_input(load_image_file(Path(path)).pixels) * 255.0) / 255.0
    return inputs
