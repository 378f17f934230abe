"""One call from loaded images to prediction, heatmap and trust figures: what the CLI and the dashboard show.

Batched throughout: the images are preprocessed together, predicted together
and explained together; only the faithfulness curves run per image.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from model import config
from model.explain import get_explainer
from model.image_io import LoadedImage
from model.inference import Prediction, predict_probabilities, to_prediction
from model.lungs import predict_lung_masks, share_inside
from model.preprocessing import to_model_input
from model.trust.faithfulness import FaithfulnessScore, faithfulness


@dataclass
class ImageExplanation:
    image: LoadedImage
    model_input: np.ndarray  # (S, S, 1)
    prediction: Prediction
    method: str
    layer: str | None
    target_class: str
    heatmap: np.ndarray  # (S, S) in [0, 1]
    faithfulness: FaithfulnessScore | None
    seconds: float  # this image's share of the map's time, plus its faithfulness curves
    lung_mask: np.ndarray | None = None  # (S, S) bool, when a segmenter was given
    lung_share: float | None = None  # share of the heatmap's mass inside the lung mask

    def as_json(self) -> dict[str, object]:
        return {
            **self.prediction.as_json(),
            "method": self.method,
            "layer": self.layer,
            "target_class": self.target_class,
            "faithfulness": self.faithfulness.as_json() if self.faithfulness else None,
            "lung_share": None if self.lung_share is None else round(self.lung_share, 4),
            "seconds": round(self.seconds, 4),
        }


def class_index(name: str) -> int:
    if name not in config.CLASS_NAMES:
        raise ValueError(f"Unknown class {name!r}; choose one of {', '.join(config.CLASS_NAMES)}.")
    return config.CLASS_NAMES.index(name)


def explain_images(
    model,
    images: list[LoadedImage],
    method: str = config.DEFAULT_EXPLAINER,
    target_class: str | None = None,
    layer: str | None = None,
    with_faithfulness: bool = True,
    segmenter=None,
) -> list[ImageExplanation]:
    """Predict and explain a batch; target defaults to each image's predicted class.

    With a lung `segmenter`, each explanation also carries the lung mask and the share of heat inside it.
    """
    inputs = np.stack([to_model_input(image.pixels) for image in images])
    probabilities = predict_probabilities(model, inputs)
    predictions = [to_prediction(p) for p in probabilities]
    targets = (
        np.full(len(images), class_index(target_class)) if target_class else probabilities.argmax(axis=1)
    )
    result = get_explainer(model, method)(inputs, targets, layer)
    masks = predict_lung_masks(segmenter, inputs) if segmenter is not None else [None] * len(images)
    explanations = []
    for index, image in enumerate(images):
        started = time.perf_counter()
        score = faithfulness(model, inputs[index], result.maps[index], int(targets[index])) if with_faithfulness else None
        explanations.append(
            ImageExplanation(
                image=image,
                model_input=inputs[index],
                prediction=predictions[index],
                method=method,
                layer=result.layer,
                target_class=config.CLASS_NAMES[int(targets[index])],
                heatmap=result.maps[index],
                faithfulness=score,
                seconds=result.seconds_per_image + time.perf_counter() - started,
                lung_mask=masks[index],
                lung_share=None if masks[index] is None else share_inside(result.maps[index], masks[index]),
            )
        )
    return explanations
