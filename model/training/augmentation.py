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


# Acquisition-style augmentation (experiment variant "acquisition"): strong enough that resolution, noise,
# compression, tone curve, collimation and burned-in markers stop telling one hospital from another.
ACQ_DOWNSCALE_RANGE = (0.3, 1.0)  # fraction of the side kept before scaling back up
ACQ_NOISE_STD_MAX = 0.05
ACQ_JPEG_PROBABILITY = 0.6
ACQ_JPEG_QUALITY = (15, 95)
ACQ_BLUR_PROBABILITY = 0.4
ACQ_GAMMA_RANGE = (0.6, 1.6)
ACQ_WINDOW_JITTER = 0.12  # black and white points move by up to this much
ACQ_BORDER_PROBABILITY = 0.5
ACQ_BORDER_MAX = 0.12  # fraction of the side blanked as a collimation band
ACQ_TEXT_PROBABILITY = 0.5
TEXT_STAMPS = ("L", "R", "AP", "PA", "PORTABLE", "SUPINE", "ERECT", "1", "24", "ICU")
TEXT_STAMP_SIZE = (24, 96)


def text_stamps() -> tf.Tensor:
    """A bank of burned-in marker images (1 = ink), drawn once with OpenCV: the letters hospitals stamp on films."""
    import cv2
    import numpy as np

    height, width = TEXT_STAMP_SIZE
    bank = np.zeros((len(TEXT_STAMPS), height, width), dtype=np.float32)
    for i, text in enumerate(TEXT_STAMPS):
        canvas = np.zeros((height, width), dtype=np.uint8)
        scale = 0.9 if len(text) <= 3 else 0.5
        cv2.putText(canvas, text, (2, height - 6), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 2, cv2.LINE_AA)
        bank[i] = canvas / 255.0
    return tf.constant(bank[..., None])


def acquisition(image: tf.Tensor, stamps: tf.Tensor) -> tf.Tensor:
    """One image (S, S, 1) in [0, 1] -> the same film as another hospital's equipment and software might give it."""
    size = tf.shape(image)[0]
    # Resolution: down and back up.
    keep = tf.random.uniform([], *ACQ_DOWNSCALE_RANGE)
    small = tf.maximum(tf.cast(tf.cast(size, tf.float32) * keep, tf.int32), 16)
    image = tf.image.resize(tf.image.resize(image, [small, small], method="area"), [size, size], method="bilinear")
    image = tf.cond(tf.random.uniform([]) < ACQ_BLUR_PROBABILITY, lambda: _blur(image), lambda: image)
    # Tone: a new window and gamma curve.
    low = tf.random.uniform([], 0.0, ACQ_WINDOW_JITTER)
    high = 1.0 - tf.random.uniform([], 0.0, ACQ_WINDOW_JITTER)
    image = tf.clip_by_value((image - low) / (high - low), 0.0, 1.0)
    image = tf.pow(image, tf.random.uniform([], *ACQ_GAMMA_RANGE))
    # Collimation: a blank band along one random edge.
    image = tf.cond(tf.random.uniform([]) < ACQ_BORDER_PROBABILITY, lambda: _border_band(image), lambda: image)
    # A burned-in marker in a random corner region.
    image = tf.cond(tf.random.uniform([]) < ACQ_TEXT_PROBABILITY, lambda: _stamp(image, stamps), lambda: image)
    image = image + tf.random.normal(tf.shape(image), stddev=tf.random.uniform([], 0.0, ACQ_NOISE_STD_MAX))
    image = tf.clip_by_value(image, 0.0, 1.0)
    return tf.cond(
        tf.random.uniform([]) < ACQ_JPEG_PROBABILITY,
        lambda: tf.image.random_jpeg_quality(image, ACQ_JPEG_QUALITY[0], ACQ_JPEG_QUALITY[1]),
        lambda: image,
    )


def _border_band(image: tf.Tensor) -> tf.Tensor:
    size = tf.shape(image)[0]
    width = tf.cast(tf.random.uniform([], 0.02, ACQ_BORDER_MAX) * tf.cast(size, tf.float32), tf.int32)
    rows = tf.range(size)[:, None, None]
    cols = tf.range(size)[None, :, None]
    side = tf.random.uniform([], 0, 4, dtype=tf.int32)
    band = tf.switch_case(
        side, [lambda: rows < width, lambda: rows >= size - width, lambda: cols < width, lambda: cols >= size - width]
    )
    band = tf.broadcast_to(band, tf.shape(image))
    fill = tf.where(tf.random.uniform([]) < 0.5, 0.0, 1.0)
    return tf.where(band, fill, image)


def _stamp(image: tf.Tensor, stamps: tf.Tensor) -> tf.Tensor:
    size = tf.shape(image)[0]
    height, width = TEXT_STAMP_SIZE
    stamp = stamps[tf.random.uniform([], 0, tf.shape(stamps)[0], dtype=tf.int32)]
    top = tf.random.uniform([], 0, size - height, dtype=tf.int32)
    left = tf.random.uniform([], 0, size - width, dtype=tf.int32)
    placed = tf.image.pad_to_bounding_box(stamp, top, left, size, size)
    ink = tf.random.uniform([], 0.8, 1.0)
    return image * (1.0 - placed) + ink * placed
