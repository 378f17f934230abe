"""The lungs-hidden test (after Maguolo & Nanni 2021): does the answer survive with the lung fields hidden?

A classifier that still says COVID-19 when it cannot see the lungs is reading something else: the border, the
labels, the view, the hospital. Each film is sent again with its lung fields filled, and again with everything but
the lungs filled. The fill is the film's own mean, not black: a black hole in a radiograph is itself a feature a
network may react to, and the question is what the model loses, not what it gains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class HiddenAnswer:
    """The model's answer on one altered film."""

    label: str
    probabilities: dict[str, float]

    def to_json(self) -> dict[str, object]:
        return {"prediction": self.label, "probabilities": {k: round(v, 6) for k, v in self.probabilities.items()}}


def hidden_films(inputs: np.ndarray, masks: np.ndarray, keep_lungs: bool) -> np.ndarray:
    """(N, s, s, c) network inputs with the lungs (or, with `keep_lungs`, everything else) filled with each film's
    mean; `masks` are (N, S, S) lung masks in the analysis frame, resized to the input here."""
    from model.registry.classifier import resize_stack

    scaled = resize_stack(masks.astype(np.uint8), inputs.shape[1], nearest=True).astype(bool)[..., None]
    fill = inputs.mean(axis=(1, 2), keepdims=True)
    hide = ~scaled if keep_lungs else scaled
    return np.where(hide, fill, inputs).astype(np.float32)


def lungs_hidden_probabilities(network, inputs: np.ndarray, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities with the lungs hidden, probabilities with only the lungs shown), each (N, classes)."""
    from model.inference import predict_probabilities

    both = np.concatenate([hidden_films(inputs, masks, False), hidden_films(inputs, masks, True)])
    probabilities = predict_probabilities(network, both)
    return probabilities[: len(inputs)], probabilities[len(inputs) :]


def hidden_answer(probabilities: np.ndarray, classes: tuple[str, ...]) -> HiddenAnswer:
    values = {name: float(p) for name, p in zip(classes, probabilities)}
    return HiddenAnswer(classes[int(np.argmax(probabilities))], values)


def survival_rates(labels: list[str], hidden_labels: list[str], classes: tuple[str, ...]) -> dict[str, object]:
    """Share of answers that survive with the lungs hidden: overall and by the answered class."""
    answered = np.asarray(labels)
    survived = answered == np.asarray(hidden_labels)
    by_class = {
        name: {"n": int((answered == name).sum()), "survive": float(survived[answered == name].mean())}
        for name in classes
        if (answered == name).any()
    }
    return {"n": len(labels), "survive": float(survived.mean()) if len(labels) else float("nan"), "by_class": by_class}
