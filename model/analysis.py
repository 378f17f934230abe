"""One call from loaded images to prediction, heatmap and trust figures: what the CLI and the dashboard show.

Batched throughout: the images are preprocessed together, predicted together and explained together; only the
faithfulness curves run per image. The result per film is one typed record, `FilmAnalysis`, with one `to_json()`
that the command line, the dashboard's downloads and any batch job share.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from model import config
from model.explain import method_info
from model.gate.gate import NOT_A_CHEST_XRAY, InputGate, InputWarning
from model.gate.screening import screen
from model.image_io import LoadedImage
from model.inference import Prediction
from model.lungs import peak_inside, share_inside
from model.registry.classifier import as_classifier, to_analysis_frame
from model.trust.faithfulness import FaithfulnessScore, faithfulness
from model.trust.wording import Verdict, faithfulness_verdict, lung_share_verdict


def warnings_json(warnings: list[InputWarning]) -> list[dict[str, str]]:
    return [warning.to_json() for warning in warnings]


@dataclass
class FilmPrediction:
    """The answer for one film, or no answer: a film the gate stops has no prediction, only its warning."""

    prediction: Prediction | None
    warnings: list[InputWarning]
    model_id: str = ""

    @property
    def stopped(self) -> bool:
        return any(warning.code == NOT_A_CHEST_XRAY for warning in self.warnings)

    def to_json(self) -> dict[str, object]:
        answer = self.prediction.to_json() if self.prediction is not None else {"prediction": None}
        return {**answer, "warnings": warnings_json(self.warnings), "model": self.model_id}


def predict_films(
    model, images: list[LoadedImage], segmenter=None, gate: InputGate | None = None
) -> list[FilmPrediction]:
    """Screen and classify a batch; the gate withholds the prediction of anything that is not a chest film."""
    classifier = as_classifier(model)
    screened = screen(images, classifier, segmenter, gate)
    return [
        FilmPrediction(
            None if not decision.is_chest_xray else screened.prediction(i, classifier.classes),
            list(decision.warnings),
            classifier.id,
        )
        for i, decision in enumerate(screened.decisions)
    ]


@dataclass
class FilmAnalysis:
    """Everything computed for one film with one method. The image itself stays with the caller."""

    model_input: np.ndarray  # (S, S, 1) what the classifier saw
    prediction: Prediction | None  # None when the gate stopped the film (and nobody asked to explain it anyway)
    method: str
    layer: str | None
    target_class: str | None
    heatmap: np.ndarray | None  # (S, S) in [0, 1]
    faithfulness: FaithfulnessScore | None
    seconds: float  # this film's share of the map's time, plus its faithfulness curves
    lung_mask: np.ndarray | None = None  # (S, S) bool, when a segmenter was given
    lung_share: float | None = None  # share of the heatmap's mass inside the lung mask
    warnings: list[InputWarning] = field(default_factory=list)
    model_id: str = ""
    model_sha256: str = ""

    @property
    def stopped(self) -> bool:
        """The gate judged this is not a chest film (it may still have been explained, for teaching)."""
        return any(warning.code == NOT_A_CHEST_XRAY for warning in self.warnings)

    @property
    def peak_in_lungs(self) -> bool | None:
        """Is the map's hottest point inside the lung mask? None without a map or a mask."""
        if self.heatmap is None or self.lung_mask is None:
            return None
        return peak_inside(self.heatmap, self.lung_mask)

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
        if self.heatmap is None:
            return {}
        from model.lungs import plausible_lung_mask

        mask = self.lung_mask
        found = {
            "lung_share": lung_share_verdict(
                self.lung_share,
                None if mask is None else float(mask.mean()),
                True if mask is None else plausible_lung_mask(mask),
                self.peak_in_lungs,
            )
        }
        if self.faithfulness is not None:
            target = None
            if self.prediction is not None and self.target_class is not None:
                target = self.prediction.probabilities[self.target_class]
            found["faithfulness"] = faithfulness_verdict(
                self.faithfulness.score,
                self.faithfulness.random_score,
                target,
                passes_sanity=method_info(self.method).passes_sanity,
                chest_film=not self.stopped,
            )
        return found

    def to_json(self) -> dict[str, object]:
        answer = self.prediction.to_json() if self.prediction is not None else {"prediction": None}
        return {
            **answer,
            "warnings": warnings_json(self.warnings),
            "method": self.method,
            "layer": self.layer,
            "target_class": self.target_class,
            "faithfulness": self.faithfulness.to_json() if self.faithfulness else None,
            "lung_share": None if self.lung_share is None else round(self.lung_share, 4),
            "peak_in_lungs": self.peak_in_lungs,
            "verdicts": {name: verdict.to_json() for name, verdict in self.verdicts().items()},
            "seconds": round(self.seconds, 4),
            "model": self.model_id,
            "model_sha256": self.model_sha256,
        }


