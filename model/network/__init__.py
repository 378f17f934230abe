"""One typed boundary for a network (model.network.base.Network) and its adapters, one module per backend."""

from __future__ import annotations

import threading
import weakref

from model.network.base import Capabilities, MethodUnavailable, Network, default_spatial_layer, spatial_layer_check

__all__ = [
    "Capabilities",
    "MethodUnavailable",
    "Network",
    "as_network",
    "default_spatial_layer",
    "keras_model_of",
    "spatial_layer_check",
]

_wrapped: "weakref.WeakKeyDictionary[object, Network]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def as_network(model) -> Network:
    """A Network as it is; a bare Keras model or LiteRT export wrapped in its adapter, once per object (so the
    traced graphs and explainers built for it are reused)."""
    if isinstance(model, Network):
        return model
    with _lock:
        found = _wrapped.get(model)
        if found is None:
            from model.lite import LiteModel

            if isinstance(model, LiteModel):
                from model.network.lite_network import LiteNetwork

                found = LiteNetwork(model)
            else:
                from model.network.keras_network import KerasNetwork

                found = KerasNetwork(model)
            _wrapped[model] = found
    return found


def keras_model_of(model):
    """The Keras model behind `model` (a KerasNetwork or a bare Keras model), or None for other backends: for the
    tools that only Keras can serve (tf-keras-vis reference maps, randomised copies, the LiteRT export)."""
    inner = getattr(model, "keras_model", None)
    if inner is not None:
        return inner
    return None if isinstance(model, Network) else model
