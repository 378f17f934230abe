"""Grad-CAM (Selvaraju et al. 2017): channel weights are the mean gradient of the class score."""

from __future__ import annotations

import numpy as np
from tf_keras_vis.gradcam import Gradcam
from tf_keras_vis.utils.model_modifiers import ReplaceToLinear

from model.explain.base import Explainer


class GradcamExplainer(Explainer):
    name = "gradcam"
    visualiser_class = Gradcam

    def __init__(self, model) -> None:
        super().__init__(model)
        # Gradients of the pre-softmax score: softmax saturation would flatten them.
        self._visualiser = self.visualiser_class(model, model_modifier=ReplaceToLinear(), clone=True)

    def _compute(self, images: np.ndarray, score, layer: str | None) -> np.ndarray:
        return self._visualiser(
            score, images, penultimate_layer=layer, seek_penultimate_conv_layer=False, normalize_cam=False
        )
