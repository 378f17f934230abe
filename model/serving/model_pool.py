"""Loaded models kept for reuse, least recently used first out: a server holds a few networks, not all of them.

One pool per process (the dashboard's, a batch job's). Each entry is the classifier and the gate that goes with it:
the model's own calibrated gate where one was fitted for it, else the default model's gate, whose image and lung
checks apply to any model (the feature-space part then stands aside; see `Classifier.uses_gate_features`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from model import config
from model.registry.classifier import Classifier, load_registered
from model.registry.store import RegisteredModel, resolve


@dataclass(frozen=True)
class PooledModel:
    classifier: Classifier
    gate: object  # InputGate or None


def gate_for(entry: RegisteredModel):
    """The model's own gate, else the default model's (None when no gate is shipped). Raises GateLoadError for a
    gate file that exists but does not load."""
    from model.gate.gate import load_gate

    own = None if entry.uses_configured_files else entry.gate_path  # the configured gate is that model's
    return load_gate(own) if own is not None else load_gate()


class ModelPool:
    """Up to `capacity` loaded models by id; loading one more evicts the least recently used."""

    def __init__(self, capacity: int = config.DASHBOARD_LOADED_MODELS) -> None:
        self.capacity = max(1, capacity)
        self._models: OrderedDict[str, PooledModel] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, model_id: str | None) -> PooledModel:
        """The model `model_id` (None = the default), loaded on first use. Raises RegistryError/ModelLoadError."""
        entry = resolve(model_id)
        key = entry.id
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
        pooled = PooledModel(load_registered(entry), gate_for(entry))  # outside the lock: loading takes seconds
        with self._lock:
            self._models[key] = pooled
            self._models.move_to_end(key)
            while len(self._models) > self.capacity:
                self._models.popitem(last=False)
        return pooled
