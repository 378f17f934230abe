"""The Keras adapter: traced (tf.function) forward passes and gradients, one graph per (model, layer).

tf-keras-vis runs eagerly and clones the model per visualiser; here one graph per layer gives the class logits (the
softmax replaced by its linear input, as tf-keras-vis' ReplaceToLinear does) and their gradients.
"""

from __future__ import annotations

import threading

import keras
import numpy as np
import tensorflow as tf

from model import config
from model.network.base import Capabilities


def convolutional_layers(model: keras.Model) -> list[str]:
    """Names of the Conv2D layers whose output still has a spatial map (more than 1x1), input to output."""
    names = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            shape = layer.output.shape
            if len(shape) == 4 and (shape[1] or 0) > 1 and (shape[2] or 0) > 1:
                names.append(layer.name)
    return names


def spatial_keras_layers(model: keras.Model) -> list[str]:
    """Every layer a CAM can read: the convolutions and the normalisations and activations after them (the names
    ONNX exports keep: tf2onnx folds a BatchNormalization into its Conv, so a Keras model and its export share the
    activation layers, not the pre-normalisation convolutions)."""
    names = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D) or type(layer).__name__ in config.KERAS_LAYER_TYPES:
            shape = layer.output.shape
            if len(shape) == 4 and (shape[1] or 0) > 1 and (shape[2] or 0) > 1:
                names.append(layer.name)
    return names


def _ends_in_dense(model: keras.Model) -> bool:
    return isinstance(model.layers[-1], keras.layers.Dense)


class KerasNetwork:
    """A Keras 3 model behind the `Network` protocol; `keras_model` stays reachable for Keras-only tools
    (tf-keras-vis reference maps, the randomisation sanity check, the LiteRT export)."""

    def __init__(self, model: keras.Model) -> None:
        self.keras_model = model
        has_features = any(layer.name == config.FEATURE_LAYER for layer in model.layers)
        dense = _ends_in_dense(model)
        self.capabilities = Capabilities(
            backend="keras",
            layers=bool(convolutional_layers(model)),
            gradients=dense,
            features=has_features,
            why_no_layers="the model has no convolutional layer with a spatial map",
            why_no_gradients="the traced gradients need a model that ends in a Dense softmax layer",
        )
        self._lock = threading.Lock()
        self._graphs: dict[str | None, object] = {}
        self._activation_models: dict[str, keras.Model] = {}
        self._forward = None
        self._with_features = None

    @property
    def input_shape(self) -> tuple:
        return tuple(self.keras_model.input_shape)

    @property
    def output_width(self) -> int:
        return int(self.keras_model.output_shape[-1])

    def _traced_forward(self, model: keras.Model):
        signature = [tf.TensorSpec([None, *model.input_shape[1:]], tf.float32)]
        return tf.function(lambda x: model(x, training=False), input_signature=signature)

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        # Calling a Keras 3 model eagerly costs ~50 ms of Python per call on this CPU for a 5 ms network; the traced
        # function (any batch size) brings a warm single-image prediction down to a few milliseconds.
        with self._lock:
            if self._forward is None:
                self._forward = self._traced_forward(self.keras_model)
        return self._forward(np.asarray(inputs, dtype=np.float32)).numpy()

    def spatial_layers(self) -> list[str]:
        return spatial_keras_layers(self.keras_model)

    def default_layer(self) -> str | None:
        """The last Conv2D: the shipped figures were computed there."""
        layers = convolutional_layers(self.keras_model)
        return layers[-1] if layers else None

    def activations(self, inputs: np.ndarray, layer: str) -> np.ndarray:
        with self._lock:
            if layer not in self._activation_models:
                inner = keras.Model(self.keras_model.inputs, self.keras_model.get_layer(layer).output)
                self._activation_models[layer] = self._traced_forward(inner)
            function = self._activation_models[layer]
        return function(np.asarray(inputs, dtype=np.float32)).numpy().astype(np.float32)

    def features_and_probabilities(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        model = self.keras_model
        with self._lock:
            if self._with_features is None:
                both = keras.Model(model.inputs, [model.get_layer(config.FEATURE_LAYER).output, model.output])
                self._with_features = self._traced_forward(both)
        features, probabilities = self._with_features(np.asarray(inputs, dtype=np.float32))
        return features.numpy(), probabilities.numpy()

    def _gradient_function(self, layer: str | None):
        with self._lock:
            if layer in self._graphs:
                return self._graphs[layer]
            model = self.keras_model
            head = model.layers[-1]
            if not isinstance(head, keras.layers.Dense):
                raise ValueError("The traced explainers need a model that ends in a Dense softmax layer.")
            outputs = [head.input] if layer is None else [model.get_layer(layer).output, head.input]
            inner, kernel, bias = keras.Model(model.inputs, outputs), head.kernel, head.bias
            signature = [tf.TensorSpec([None, *model.input_shape[1:]], tf.float32), tf.TensorSpec([None], tf.int32)]
            if layer is None:

                @tf.function(input_signature=signature)
                def function(images, targets):
                    with tf.GradientTape() as tape:
                        tape.watch(images)
                        pre = inner(images, training=False)
                        logits = tf.matmul(pre, kernel) + bias
                        score = tf.gather(logits, targets, axis=1, batch_dims=1)
                    return tape.gradient(score, images)

            else:

                @tf.function(input_signature=signature)
                def function(images, targets):
                    with tf.GradientTape() as tape:
                        activations, pre = inner(images, training=False)
                        logits = tf.matmul(pre, kernel) + bias
                        score = tf.gather(logits, targets, axis=1, batch_dims=1)
                    return activations, tape.gradient(score, activations), score

            self._graphs[layer] = function
            return function

    def layer_gradients(
        self, inputs: np.ndarray, targets: np.ndarray, layer: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        compute = self._gradient_function(layer)
        activations, grads, score = compute(tf.constant(inputs, tf.float32), tf.constant(targets, tf.int32))
        return (
            activations.numpy().astype(np.float32),
            grads.numpy().astype(np.float32),
            score.numpy().astype(np.float32),
        )

    def input_gradients(self, inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
        compute = self._gradient_function(None)
        return compute(tf.constant(inputs, tf.float32), tf.constant(targets, tf.int32)).numpy()
