"""The classifier: a compact, flat, functional Keras CNN on one grayscale channel.

Flat (no nested sub-models) because tf-keras-vis' CAM methods must reach the
convolutional layers by name. Small because it trains from scratch on two CPU
cores; batch normalisation and global average pooling keep it stable and keep
the last convolution's spatial map meaningful for Grad-CAM.
"""

from __future__ import annotations

import keras
from keras import layers

from model import config

# Filters per stage; each stage halves the resolution. At 160 px the last
# convolution has a 10x10 map.
STAGE_FILTERS: tuple[int, ...] = (16, 32, 64, 128)
DROPOUT: float = 0.3
# Faster-tracking batch-norm statistics than Keras' 0.99: with a few thousand
# steps in all, the slow default lagged the weights and made inference-mode
# predictions collapse to one class during the first epochs (measured).
BN_MOMENTUM: float = 0.9
WEIGHT_DECAY: float = 1e-4


def _conv_block(x: keras.KerasTensor, filters: int, name: str) -> keras.KerasTensor:
    regulariser = keras.regularizers.L2(WEIGHT_DECAY)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_regularizer=regulariser, name=f"{name}_conv1")(
        x
    )
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn1")(x)
    x = layers.ReLU(name=f"{name}_relu1")(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_regularizer=regulariser, name=f"{name}_conv2")(
        x
    )
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn2")(x)
    return layers.ReLU(name=f"{name}_relu2")(x)


def build_classifier(
    image_size: int = config.IMAGE_SIZE,
    num_classes: int = len(config.CLASS_NAMES),
    stage_filters: tuple[int, ...] = STAGE_FILTERS,
) -> keras.Model:
    """Conv stages with pooling in between, global average pooling, softmax over the classes."""
    inputs = keras.Input(shape=(image_size, image_size, 1), name="image")
    x = layers.Conv2D(stage_filters[0], 5, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    for index, filters in enumerate(stage_filters):
        if index > 0:
            x = layers.MaxPooling2D(2, name=f"pool{index}")(x)
        x = _conv_block(x, filters, name=f"stage{index + 1}")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(DROPOUT, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="cxr_classifier")
