"""Gradients of an ONNX model's class logit, through its TensorFlow translation (model.network.onnx_tensorflow).

The score is the target's logit, as for Keras: the input of the graph's final Softmax or Sigmoid where the model
ends in one, the raw output where the card says the model gives logits, else the log of the probability.
Gradients are taken with respect to the analysis frame's 0-1 film, so the card's scaling and layout are applied
inside the tape.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from model.network.onnx_network import scaling_arrays
from model.network.onnx_tensorflow import TensorflowGraph


def logit_tensor(proto, output: str) -> tuple[str, bool]:
    """(name of the tensor to differentiate, whether it is a probability whose log must be taken)."""
    producer = next((node for node in proto.graph.node if output in node.output), None)
    if producer is not None and producer.op_type in ("Softmax", "Sigmoid"):
        return producer.input[0], False
    return output, True


class OnnxGradients:
    def __init__(self, proto, card, input_name: str, output: str) -> None:
        self.graph = TensorflowGraph(proto)
        self.card, self.input_name, self.output = card, input_name, output
        self.logit, self.take_log = logit_tensor(proto, output)
        if card.output == "logits":
            self.logit, self.take_log = output, False
        offset, scale = scaling_arrays(card.scaling, card.channels)
        self._offset, self._scale = tf.constant(offset), tf.constant(scale)

    def _feed(self, films: tf.Tensor) -> dict[str, tf.Tensor]:
        x = (films - self._offset) / self._scale
        return {self.input_name: tf.transpose(x, (0, 3, 1, 2)) if self.card.layout == "NCHW" else x}

    def _score(self, value: tf.Tensor, targets: np.ndarray) -> tf.Tensor:
        value = tf.reshape(tf.cast(value, tf.float32), (tf.shape(value)[0], -1))
        picked = tf.gather(value, tf.constant(targets, tf.int32), axis=1, batch_dims=1)
        return tf.math.log(tf.maximum(picked, 1e-12)) if self.take_log else picked

    def probabilities(self, films: np.ndarray) -> np.ndarray:
        (value,) = self.graph.run(self._feed(tf.constant(films, tf.float32)), [self.output])
        return value.numpy()

    def layer_gradients(self, films, targets, layer: str):
        images = tf.constant(films, tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(images)  # eager tapes record only what flows from a watched tensor
            activations, logit = self.graph.run(self._feed(images), [layer, self.logit])
            score = self._score(logit, targets)
        grads = tape.gradient(score, activations)
        return activations.numpy().astype(np.float32), grads.numpy().astype(np.float32), score.numpy()

    def input_gradients(self, films, targets):
        images = tf.constant(films, tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(images)
            (logit,) = self.graph.run(self._feed(images), [self.logit])
            score = self._score(logit, targets)
        return tape.gradient(score, images).numpy()
