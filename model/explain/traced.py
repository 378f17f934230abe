"""Traced (tf.function) gradients for the CAM methods and SmoothGrad: the same maps as tf-keras-vis, near the floor.

tf-keras-vis runs eagerly and clones the model per visualiser; here one graph per (model, layer) gives the class
logits (the softmax replaced by its linear input, as tf-keras-vis' ReplaceToLinear does) and the gradients, and the
arithmetic after it is tf-keras-vis' own: Grad-CAM weights by the mean gradient, Grad-CAM++ by its alpha
weighting of exp(score), LayerCAM by the positive gradient element-wise, then ReLU and the same order-1 zoom to the
input size. Each CAM method brings only its weighting (`cam_weights`, on its explainer class); this module runs
the graph and the arithmetic they share. Tests compare every map with tf-keras-vis
(tests/test_traced_explanations.py).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf
from scipy.ndimage import zoom

_graphs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _logit_model(model: keras.Model, layer: str | None) -> tuple[keras.Model, tf.Variable, tf.Variable]:
    """A model giving (layer output, input of the softmax layer), and the softmax layer's kernel and bias."""
    head = model.layers[-1]
    if not isinstance(head, keras.layers.Dense):
        raise ValueError("The traced explainers need a model that ends in a Dense softmax layer.")
    outputs = [head.input] if layer is None else [model.get_layer(layer).output, head.input]
    return keras.Model(model.inputs, outputs), head.kernel, head.bias


def _functions(model: keras.Model, layer: str | None) -> dict[str, object]:
    with _lock:
        per_model = _graphs.setdefault(model, {})
        if layer in per_model:
            return per_model[layer]
        inner, kernel, bias = _logit_model(model, layer)
        signature = [tf.TensorSpec([None, *model.input_shape[1:]], tf.float32), tf.TensorSpec([None], tf.int32)]

        if layer is None:

            @tf.function(input_signature=signature)
            def input_gradients(images, targets):
                with tf.GradientTape() as tape:
                    tape.watch(images)
                    pre = inner(images, training=False)
                    logits = tf.matmul(pre, kernel) + bias
                    score = tf.gather(logits, targets, axis=1, batch_dims=1)
                return tape.gradient(score, images)

            per_model[layer] = {"input_gradients": input_gradients}
        else:

            @tf.function(input_signature=signature)
            def layer_gradients(images, targets):
                with tf.GradientTape() as tape:
                    activations, pre = inner(images, training=False)
                    logits = tf.matmul(pre, kernel) + bias
                    score = tf.gather(logits, targets, axis=1, batch_dims=1)
                return activations, tape.gradient(score, activations), score

            per_model[layer] = {"layer_gradients": layer_gradients}
        return per_model[layer]


def _expand(cams: np.ndarray, height: int, width: int) -> np.ndarray:
    """tf-keras-vis' expand_cam: scipy zoom of order 1 from the layer's grid to the input size."""
    return zoom(cams, (1.0, height / cams.shape[1], width / cams.shape[2]), order=1)


CamWeights = Callable[[tf.Tensor, tf.Tensor, tf.Tensor], tf.Tensor]


def cam_maps(
    model: keras.Model, images: np.ndarray, targets: np.ndarray, layer: str, cam_weights: CamWeights
) -> np.ndarray:
    """Raw (un-normalised) CAMs at the input size: ReLU(sum over channels of weights x activations).

    `cam_weights(activations, grads, score)` is the method's one hook (as `get_cam_weights` is in pytorch-grad-cam):
    float32 tensors (N, h, w, K), (N, h, w, K) and (N,) in, weights that broadcast against the activations out
    ((N, 1, 1, K) for channel weights, (N, h, w, K) for per-location weights).
    """
    compute = _functions(model, layer)["layer_gradients"]
    activations, grads, score = compute(tf.constant(images, tf.float32), tf.constant(targets, tf.int32))
    activations, grads = tf.cast(activations, tf.float32), tf.cast(grads, tf.float32)
    weights = cam_weights(activations, grads, tf.cast(score, tf.float32))
    cam = tf.reduce_sum(weights * activations, axis=-1).numpy()
    return _expand(np.maximum(cam, 0.0), images.shape[1], images.shape[2])


def input_gradient_maps(model: keras.Model, images: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """|d logit / d pixel| per image, channel axis reduced by max (tf-keras-vis Saliency, keepdims=False)."""
    compute = _functions(model, None)["input_gradients"]
    grads = compute(tf.constant(images, tf.float32), tf.constant(targets, tf.int32)).numpy()
    return np.abs(grads).max(axis=-1)


def score_cam_maps(
    model: keras.Model, images: np.ndarray, targets: np.ndarray, layer: str, max_channels: int
) -> np.ndarray:
    """Raw Faster-Score-CAM maps at the input size, tf-keras-vis' arithmetic with traced forward passes.

    As tf-keras-vis does: the `max_channels` channels of the layer with the largest spatial spread (their union over
    the batch), each upsampled (order 1, mode 'nearest') and scaled to [0, 1] as a mask over the input; the weight of
    a channel is softmax(model output)[target] of the masked image (tf-keras-vis applies its score to a softmax of
    the model's outputs, which are already probabilities here; kept so the maps match); ReLU of the weighted sum.
    The masked images run as one traced batch instead of `model.predict` in chunks of 32.
    """
    from model.inference import forward

    activations = forward(_activation_model(model, layer), images).astype(np.float32)
    channels = activations.shape[-1]
    if max_channels < channels:
        spread = activations.std(axis=(1, 2))
        top = np.argsort(-spread, axis=1, kind="stable")[:, :max_channels]
        chosen = list(dict.fromkeys(top.reshape(-1).tolist()))  # tf.unique keeps first-seen order
        activations = activations[..., chosen]
    samples, kept = len(images), activations.shape[-1]
    factors = (1.0, images.shape[1] / activations.shape[1], images.shape[2] / activations.shape[2], 1.0)
    upsampled = zoom(activations, factors, order=1, mode="nearest")
    low = upsampled.min(axis=(1, 2), keepdims=True)
    high = upsampled.max(axis=(1, 2), keepdims=True)
    masks = (upsampled - low) / (high - low + keras.config.epsilon())  # (samples, h, w, kept)
    masked = images[None] * np.transpose(masks, (3, 0, 1, 2))[..., None]  # (kept, samples, h, w, c)
    probabilities = forward(model, masked.reshape(-1, *images.shape[1:]).astype(np.float32))
    weights = tf.nn.softmax(tf.constant(probabilities)).numpy().reshape(kept, samples, -1)
    weights = weights[:, np.arange(samples), targets].T  # (samples, kept)
    cam = np.maximum(np.einsum("shwk,sk->shw", activations, weights), 0.0)
    return _expand(cam, images.shape[1], images.shape[2])


_activation_models: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _activation_model(model: keras.Model, layer: str) -> keras.Model:
    with _lock:
        per_model = _activation_models.setdefault(model, {})
        if layer not in per_model:
            per_model[layer] = keras.Model(model.inputs, model.get_layer(layer).output)
        return per_model[layer]
