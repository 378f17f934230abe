"""Explanation methods: what each one is (`catalog`, no TensorFlow) and the explainers themselves.

    from model.explain.registry import get_explainer
    result = get_explainer(model, "gradcam")(images, target_classes=None, layer=None)   # maps (N, S, S) in [0, 1]

`catalog.py` describes each method and names its module; `base.py` holds what every explainer shares; one module
per method; `traced.py` the traced gradients; `registry.py` finds the explainers through the catalog. Import
the catalog where TensorFlow must not load (pages listing methods), the registry where maps are computed.
"""

from __future__ import annotations

from model.explain.catalog import METHODS, MethodInfo, method_info, method_names

__all__ = ["METHODS", "MethodInfo", "method_info", "method_names"]
