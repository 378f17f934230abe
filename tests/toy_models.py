"""Tiny models whose right answer is known, for testing explanations.

Each 32x32 image holds one bright 8x8 patch, in one of three thirds (left,
middle, right) at random; the patch's pattern decides the class (horizontal
bars, vertical bars, a solid square). Nothing else in the image carries
information, so a correct map puts its mass in the third that holds the patch.
The network is a small convolutional one with global average pooling, the
shape CAM methods assume.
"""

from __future__ import annotations

import functools

import keras
import numpy as np

SIZE = 32


PATCH = 8


def _pattern(label: int) -> np.ndarray:
    pattern = np.zeros((PATCH, PATCH), dtype=np.float32)
    if label == 0:
        pattern[::2] = 1.0  # horizontal bars
    elif label == 1:
        pattern[:, ::2] = 1.0  # vertical bars
    else:
        pattern[:] = 1.0  # solid square
    return pattern


def patch_images(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images (N, 32, 32, 1), labels (N,), and the third (0-2) holding each patch."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, count)
    thirds = rng.integers(0, 3, count)
    images = rng.normal(0.1, 0.03, (count, SIZE, SIZE, 1)).astype(np.float32)
    width = SIZE // 3
    for image, label, third in zip(images, labels, thirds):
        x = rng.integers(third * width, (third + 1) * width - PATCH + 1)
        y = rng.integers(0, SIZE - PATCH + 1)
        image[y : y + PATCH, x : x + PATCH, 0] = np.maximum(image[y : y + PATCH, x : x + PATCH, 0], _pattern(label))
    return np.clip(images, 0, 1), labels, thirds


def third_mask(third: int) -> np.ndarray:
    mask = np.zeros((SIZE, SIZE), dtype=bool)
    width = SIZE // 3
    mask[:, third * width : (third + 1) * width] = True
    return mask


def build_toy_model() -> keras.Model:
    inputs = keras.Input((SIZE, SIZE, 1), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs)


@functools.lru_cache(maxsize=1)
def trained_toy_model() -> keras.Model:
    """Trained once per test session (a few seconds); near-perfect on held-out images."""
    keras.utils.set_random_seed(0)
    images, labels, _ = patch_images(600)
    model = build_toy_model()
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(images, labels, epochs=12, batch_size=32, verbose=0)
    return model
