"""Method name -> explainer class, found through the catalog; explainers are built once per model and reused.

Each catalog entry names the module that implements it; importing that module defines one `Explainer` subclass
whose `name` is the entry's. Nothing here lists the methods: a new method needs no edit in this file.
"""

from __future__ import annotations

import importlib
import threading
import weakref

from model.explain.base import Explainer
from model.explain.catalog import METHODS

# Kept in step with the catalog by `explainer_classes()` (in place: importers of EXPLAINERS see later additions).
EXPLAINERS: dict[str, type[Explainer]] = {}

_built: "weakref.WeakKeyDictionary[object, dict[tuple[str, bool], Explainer]]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _implementation(name: str) -> type[Explainer]:
    info = METHODS[name]
    module = importlib.import_module(info.module)
    found = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Explainer) and value.name == name
    ]
    if len(found) != 1:
        raise RuntimeError(f"Module {info.module} should define one Explainer named {name!r}; found {len(found)}.")
    return found[0]


def explainer_classes() -> dict[str, type[Explainer]]:
    """Every catalog method's explainer class, in catalog order."""
    with _lock:
        for name in METHODS:
            if name not in EXPLAINERS:
                EXPLAINERS[name] = _implementation(name)
        for name in [n for n in EXPLAINERS if n not in METHODS]:
            del EXPLAINERS[name]
    return EXPLAINERS


def get_explainer(model, name: str, reference: bool = False) -> Explainer:
    """The explainer called `name` for `model` (a Network or a bare Keras model), built on first use; `reference`
    forces tf-keras-vis. Raises model.network.MethodUnavailable where the network cannot run the method."""
    from model.network import as_network

    model = as_network(model)
    classes = explainer_classes()
    if name not in classes:
        raise KeyError(f"Unknown explanation method {name!r}; choose one of {', '.join(classes)}.")
    with _lock:
        per_model = _built.setdefault(model, {})
        if (name, reference) not in per_model:
            per_model[(name, reference)] = classes[name](model, reference=reference)
        return per_model[(name, reference)]


explainer_classes()
