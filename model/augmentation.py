"""Training-time augmentation for radiographs, as TensorFlow ops.

Chosen to make source shortcuts less useful rather than to add variety for its
own sake: JPEG re-compression on half the images (the pediatric set arrives as
JPEG, the others as PNG), blur, gamma and contrast jitter (exposure differs by
hospital), and small rotations, zooms and shifts (positioning). No horizontal
flips: they would put the heart on the wrong side.
"""
from __future__ import annotations

import keras
import tensorflow as tf

from model import config

ROTATION_FRACTION = 0.02  # of a full turn: about +-7 degrees
ZOOM = 0.10
SHIFT = 0.06
JPEG_PROBABILITY = 0.5
JPEG_QUALITY = (30, 95)
BLUR_PROBABILITY = 0.3
GAMMA_RANGE = (0.75, 1.35)
CONTRAST_RANGE = (0.8, 1.2)
NOISE_STD = 0.02


def geometric_augmenter(seed: int = config.SEED) -> keras.Sequential:
    """Small affine jitter, applied to a batch; filled with black like a collimated film edge."""
    return keras.Sequential(
        [
            keras.layers.RandomRotation(ROTATION_FRACTION, fill_mode="constant", seed=seed),
            keras.layers.RandomZoom(ZOOM, fill_mode="constant", seed=seed + 1),
            keras.layers.RandomTranslation(SHIFT, SHIFT, fill_mode="constant", seed=seed + 2),
        ],
        name="augment",
    )


def photometric(image: tf.Tensor) -> tf.Tensor:
    """One image (S, S, 1) in [0, 1]: JPEG, blur, gamma, contrast, noise; result clipped to [0, 1]."""
    if_jpeg = tf.random.uniform([]) < JPEG_PROBABILITY
    image = tf.cond(
        if_jpeg,
        lambda: tf.image.random_jpeg_quality(image, JPEG_QUALITY[0], JPEG_QUALITY[1]),
        lambda: image,
    )
    image = tf.cond(tf.random.uniform([]) < BLUR_PROBABILITY, lambda: _blur(image), lambda: image)
    gamma = tf.random.uniform([], *GAMMA_RANGE)
    image = tf.pow(tf.clip_by_value(image, 0.0, 1.0), gamma)
    image = tf.image.random_contrast(image, *CONTRAST_RANGE)
    image = image + tf.random.normal(tf.shape(image), stddev=NOISE_STD)
    return tf.clip_by_value(image, 0.0, 1.0)


def _blur(image: tf.Tensor) -> tf.Tensor:
    kernel = tf.constant([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    kernel_2d = tf.tensordot(kernel, kernel, axes=0)[:, :, None, None]
    return tf.nn.conv2d(image[None], kernel_2d, strides=1, padding="SAME")[0]
