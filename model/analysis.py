"""One call from loaded images to prediction, heatmap and trust figures: what the CLI and the dashboard show.

Batched throughout: the images are preprocessed together, predicted together and explained together; only the
faithfulness curves run per image. The result per film is one typed record, `FilmAnalysis`, with one `to_json()`
that the command line, the dashboard's downloads and any batch job share.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from model import config
from model.explain import get_explainer, method_info
from model.image_io import LoadedImage
from model.inference import Prediction, predict_probabilities, to_prediction
from model.lungs import predict_lung_masks, share_inside
from model.preprocessing import to_model_input
from model.trust.faithfulness import FaithfulnessScore, faithfulness
from model.trust.wording import Verdict, faithfulness_verdict, lung_share_verdict


@dataclass
class FilmAnalysis:
    """Everything computed for one film with one method. The image itself stays with the caller."""

    model_input: np.ndarray  # (S, S, 1) what the classifier saw
    prediction: Prediction
    method: str
    layer: str | None
    target_class: str
    heatmap: np.ndarray  # (S, S) in [0, 1]
    faithfulness: FaithfulnessScore | None
    seconds: float  # this film's share of the map's time, plus its faithfulness curves
    lung_mask: np.ndarray | None = None  # (S, S) bool, when a segmenter was given
    lung_share: float | None = None  # share of the heatmap's mass inside the lung mask

    @property
    def method_label(self) -> str:
        return method_info(self.method).label

    @property
    def title(self) -> str:
        """What the map shows, in the words a figure caption needs."""
        layer = f" on layer {self.layer}" if self.layer else ""
        return f"{self.method_label} for {self.target_class}{layer}"

    def verdicts(self) -> dict[str, Verdict]:
        """The judgements on this map, worded once (model.trust.wording)."""
        found = {"lung_share": lung_share_verdict(self.lung_share)}
        if self.faithfulness is not None:
            found["faithfulness"] = faithfulness_verdict(self.faithfulness.score, self.faithfulness.random_score)
        return found

    def to_json(self) -> dict[str, object]:
        return {
            **self.prediction.to_json(),
            "method": self.method,
            "layer": self.layer,
            "target_class": self.target_class,
            "faithfulness": self.faithfulness.to_json() if self.faithfulness else None,
            "lung_share": None if self.lung_share is None else round(self.lung_share, 4),
            "verdicts": {name: verdict.to_json() for name, verdict in self.verdicts().items()},
            "seconds": round(self.seconds, 4),
            "model_file": config.MODEL_PATH.name,
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
) -> list[FilmAnalysis]:
    """Predict and explain a batch; target defaults to each image's predicted class.

    With a lung `segmenter`, each result also carries the lung mask and the share of heat inside it. Pages that
    only draw an overlay call `overlay_only`, which skips both the faithfulness curves and the lung mask.
    """
    inputs = np.stack([to_model_input(image.pixels) for image in images])
    probabilities = predict_probabilities(model, inputs)
    targets = np.full(len(images), class_index(target_class)) if target_class else probabilities.argmax(axis=1)
    result = get_explainer(model, method)(inputs, targets, layer)
    masks = predict_lung_masks(segmenter, inputs) if segmenter is not None else [None] * len(images)
    analyses = []
    for index in range(len(images)):
        started = time.perf_counter()
        score = (
            faithfulness(model, inputs[index], result.maps[index], int(targets[index])) if with_faithfulness else None
        )
        analyses.append(
            FilmAnalysis(
                model_input=inputs[index],
                prediction=to_prediction(probabilities[index]),
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
    return analyses


def overlay_only(model, images: list[LoadedImage], method: str = config.DEFAULT_EXPLAINER) -> list[FilmAnalysis]:
    """The light analysis: prediction and map for the predicted class, nothing else (galleries, teaching)."""
    return explain_images(model, images, method, with_faithfulness=False, segmenter=None)
