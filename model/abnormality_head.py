"""A sick-or-healthy output on the classifier's own features, fitted on every source with every source weighted alike.

Why a separate output: in this data the class is tied to the source (COVID-19 comes from one collection, adult
pneumonia from another), so the class scores carry source cues that do not travel to another hospital. "Normal or
not" has both answers inside every source, so a head fitted with each source × answer weighted alike gains nothing
from recognising the source and must use what separates sick from healthy within one. It reads the penultimate
features the network already computes (and the gate already reads), so it adds no pass over the film.

The boxes, the radiologists' labels and the external films never reach the fit: the regularisation is chosen on
the validation split only (the mean of the per-origin AUROCs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model import config
from model.inference import ModelLoadError

REBUILD_HEAD = "python scripts/fit_abnormality_head.py"


class AbnormalityHeadError(ModelLoadError):
    """The head's file is there but unreadable, or was fitted on another network: shown as a model that cannot load."""


@dataclass(frozen=True)
class AbnormalityHead:
    weights: np.ndarray  # (F,) on standardised features
    bias: float
    mean: np.ndarray  # (F,)
    scale: np.ndarray  # (F,)
    regularisation: float | None  # the inverse penalty C of a logistic fit; None for an output trained end to end
    model_sha256: str = ""

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(N, F) penultimate features -> (N,) probability that the film is abnormal."""
        z = ((np.asarray(features, dtype=np.float64) - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))

    def to_json(self) -> dict[str, object]:
        return {
            "weights": self.weights.round(7).tolist(),
            "bias": round(float(self.bias), 7),
            "mean": self.mean.round(7).tolist(),
            "scale": self.scale.round(7).tolist(),
            "regularisation": self.regularisation,
            "model_sha256": self.model_sha256,
        }

    @classmethod
    def from_json(cls, data: dict) -> AbnormalityHead:
        head = cls(
            np.asarray(data["weights"], dtype=np.float64),
            float(data["bias"]),
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["scale"], dtype=np.float64),
            None if data.get("regularisation") is None else float(data["regularisation"]),
            str(data.get("model_sha256", "")),
        )
        if not (head.weights.shape == head.mean.shape == head.scale.shape) or head.weights.ndim != 1:
            raise ValueError("weights, mean and scale differ in shape")
        return head


def from_dense(kernel: np.ndarray, bias: np.ndarray, model_sha256: str = "") -> AbnormalityHead:
    """A sigmoid Dense(1) layer on the raw pooled features (one trained alongside the classes) as a head."""
    width = kernel.shape[0]
    return AbnormalityHead(
        np.asarray(kernel, np.float64)[:, 0], float(bias[0]), np.zeros(width), np.ones(width), None, model_sha256
    )


def balanced_sample_weights(groups: np.ndarray) -> np.ndarray:
    """Weights that give every group (source × answer) the same total, whatever its size."""
    groups = np.asarray(groups)
    names, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    return len(groups) / (len(names) * counts[inverse])


def fit_head(
    features: np.ndarray, abnormal: np.ndarray, origins: np.ndarray, regularisation: float, model_sha256: str = ""
) -> AbnormalityHead:
    from sklearn.linear_model import LogisticRegression

    mean = features.mean(axis=0)
    scale = np.maximum(features.std(axis=0), 1e-6)
    groups = np.char.add(np.asarray(origins).astype(str), np.asarray(abnormal).astype(int).astype(str))
    fitted = LogisticRegression(C=regularisation, max_iter=5000).fit(
        (features - mean) / scale, abnormal, sample_weight=balanced_sample_weights(groups)
    )
    return AbnormalityHead(fitted.coef_[0], float(fitted.intercept_[0]), mean, scale, regularisation, model_sha256)


def load_head(folder: Path | None, model_sha256: str = "") -> AbnormalityHead | None:
    """The head fitted for the model in `folder`, None where it has none.

    A file that exists but does not load, or that was fitted on another network (its hash differs from the
    card's), raises AbnormalityHeadError with the command that rebuilds it: never a silent fallback.
    """
    if folder is None:
        return None
    path = Path(folder) / config.ABNORMALITY_HEAD_FILENAME
    if not path.is_file():
        return None
    try:
        head = AbnormalityHead.from_json(json.loads(path.read_text())["head"])
    except (KeyError, ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise AbnormalityHeadError(
            f"{path} exists but cannot be read ({type(error).__name__}); rebuild it with `{REBUILD_HEAD}`."
        ) from None
    if model_sha256 and head.model_sha256 and head.model_sha256 != model_sha256:
        raise AbnormalityHeadError(
            f"{path} was fitted on another version of the network; rebuild it with `{REBUILD_HEAD} --model "
            f"{Path(folder).name}`."
        )
    return head
