"""LayerCAM (Jiang et al. 2021): element-wise positive gradients, usable on earlier, finer layers."""

from __future__ import annotations

import tensorflow as tf
from tf_keras_vis.layercam import Layercam

from model.explain.gradcam import GradcamExplainer


class LayercamExplainer(GradcamExplainer):
    name = "layercam"
    visualiser_class = Layercam

    @staticmethod
    def cam_weights(activations: tf.Tensor, grads: tf.Tensor, score: tf.Tensor) -> tf.Tensor:
        """Every location weighted by its own positive gradient."""
        return tf.nn.relu(grads)
