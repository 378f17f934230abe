"""A loaded classifier with its card: the network, what it answers, and how a film becomes its input.

The analysis works in one frame, the project's 160-px grey input, where the lung segmenter, the gate, the overlays
and the radiologists' boxes live. A model of another size or with three channels gets its own input made from the
film (same percentile normalisation and recipe, then resized, channels repeated), and its maps are brought back to
the analysis frame, so every figure downstream reads the same for every model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from model import config
from model.abnormality_head import AbnormalityHead, load_head
from model.network import Network, as_network
from model.registry.card import ModelCard, project_card
from model.registry.store import RegisteredModel


@dataclass(eq=False)
class Classifier:
    """A network and its card; `network` is a `model.network.Network` (a bare Keras model or LiteRT export given
    here is wrapped in its adapter), so nothing downstream asks which backend it is."""

    card: ModelCard
    network: Network
    model_path: Path | None = None
    # The sick-or-healthy head fitted on this network's features (model.abnormality_head), where one was fitted.
    abnormality_head: AbnormalityHead | None = None

    def __post_init__(self) -> None:
        self.network = as_network(self.network)

    @property
    def backend(self) -> str:
        return self.network.capabilities.backend

    @property
    def id(self) -> str:
        return self.card.id

    @property
    def classes(self) -> tuple[str, ...]:
        return self.card.classes

    @property
    def has_feature_layer(self) -> bool:
        """Whether the network gives the features the gate's feature space reads (a LiteRT export of a
        project-shaped model carries them as a second output)."""
        return self.network.capabilities.features

    def uses_gate_features(self, gate) -> bool:
        """Whether the gate's feature-space part was calibrated on this network (its recorded hash matches). A
        project-shaped network given without a card (internal callers, tests) is taken as the gate's own."""
        if gate is None:
            return False
        if not self.card.sha256:
            return self.card.is_project_shape
        return bool(gate.model_sha256) and gate.model_sha256 == self.card.sha256


def as_classifier(model) -> Classifier:
    """A Classifier as it is, or a bare network wrapped with the project's card."""
    return model if isinstance(model, Classifier) else Classifier(project_card(), model)


def load_registered(entry: RegisteredModel, prefer_lite: bool = False) -> Classifier:
    """Load a registered model's network (safe mode) and check it against its card.

    With `prefer_lite`, a current LiteRT export of the default model is used (no TensorFlow import).
    Raises `model.inference.ModelLoadError` with a sentence naming the file (the abnormality head's too).
    """
    from model.inference import load_classifier
    from model.provenance import cached_sha256

    card = entry.card
    check_registered_file(entry)
    if prefer_lite and entry.uses_configured_files:
        from model.lite import current_lite_models

        lite = current_lite_models()
        if lite is not None:
            return Classifier(card, lite[0], entry.model_path, load_head(entry.folder, card.sha256))
    if card.model_format == "onnx":
        return Classifier(card, load_onnx(entry), entry.model_path, load_head(entry.folder, card.sha256))
    network = load_classifier(entry.model_path, card.classes, card.input_size, card.channels)
    if entry.folder is None:  # a file given by path: its hash identifies it for caches and the gate
        card = card.with_hash(cached_sha256(entry.model_path))
    return Classifier(card, network, entry.model_path, load_head(entry.folder, card.sha256))


def load_onnx(entry: RegisteredModel):
    from model.inference import ModelLoadError
    from model.network.onnx_network import OnnxNetwork

    if not entry.model_path.is_file():
        raise ModelLoadError(f"Model file {entry.model_path} is missing; register it again with add_model.py.")
    try:
        return OnnxNetwork(entry.model_path, entry.card)
    except Exception as error:  # ONNX Runtime raises its own types for a damaged file
        raise ModelLoadError(
            f"Model file {entry.model_path} could not be loaded by ONNX Runtime ({type(error).__name__})."
        ) from None


def check_registered_file(entry: RegisteredModel) -> None:
    """A registered folder's network must be the file its card names by SHA-256, checked before anything loads it:
    a swapped or damaged model.keras would otherwise answer under its card's name and figures."""
    from model.inference import ModelLoadError
    from model.provenance import cached_sha256

    if entry.folder is None or entry.model_path is None or entry.model_path.parent != entry.folder:
        return  # a file by path (hashed into its card) or a default the configuration points elsewhere
    if not entry.model_path.is_file():
        return  # the loader's own sentence names the missing file
    actual = cached_sha256(entry.model_path)
    if actual != entry.card.sha256:
        recorded = entry.card.sha256[:12] or "none"
        raise ModelLoadError(
            f"{entry.model_path}: this file does not match its card (SHA-256 {actual[:12]}…, the card records "
            f"{recorded}); it is not loaded. Register it again with `python scripts/add_model.py PATH --id "
            f"{entry.card.id} --replace ...`."
        )


def resize_stack(arrays: np.ndarray, size: int, nearest: bool = False) -> np.ndarray:
    """(N, S, S[, 1]) -> (N, size, size[, 1]); area when shrinking, linear (or nearest for masks) otherwise."""
    if arrays.shape[1] == size:
        return arrays
    squeeze = arrays.ndim == 4
    source = arrays[..., 0] if squeeze else arrays
    shrinking = source.shape[1] > size
    interpolation = cv2.INTER_NEAREST if nearest else (cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    dtype = source.dtype
    out = np.stack([cv2.resize(a.astype(np.float32), (size, size), interpolation=interpolation) for a in source])
    out = out.astype(dtype) if nearest else out.astype(np.float32)
    return out[..., None] if squeeze else out


def network_inputs(
    classifier: Classifier,
    model_inputs: np.ndarray,
    masks: np.ndarray | None,
    segmenter=None,
    pixels: Sequence[np.ndarray | None] | None = None,
) -> np.ndarray:
    """What this classifier's network sees for these films.

    `model_inputs` are the films in the analysis frame; `pixels`, where the decoded films are at hand, lets a model
    of another size get its input from the film itself rather than from the 160-px frame.
    """
    from model.input_recipe import apply_recipe, classifier_inputs
    from model.preprocessing import to_model_input

    card = classifier.card
    if card.is_project_shape:
        return classifier_inputs(model_inputs, card.recipe, segmenter, masks)
    size = card.input_size
    own = [
        to_model_input(p, size) if p is not None else resize_stack(model_inputs[i : i + 1], size)[0]
        for i, p in enumerate(pixels if pixels is not None else [None] * len(model_inputs))
    ]
    inputs = np.stack(own).astype(np.float32)
    if card.recipe.lung_focus and masks is None:
        from model.lungs import predict_lung_masks

        if segmenter is None:
            raise ValueError(f"Model {card.id} looks at the lung fields only: it needs the lung segmenter.")
        masks = predict_lung_masks(segmenter, model_inputs)
    scaled_masks = None if masks is None else resize_stack(masks.astype(np.uint8), size, nearest=True).astype(bool)
    inputs = apply_recipe(card.recipe, inputs, scaled_masks)
    return np.repeat(inputs, 3, axis=-1) if card.channels == 3 else inputs


def to_analysis_frame(maps: np.ndarray) -> np.ndarray:
    """(N, s, s) maps of any model -> (N, 160, 160), the frame of the lung masks, overlays and boxes."""
    if len(maps) == 0 or maps.shape[1] == config.IMAGE_SIZE:
        return maps
    resized = resize_stack(np.asarray(maps, dtype=np.float32), config.IMAGE_SIZE)
    return np.clip(resized, 0.0, None)
