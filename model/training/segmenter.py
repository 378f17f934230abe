"""Train the lung U-Net on the annotated masks, hold some out, and measure Dice and IoU on them.

The hold-out is drawn with the project seed; the training images get small
joint affine jitter (image and mask together) and gamma/contrast jitter on the
image alone.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf

from model import config
from model.data.lung_masks import MaskData, load_mask_dataset  # noqa: F401  (re-exported for the script)
from model.lungs import dice, iou, keep_largest_regions
from model.training.segmenter_network import bce_dice_loss, build_segmenter


def holdout_split(
    count: int, fraction: float = config.SEGMENTER_HOLDOUT_FRACTION, seed: int = config.SEED
) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(count)
    cut = int(round(count * fraction))
    return np.sort(order[cut:]), np.sort(order[:cut])


def _augment(image: tf.Tensor, mask: tf.Tensor, augmenter: keras.Sequential) -> tuple[tf.Tensor, tf.Tensor]:
    both = augmenter(tf.concat([image, mask], axis=-1), training=True)
    image, mask = both[..., :1], tf.round(both[..., 1:])
    gamma = tf.random.uniform([tf.shape(image)[0], 1, 1, 1], 0.75, 1.35)
    image = tf.pow(tf.clip_by_value(image, 0.0, 1.0), gamma)
    return image, mask


def train_segmenter(
    data: MaskData, train_index: np.ndarray, epochs: int = config.SEGMENTER_EPOCHS, seed: int = config.SEED, log=print
) -> tuple[keras.Model, list[dict[str, float]], float]:
    keras.utils.set_random_seed(seed)
    model = build_segmenter()
    steps = int(np.ceil(len(train_index) / config.SEGMENTER_BATCH_SIZE)) * epochs
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps, alpha=0.05)),
        loss=bce_dice_loss,
    )
    augmenter = keras.Sequential(
        [
            keras.layers.RandomRotation(0.03, fill_mode="constant", seed=seed),
            keras.layers.RandomZoom(0.12, fill_mode="constant", seed=seed + 1),
            keras.layers.RandomTranslation(0.06, 0.06, fill_mode="constant", seed=seed + 2),
        ]
    )
    dataset = (
        tf.data.Dataset.from_tensor_slices((data.images[train_index], data.masks[train_index]))
        .shuffle(len(train_index), seed=seed)
        .batch(config.SEGMENTER_BATCH_SIZE)
        .map(lambda x, y: _augment(x, y, augmenter), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    history = []
    started = time.perf_counter()
    for epoch in range(epochs):
        fit = model.fit(dataset, epochs=1, verbose=0, shuffle=False)  # the dataset shuffles itself
        history.append({"epoch": epoch + 1, "loss": float(fit.history["loss"][0])})
        log(f"epoch {epoch + 1}/{epochs}: loss {history[-1]['loss']:.4f}")
    # Re-estimate batch-norm statistics on clean images (see model.training.loop.recalibrate_batch_norm).
    from model.training.loop import recalibrate_batch_norm

    recalibrate_batch_norm(model, data.images[train_index], batch_size=config.SEGMENTER_BATCH_SIZE)
    return model, history, time.perf_counter() - started


def evaluate_segmenter(model: keras.Model, data: MaskData, index: np.ndarray) -> dict[str, object]:
    probabilities = np.asarray(model.predict(data.images[index], verbose=0))[..., 0]
    dices, ious = [], []
    for probability, truth in zip(probabilities, data.masks[index][..., 0]):
        predicted = keep_largest_regions(probability >= config.SEGMENTER_THRESHOLD)
        dices.append(dice(predicted, truth))
        ious.append(iou(predicted, truth))
    return {
        "n": int(len(index)),
        "dice_mean": float(np.mean(dices)),
        "dice_median": float(np.median(dices)),
        "dice_p10": float(np.percentile(dices, 10)),
        "iou_mean": float(np.mean(ious)),
        "iou_median": float(np.median(ious)),
        "held_out_images": [data.names[i] for i in index],
    }
