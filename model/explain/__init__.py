"""Explanation methods behind one registry: the dashboard asks for a method by name.

    explainer = get_explainer(model, "gradcam")
    result = explainer(images, target_classes=None, layer=None)   # maps (N, S, S) in [0, 1]

What a method *is* (label, description, layer, sanity verdict) lives in `catalog.py`, which imports no
TensorFlow; the explainers (one module each, registered in `registry.py`) load TensorFlow when first used.
"""

from __future__ import annotations

from typing import Any

from model.explain.catalog import METHODS, MethodInfo, method_info, method_names

_LAZY = {
    "EXPLAINERS": "model.explain.registry",
    "get_explainer": "model.explain.registry",
    "Explainer": "model.explain.base",
    "ExplanationResult": "model.explain.base",
    "convolutional_layers": "model.explain.base",
    "default_layer": "model.explain.base",
}

__all__ = ["METHODS", "MethodInfo", "method_info", "method_names", *_LAZY]


def __getattr__(name: str) -> Any:
    """TensorFlow-backed names load on first use, so `import model.explain` stays light."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'model.explain' has no attribute {name!r}")
