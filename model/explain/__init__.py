"""Explanation methods behind one registry: the dashboard asks for a method by name.

    explainer = get_explainer(model, "gradcam")
    result = explainer(images, target_classes=None, layer=None)   # maps (N, S, S) in [0, 1]

Adding a method means one module with one `Explainer` subclass and one line in
`registry.py`.
"""
from model.explain.base import Explainer, ExplanationResult, convolutional_layers, default_layer
from model.explain.registry import EXPLAINERS, get_explainer, method_names

__all__ = [
    "EXPLAINERS",
    "Explainer",
    "ExplanationResult",
    "convolutional_layers",
    "default_layer",
    "get_explainer",
    "method_names",
]
