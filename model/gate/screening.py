"""From loaded films to what the classifier sees, and the gate's decision on each, in one batched pass.

Every front end (CLI, dashboard, batch jobs) screens films through here before showing a prediction, so a
noise image or a photograph is stopped the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.gate.features import PreparedFilm, film_statistics, prepare_film
from model.gate.gate import GateDecision, InputGate, gate_unavailable_warning
from model.image_io import LoadedImage
from model.inference import features_and_probabilities
from model.input_recipe import InputRecipe, classifier_inputs


@dataclass
class ScreenedBatch:
    model_inputs: np.ndarray  # (N, S, S, 1): the film as preprocessed (what overlays and lung masks use)
    classifier_inputs: np.ndarray  # (N, S, S, 1): what the classifier sees under the shipped recipe
    lung_masks: np.ndarray | None  # (N, S, S) bool, when a segmenter was given
    features: np.ndarray  # (N, F) penultimate features
    probabilities: np.ndarray  # (N, classes)
    decisions: list[GateDecision]


def screen(
    images: Sequence[LoadedImage | PreparedFilm],
    model,
    segmenter=None,
    gate: InputGate | None = None,
    recipe: InputRecipe | None = None,
) -> ScreenedBatch:
    """Preprocess, find the lungs, classify and gate a batch of films (decoded, or already prepared)."""
    from model.input_recipe import load_recipe
    from model.lungs import predict_lung_masks

    recipe = recipe or load_recipe()
    films = [image if isinstance(image, PreparedFilm) else prepare_film(image) for image in images]
    model_inputs = np.stack([film.model_input for film in films])
    masks = predict_lung_masks(segmenter, model_inputs) if segmenter is not None else None
    inputs = classifier_inputs(model_inputs, recipe, segmenter, masks)
    features, probabilities = features_and_probabilities(model, inputs)
    if gate is None or masks is None:
        decisions = [GateDecision(True, float("nan"), (gate_unavailable_warning(),)) for _ in images]
    else:
        distances = gate.feature_space.distances(features)
        decisions = [
            gate.assess(film_statistics(film, mask, float(distance), gate.template))
            for film, mask, distance in zip(films, masks, distances)
        ]
    return ScreenedBatch(model_inputs, inputs, masks, features, probabilities, decisions)
