"""A toy CAM method as a user of the extension point would write it: one class, one hook."""

from __future__ import annotations

import tensorflow as tf

from model.explain.gradcam import GradcamExplainer


class ToyCamExplainer(GradcamExplainer):
    """Every channel weighted alike: the map is the layer's summed activation (a class-blind 'attention')."""

    name = "toycam"

    @staticmethod
    def cam_weights(activations: tf.Tensor, grads: tf.Tensor, score: tf.Tensor) -> tf.Tensor:
        return tf.ones_like(grads[:, :1, :1, :])
