"""Grad-CAM++ (Chattopadhay et al. 2018): higher-order gradient weights, better for several instances."""

from __future__ import annotations

import tensorflow as tf
from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus

from model.explain.gradcam import GradcamExplainer


class GradcamPlusPlusExplainer(GradcamExplainer):
    name = "gradcam++"
    visualiser_class = GradcamPlusPlus

    @staticmethod
    def cam_weights(activations: tf.Tensor, grads: tf.Tensor, score: tf.Tensor) -> tf.Tensor:
        """tf-keras-vis' alpha weighting of exp(score), op for op in float32 (exp(score) makes its rounding matter)."""
        exp_score = tf.reshape(tf.math.exp(score), (-1, 1, 1, 1))
        first = exp_score * grads
        second = first * grads
        third = second * grads
        global_sum = tf.reduce_sum(activations, axis=(1, 2), keepdims=True)
        denominator = second * 2.0 + third * global_sum
        denominator = denominator + tf.cast(second == 0.0, second.dtype)
        alphas = second / denominator
        normaliser = tf.reduce_sum(alphas, axis=(1, 2), keepdims=True)
        alphas = alphas / (normaliser + tf.cast(normaliser == 0.0, normaliser.dtype))
        return tf.reduce_sum(tf.nn.relu(first) * alphas, axis=(1, 2), keepdims=True)
