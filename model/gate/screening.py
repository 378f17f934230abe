"""From loaded films to what the classifier sees, and the gate's decision on each, in one batched pass.

Every front end (CLI, dashboard, batch jobs) screens films through here before showing a prediction, so a
noise image or a photograph is stopped the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from model.gate.features import PreparedFilm, film_statistics, prepare_film
from model.gate.gate import GateDecision, InputGate, gate_unavailable_warning
from model.image_io import LoadedImage
from model.inference import Prediction, features_and_probabilities, predict_probabilities, to_prediction
from model.input_recipe import InputRecipe
from model.trust.lungs_hidden import hidden_answer, lungs_hidden_probabilities


@dataclass
class ScreenedBatch:
    model_inputs: np.ndarray  # (N, S, S, 1): the film as preprocessed (what overlays and lung masks use)
    classifier_inputs: np.ndarray  # (N, s, s, c): what the classifier's network sees (its size, channels, recipe)
    lung_masks: np.ndarray | None  # (N, S, S) bool, when a segmenter was given
    features: np.ndarray  # (N, F) penultimate features
    probabilities: np.ndarray  # (N, classes)
    decisions: list[GateDecision]
    abnormality: np.ndarray | None = None  # (N,) the model's sick-or-healthy head, where it has one
    lungs_hidden: np.ndarray | None = None  # (N, classes) with the lung fields hidden, where masks were found
    lungs_only: np.ndarray | None = None  # (N, classes) with everything but the lungs hidden

    def abnormality_of(self, index: int) -> float | None:
        return None if self.abnormality is None else float(self.abnormality[index])

    def prediction(self, index: int, classes: tuple[str, ...]) -> Prediction:
        """The answer for film `index`, with its abnormality and lungs-hidden figures where they were computed."""
        hidden = only = None
        if self.lungs_hidden is not None and self.lungs_only is not None:
            hidden = hidden_answer(self.lungs_hidden[index], classes)
            only = hidden_answer(self.lungs_only[index], classes)
        return replace(
            to_prediction(self.probabilities[index], classes, self.abnormality_of(index)),
            lungs_hidden=hidden,
            lungs_only=only,
        )


def screen(
    images: Sequence[LoadedImage | PreparedFilm],
    model,
    segmenter=None,
    gate: InputGate | None = None,
    recipe: InputRecipe | None = None,
) -> ScreenedBatch:
    """Preprocess, find the lungs, classify and gate a batch of films (decoded, or already prepared).

    `model` is a `Classifier` (network + card) or a bare network of the project's shape. The gate's image and lung
    checks apply to every model; its feature-space part (a distance in the network's own features) only where the
    gate was calibrated on that network; otherwise the distance is set to a typical film's and the decisions carry
    a note saying so.
    """
    from model.lungs import predict_lung_masks
    from model.registry.classifier import as_classifier, network_inputs

    classifier = as_classifier(model)
    if recipe is not None:
        classifier = replace(classifier, card=replace(classifier.card, recipe=recipe))
    films = [image if isinstance(image, PreparedFilm) else prepare_film(image) for image in images]
    pixels = [image.pixels if isinstance(image, LoadedImage) else None for image in images]
    model_inputs = np.stack([film.model_input for film in films])
    masks = predict_lung_masks(segmenter, model_inputs) if segmenter is not None else None
    inputs = network_inputs(classifier, model_inputs, masks, segmenter, pixels)
    # Features where the gate reads them, and where no gate is given and the network has them (calibration fits
    # the gate on them).
    with_features = classifier.uses_gate_features(gate) if gate is not None else classifier.has_feature_layer
    head = classifier.abnormality_head if classifier.has_feature_layer else None
    if with_features or head is not None:
        features, probabilities = features_and_probabilities(classifier.network, inputs)
    else:
        features, probabilities = np.empty((len(films), 0)), predict_probabilities(classifier.network, inputs)
    if gate is None or masks is None:
        decisions = [GateDecision(True, float("nan"), (gate_unavailable_warning(),)) for _ in images]
    else:
        distances = gate.feature_space.distances(features) if with_features else [gate.typical_distance] * len(films)
        decisions = [
            gate.assess(film_statistics(film, mask, float(distance), gate.template), with_features)
            for film, mask, distance in zip(films, masks, distances)
        ]
    abnormality = head.probabilities(features) if head is not None else None
    hidden = only = None
    if masks is not None:
        hidden, only = lungs_hidden_probabilities(classifier.network, inputs, masks)
    return ScreenedBatch(model_inputs, inputs, masks, features, probabilities, decisions, abnormality, hidden, only)
