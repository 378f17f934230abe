"""The fitted gate: is this a frontal chest film at all, and does it look like the films the model knows?

A logistic score over the film's statistics (model.gate.features) says "chest film or not"; the threshold was set
on validation films so that nearly every real film passes. A film that passes but lies far from every training
source in the classifier's feature space is still answered, with a warning. Both the weights and the feature-space
model live in the default model's `input_gate.json` (assets/models/<id>/) (plain numbers: nothing executable is loaded).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model import config
from model.gate.features import FEATURE_NAMES, FilmStatistics

NOT_A_CHEST_XRAY = "not_a_chest_xray"
UNFAMILIAR_SOURCE = "unfamiliar_source"
GATE_UNAVAILABLE = "gate_unavailable"
GATE_WITHOUT_FEATURES = "gate_without_features"

# Why a film was stopped, by the statistic that weighed most against it.
REASONS: dict[str, str] = {
    "colourfulness": "it is a colour picture, and radiographs have no colour",
    "log_aspect": "its shape is far from a chest film's",
    "dynamic_range": "it is almost flat: there is no structure to read",
    "high_frequency": "it is dominated by fine noise or sharp patterns, unlike a radiograph",
    "extreme_fraction": "most of it is pure black or white (text, a drawing or a blank field)",
    "histogram_entropy": "its grey levels are spread unlike a radiograph's",
    "lung_area": "no lung fields of a sensible size were found",
    "lung_regions_plausible": "no two lung fields were found side by side (turned, inverted, cropped or not a chest)",
    "lung_balance": "the two lung fields found are very unequal",
    "lung_vertical_centre": "the lung fields are not where a frontal chest film has them",
    "template_correlation": "its layout does not match a frontal chest film's (turned, inverted or cropped?)",
    "template_margin": "it matches a chest film turned on its side or upside down better than an upright one",
    "feature_distance": "it looks like nothing the model was trained on",
}


# Figures that name the reason outright: strong colour, an almost flat picture, a shape no film has (ln 2.7:1).
OBVIOUS_COLOUR = 10.0
OBVIOUS_FLAT = 0.02
OBVIOUS_ASPECT = 1.0


@dataclass(frozen=True)
class InputWarning:
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class GateDecision:
    is_chest_xray: bool
    score: float  # logistic score; the gate stops films below its threshold
    warnings: tuple[InputWarning, ...] = ()
    statistics: dict[str, float] = field(default_factory=dict)


@dataclass
class FeatureSpace:
    """Whitened principal components of the classifier's penultimate features, and a Gaussian per origin."""

    centre: np.ndarray  # (F,)
    projection: np.ndarray  # (F, K)
    origins: dict[str, tuple[np.ndarray, np.ndarray]]  # origin -> (mean (K,), precision (K, K))

    def distances(self, features: np.ndarray) -> np.ndarray:
        """(N, F) -> (N,) Mahalanobis distance to the nearest origin."""
        z = (np.asarray(features, dtype=np.float64) - self.centre) @ self.projection
        per_origin = []
        for mean, precision in self.origins.values():
            d = z - mean
            per_origin.append(np.sqrt(np.maximum(np.einsum("nk,kl,nl->n", d, precision, d), 0.0)))
        return np.min(np.stack(per_origin), axis=0)

    def to_json(self) -> dict[str, object]:
        return {
            "centre": self.centre.round(6).tolist(),
            "projection": self.projection.round(6).tolist(),
            "origins": {
                k: {"mean": m.round(6).tolist(), "precision": p.round(6).tolist()} for k, (m, p) in self.origins.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict) -> FeatureSpace:
        return cls(
            np.asarray(data["centre"]),
            np.asarray(data["projection"]),
            {k: (np.asarray(v["mean"]), np.asarray(v["precision"])) for k, v in data["origins"].items()},
        )


@dataclass
class InputGate:
    weights: np.ndarray  # per standardised statistic, in FEATURE_NAMES order
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    threshold: float
    unfamiliar_distance: float
    feature_space: FeatureSpace
    template: np.ndarray  # (THUMBNAIL_SIDE**2,) the mean training film's thumbnail
    model_sha256: str = ""
    # A typical validation film's feature distance: what the score reads for a model the gate was not calibrated on
    # (its own features cannot be compared), so only the image and lung checks decide.
    typical_distance: float = float("nan")

    def score(self, statistics: np.ndarray) -> np.ndarray:
        """(N, len(FEATURE_NAMES)) -> (N,) logistic score: high = looks like a frontal chest film."""
        z = (np.atleast_2d(statistics) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(z @ self.weights + self.bias)))

    def passes(self, statistics: np.ndarray) -> np.ndarray:
        """(N, len(FEATURE_NAMES)) -> (N,) bool: the score clears the threshold, the picture has no real colour (a
        radiograph has none) and no film's shape is that far from square (2.7:1; letterboxed films stay under 2:1):
        such pictures are stopped whatever else they resemble, since the calibration positives now include padded
        films and the score alone leans less on shape."""
        statistics = np.atleast_2d(statistics)
        colourless = statistics[:, FEATURE_NAMES.index("colourfulness")] <= config.GATE_MAX_COLOURFULNESS
        film_shaped = statistics[:, FEATURE_NAMES.index("log_aspect")] <= OBVIOUS_ASPECT
        return (self.score(statistics) >= self.threshold) & colourless & film_shaped

    def reason(self, statistics: np.ndarray) -> str:
        """The plainest true reason: obvious cases by their own figure, otherwise the statistic that weighed most."""
        values = dict(zip(FEATURE_NAMES, statistics))
        if values["colourfulness"] > min(OBVIOUS_COLOUR, config.GATE_MAX_COLOURFULNESS):
            return REASONS["colourfulness"]
        if values["dynamic_range"] < OBVIOUS_FLAT:
            return REASONS["dynamic_range"]
        if values["log_aspect"] > OBVIOUS_ASPECT:
            return REASONS["log_aspect"]
        contributions = (statistics - self.mean) / self.scale * self.weights
        return REASONS[FEATURE_NAMES[int(np.argmin(contributions))]]

    def assess(self, statistics: FilmStatistics, with_features: bool = True) -> GateDecision:
        """The decision on one film; without features (a model the gate was not calibrated on) the image and lung
        checks decide alone and the answer says that unfamiliar films cannot be recognised for this model."""
        vector = statistics.vector()
        score = float(self.score(vector)[0])
        warnings: list[InputWarning] = []
        passed = bool(self.passes(vector)[0])
        if not passed:
            warnings.append(
                InputWarning(
                    NOT_A_CHEST_XRAY,
                    f"This does not look like a frontal chest X-ray: {self.reason(vector)}. No prediction is given.",
                )
            )
        elif not with_features:
            warnings.append(
                InputWarning(
                    GATE_WITHOUT_FEATURES,
                    "The chest-X-ray check ran its image and lung tests only: its feature-space part is calibrated "
                    "for another model, so it cannot tell whether this film is unlike what this model was trained on.",
                )
            )
        elif statistics.values["feature_distance"] > self.unfamiliar_distance:
            warnings.append(
                InputWarning(
                    UNFAMILIAR_SOURCE,
                    "This film lies far from every collection the model was trained on (a different hospital, device "
                    "or processing): the figures on the Evaluation page do not apply to it.",
                )
            )
        return GateDecision(passed, score, tuple(warnings), statistics.values)

    def to_json(self) -> dict[str, object]:
        return {
            "feature_names": list(FEATURE_NAMES),
            "weights": self.weights.round(6).tolist(),
            "bias": round(float(self.bias), 6),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "threshold": round(float(self.threshold), 6),
            "unfamiliar_distance": round(float(self.unfamiliar_distance), 6),
            "feature_space": self.feature_space.to_json(),
            "template": self.template.round(5).tolist(),
            "model_sha256": self.model_sha256,
            "typical_distance": round(float(self.typical_distance), 6),
        }

    @classmethod
    def from_json(cls, data: dict) -> InputGate:
        if list(data["feature_names"]) != list(FEATURE_NAMES):
            raise ValueError("The gate file was fitted on other statistics: rerun scripts/calibrate_gate.py.")
        return cls(
            np.asarray(data["weights"]),
            float(data["bias"]),
            np.asarray(data["mean"]),
            np.asarray(data["scale"]),
            float(data["threshold"]),
            float(data["unfamiliar_distance"]),
            FeatureSpace.from_json(data["feature_space"]),
            np.asarray(data["template"]),
            data.get("model_sha256", ""),
            float(data.get("typical_distance", 0.5 * float(data["unfamiliar_distance"]))),
        )


class GateLoadError(RuntimeError):
    """The gate file exists but cannot be used: stop loudly rather than answer every film unchecked."""


REBUILD_GATE = "python scripts/calibrate_gate.py"


def load_gate(path: Path | None = None) -> InputGate | None:
    """The fitted gate, or None when it is not shipped (films are then answered with a `gate_unavailable` note).

    A gate file that is there but does not load raises GateLoadError: a damaged file must not switch the check off
    quietly.
    """
    path = Path(path) if path is not None else config.INPUT_GATE_PATH  # read now: tests may repoint config
    if not path.is_file():
        return None
    try:
        return InputGate.from_json(json.loads(path.read_text())["gate"])
    except (KeyError, ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise GateLoadError(
            f"{path.name} exists but cannot be read ({type(error).__name__}); rebuild it with `{REBUILD_GATE}`."
        ) from None


def gate_unavailable_warning() -> InputWarning:
    return InputWarning(GATE_UNAVAILABLE, "The chest-X-ray check is not available: nothing stops a non-X-ray here.")
