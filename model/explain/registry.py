"""Method name -> explainer class; explainers are built once per model and reused."""

from __future__ import annotations

import threading
import weakref

import keras

from model.explain.base import Explainer
from model.explain.catalog import METHODS
from model.explain.gradcam import GradcamExplainer
from model.explain.gradcam_plus_plus import GradcamPlusPlusExplainer
from model.explain.layercam import LayercamExplainer
from model.explain.scorecam import ScorecamExplainer
from model.explain.smoothgrad import SmoothgradExplainer

EXPLAINERS: dict[str, type[Explainer]] = {
    cls.name: cls
    for cls in (GradcamExplainer, GradcamPlusPlusExplainer, LayercamExplainer, ScorecamExplainer, SmoothgradExplainer)
}
if set(EXPLAINERS) != set(METHODS):
    raise RuntimeError(f"Explainers {sorted(EXPLAINERS)} and catalog {sorted(METHODS)} disagree.")

_built: "weakref.WeakKeyDictionary[keras.Model, dict[str, Explainer]]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def get_explainer(model: keras.Model, name: str, reference: bool = False) -> Explainer:
    """The explainer called `name` for `model`, built on first use; `reference` forces tf-keras-vis."""
    if name not in EXPLAINERS:
        raise KeyError(f"Unknown explanation method {name!r}; choose one of {', '.join(EXPLAINERS)}.")
    with _lock:
        per_model = _built.setdefault(model, {})
        if (name, reference) not in per_model:
            per_model[(name, reference)] = EXPLAINERS[name](model, reference=reference)
        return per_model[(name, reference)]
