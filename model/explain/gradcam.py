"""Grad-CAM (Selvaraju et al. 2017): channel weights are the mean gradient of the class score.

Traced by default (model.explain.traced); `reference=True` runs tf-keras-vis, the reference implementation.
"""

from __future__ import annotations

import functools

import numpy as np
import tensorflow as tf
from tf_keras_vis.gradcam import Gradcam
from tf_keras_vis.utils.model_modifiers import ReplaceToLinear

from model.explain.base import Explainer
from model.explain.traced import cam_maps


class GradcamExplainer(Explainer):
    """The base of the CAM methods: a subclass sets `name` and `visualiser_class` and overrides `cam_weights`."""

    name = "gradcam"
    visualiser_class = Gradcam

    @staticmethod
    def cam_weights(activations: tf.Tensor, grads: tf.Tensor, score: tf.Tensor) -> tf.Tensor:
        """Grad-CAM: each channel weighted by its mean gradient."""
        return tf.reduce_mean(grads, axis=(1, 2), keepdims=True)

    @functools.cached_property
    def _visualiser(self):
        # Gradients of the pre-softmax score: softmax saturation would flatten them. Built on first use only
        # (it clones the model): the traced path needs no visualiser.
        return self.visualiser_class(self.model, model_modifier=ReplaceToLinear(), clone=True)

    def _compute(self, images: np.ndarray, score, layer: str | None) -> np.ndarray:
        if not self.reference:
            return cam_maps(self.network, images, np.asarray(score.indices), layer, self.cam_weights)
        return self._visualiser(
            score, images, penultimate_layer=layer, seek_penultimate_conv_layer=False, normalize_cam=False
        )
