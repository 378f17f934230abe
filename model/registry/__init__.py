"""Every classifier the tools can use: registered models in assets/models/<id>/, their cards, and loading them.

`resolve(id_or_path)` finds one, `load_registered(entry)` loads it as a `Classifier` (network + card), and
`as_classifier(network)` wraps a bare network of the project's own shape, so internal callers need not change.
"""

from model.registry.card import CardError, ModelCard, read_card, write_card
from model.registry.classifier import Classifier, as_classifier, load_registered, network_inputs, to_analysis_frame
from model.registry.store import (
    RegisteredModel,
    RegistryError,
    all_registered,
    default_model,
    model_ids,
    registered,
    resolve,
)

__all__ = [
    "CardError",
    "Classifier",
    "ModelCard",
    "RegisteredModel",
    "RegistryError",
    "all_registered",
    "as_classifier",
    "default_model",
    "load_registered",
    "model_ids",
    "network_inputs",
    "read_card",
    "registered",
    "resolve",
    "to_analysis_frame",
    "write_card",
]
