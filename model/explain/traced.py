"""The arithmetic the CAM methods and SmoothGrad share, on any `model.network.Network`: the same maps as
tf-keras-vis, near the floor.

The network gives activations, gradients of the class logit (the softmax replaced by its linear input, as
tf-keras-vis' ReplaceToLinear does) and probabilities (its adapter traces them: model.network.keras_network); the
arithmetic after it is tf-keras-vis' own: Grad-CAM weights by the mean gradient, Grad-CAM++ by its alpha weighting
of exp(score), LayerCAM by the positive gradient element-wise, then ReLU and the same order-1 zoom to the input size.
Each CAM method brings only its weighting (`cam_weights`, on its explainer class). Tests compare every map with
tf-keras-vis (tests/test_traced_explanations.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf
from scipy.ndimage import zoom

from model.network import Network

EPSILON = 1e-7  # keras.config.epsilon(), which tf-keras-vis' Score-CAM adds to its mask denominators


def _expand(cams: np.ndarray, height: int, width: int) -> np.ndarray:
    """tf-keras-vis' expand_cam: scipy zoom of order 1 from the layer's grid to the input size."""
    return zoom(cams, (1.0, height / cams.shape[1], width / cams.shape[2]), order=1)


CamWeights = Callable[[tf.Tensor, tf.Tensor, tf.Tensor], tf.Tensor]


def cam_maps(
    network: Network, images: np.ndarray, targets: np.ndarray, layer: str, cam_weights: CamWeights
) -> np.ndarray:
    """Raw (un-normalised) CAMs at the input size: ReLU(sum over channels of weights x activations).

    `cam_weights(activations, grads, score)` is the method's one hook (as `get_cam_weights` is in pytorch-grad-cam):
    float32 tensors (N, h, w, K), (N, h, w, K) and (N,) in, weights that broadcast against the activations out
    ((N, 1, 1, K) for channel weights, (N, h, w, K) for per-location weights).
    """
    activations, grads, score = network.layer_gradients(images, np.asarray(targets, dtype=np.int32), layer)
    activations, grads = tf.constant(activations, tf.float32), tf.constant(grads, tf.float32)
    weights = cam_weights(activations, grads, tf.constant(score, tf.float32))
    cam = tf.reduce_sum(weights * activations, axis=-1).numpy()
    return _expand(np.maximum(cam, 0.0), images.shape[1], images.shape[2])


def input_gradient_maps(network: Network, images: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """|d logit / d pixel| per image, channel axis reduced by max (tf-keras-vis Saliency, keepdims=False)."""
    grads = np.asarray(network.input_gradients(images, np.asarray(targets, dtype=np.int32)))
    return np.abs(grads).max(axis=-1)


def score_cam_maps(
    network: Network, images: np.ndarray, targets: np.ndarray, layer: str, max_channels: int
) -> np.ndarray:
    """Raw Faster-Score-CAM maps at the input size, tf-keras-vis' arithmetic with traced forward passes.

    As tf-keras-vis does: the `max_channels` channels of the layer with the largest spatial spread (their union over
    the batch), each upsampled (order 1, mode 'nearest') and scaled to [0, 1] as a mask over the input; the weight of
    a channel is softmax(model output)[target] of the masked image (tf-keras-vis applies its score to a softmax of
    the model's outputs, which are already probabilities here; kept so the maps match); ReLU of the weighted sum.
    The masked images run as one batch through the network instead of `model.predict` in chunks of 32.
    """
    activations = network.activations(images, layer).astype(np.float32)
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
    masks = (upsampled - low) / (high - low + EPSILON)  # (samples, h, w, kept)
    masked = images[None] * np.transpose(masks, (3, 0, 1, 2))[..., None]  # (kept, samples, h, w, c)
    probabilities = network.probabilities(masked.reshape(-1, *images.shape[1:]).astype(np.float32))
    weights = tf.nn.softmax(tf.constant(probabilities)).numpy().reshape(kept, samples, -1)
    weights = weights[:, np.arange(samples), targets].T  # (samples, kept)
    cam = np.maximum(np.einsum("shwk,sk->shw", activations, weights), 0.0)
    return _expand(cam, images.shape[1], images.shape[2])