def class_index(name: str, classes: tuple[str, ...] = config.CLASS_NAMES) -> int:
    if name not in classes:
        raise ValueError(f"Unknown class {name!r}; choose one of {', '.join(classes)}.")
    return classes.index(name)


def explain_images(
    model,
    images: list[LoadedImage],
    request: AnalysisRequest | None = None,
    segmenter=None,
    gate: InputGate | None = None,
) -> list[FilmAnalysis]:
    """Screen, predict and explain a batch; target defaults to each image's predicted class.

    With a lung `segmenter`, each result also carries the lung mask and the share of heat inside it; with a
    `gate`, a film that is not a chest X-ray gets no prediction and no map unless `explain_anyway` (teaching).
    Pages that only draw an overlay pass `with_faithfulness=False`: the curves are most of the cost. `request`
    (default: the default method on the predicted class) travels unchanged from the page or CLI to here.
    """
    from model.explain.registry import get_explainer  # TensorFlow: only the explaining paths pay for it

    request = request or AnalysisRequest(config.DEFAULT_EXPLAINER)
    method, target_class, layer = request.method, request.target_class, request.layer
    with_faithfulness, explain_anyway = request.with_faithfulness, request.explain_anyway
    classifier = as_classifier(model)
    classes = classifier.classes
    screened = screen(images, classifier, segmenter, gate)
    inputs, probabilities = screened.classifier_inputs, screened.probabilities
    answer = np.array([d.is_chest_xray or explain_anyway for d in screened.decisions])
    targets = np.full(len(images), class_index(target_class, classes)) if target_class else probabilities.argmax(1)
    maps, chosen_layer, seconds_per_image = [None] * len(images), None, 0.0
    if answer.any():
        result = get_explainer(classifier.network, method)(inputs[answer], targets[answer], layer)
        for slot, heatmap in zip(np.flatnonzero(answer), result.maps):
            maps[slot] = heatmap
        chosen_layer, seconds_per_image = result.layer, result.seconds_per_image
    masks = screened.lung_masks if screened.lung_masks is not None else [None] * len(images)
    analyses = []
    for index, decision in enumerate(screened.decisions):
        started = time.perf_counter()
        heatmap = maps[index]
        score = None
        if with_faithfulness and heatmap is not None:  # on the network's own input, before any resizing
            score = faithfulness(classifier.network, inputs[index], heatmap, int(targets[index]))
        if heatmap is not None:
            heatmap = to_analysis_frame(heatmap[None])[0]
        analyses.append(
            FilmAnalysis(
                model_input=screened.model_inputs[index],
                prediction=screened.prediction(index, classes) if answer[index] else None,
                method=method,
                layer=chosen_layer if heatmap is not None else None,
                target_class=classes[int(targets[index])] if heatmap is not None else None,
                heatmap=heatmap,
                faithfulness=score,
                seconds=(seconds_per_image if heatmap is not None else 0.0) + time.perf_counter() - started,
                lung_mask=masks[index],
                lung_share=None if masks[index] is None or heatmap is None else share_inside(heatmap, masks[index]),
                warnings=list(decision.warnings),
                model_id=classifier.id,
                model_sha256=classifier.card.sha256,
            )
        )
    return analyses


@dataclass(frozen=True)
class AnalysisRequest:
    """One analysis, as the person or the tool asked for it: the one value that travels from the Explain controls or
    the CLI through the shared worker's queue (films sharing it are batched), the analysis process and the model
    pool to the explainer, never unpacked on the way. `model_id` is resolved at the edge (the page's chosen model,
    the CLI's --model); "" only in requests a caller completes before submitting."""

    method: str
    target_class: str | None = None
    layer: str | None = None
    explain_anyway: bool = False
    with_faithfulness: bool = True
    model_id: str = ""

    def explain(self, model, films: list, segmenter=None, gate=None) -> list:
        """This analysis of `films` (FilmAnalysis each): the one call the worker's batches make."""
        return explain_images(model, films, self, segmenter=segmenter, gate=gate)
