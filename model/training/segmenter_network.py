"""A compact U-Net for lung fields: one grayscale channel in, one lung-probability channel out.

Four levels of two 3x3 convolutions with batch norm, skip connections by
concatenation, sigmoid output. Small enough (about half a million weights) to
train from scratch on a few hundred masks on two CPU cores.
"""

from __future__ import annotations

import keras
from keras import layers

from model import config

LEVEL_FILTERS: tuple[int, ...] = (16, 32, 64, 128)


def _double_conv(x, filters: int, name: str):
    for index in (1, 2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv{index}")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"{name}_bn{index}")(x)
        x = layers.ReLU(name=f"{name}_relu{index}")(x)
    return x


def build_segmenter(
    image_size: int = config.SEGMENTER_IMAGE_SIZE, level_filters: tuple[int, ...] = LEVEL_FILTERS
) -> keras.Model:
    inputs = keras.Input((image_size, image_size, 1), name="image")
    skips = []
    x = inputs
    for level, filters in enumerate(level_filters[:-1]):
        x = _double_conv(x, filters, f"down{level}")
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"pool{level}")(x)
    x = _double_conv(x, level_filters[-1], "bottom")
    for level in reversed(range(len(level_filters) - 1)):
        x = layers.Conv2DTranspose(level_filters[level], 2, strides=2, padding="same", name=f"up{level}_transpose")(x)
        x = layers.Concatenate(name=f"up{level}_concat")([x, skips[level]])
        x = _double_conv(x, level_filters[level], f"up{level}")
    outputs = layers.Conv2D(1, 1, activation="sigmoid", name="lung_probability")(x)
    return keras.Model(inputs, outputs, name="lung_unet")


def dice_loss(y_true, y_pred, smooth: float = 1.0):
    intersection = keras.ops.sum(y_true * y_pred, axis=(1, 2, 3))
    total = keras.ops.sum(y_true, axis=(1, 2, 3)) + keras.ops.sum(y_pred, axis=(1, 2, 3))
    return 1.0 - (2.0 * intersection + smooth) / (total + smooth)


def bce_dice_loss(y_true, y_pred):
    """Cross-entropy for pixel-wise calibration plus Dice for overlap (robust to the lung/background imbalance)."""
    return keras.ops.mean(keras.losses.binary_crossentropy(y_true, y_pred), axis=(1, 2)) + dice_loss(y_true, y_pred)
