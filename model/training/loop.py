"""Training loop: balanced sampling, augmentation, early stopping on validation, fixed seeds.

Each epoch draws the same number of images per class, and within a class the
same number per source where a class has several (Normal comes from adults and
children). That makes "child or adult" useless for telling Normal from
Pneumonia, so the network has to look for the disease. Early stopping watches
balanced accuracy on the validation split and keeps the best weights.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from model import config
from model.data.dataset import SplitArrays
from model.inference import predict_probabilities
from model.training.augmentation import acquisition, geometric_augmenter, photometric, text_stamps
from model.training.network import build_classifier


@dataclass
class TrainingResult:
    model: keras.Model
    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0
    # The trained sick-or-healthy output's (kernel (F, 1), bias (1,)) at the best epoch, where one was trained.
    abnormality_weights: list[np.ndarray] | None = None


def balanced_epoch_indices(table: pd.DataFrame, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Indices for one epoch: `per_class` per label, split evenly across its sources (with replacement if short)."""
    chosen: list[np.ndarray] = []
    for _, by_label in table.groupby("label"):
        sources = by_label.groupby("source")
        per_source = int(np.ceil(per_class / sources.ngroups))
        for _, rows in sources:
            index = rows.index.to_numpy()
            chosen.append(rng.choice(index, size=per_source, replace=len(index) < per_source))
    indices = np.concatenate(chosen)
    return indices[rng.permutation(len(indices))]


AUGMENTATIONS: tuple[str, ...] = ("standard", "acquisition")


def _pixel_augmentation(kind: str):
    """The per-image augmentation of a training recipe, as a function of one (S, S, 1) image."""
    if kind == "standard":
        return photometric
    if kind == "acquisition":
        stamps = text_stamps()
        return lambda image: acquisition(image, stamps)
    raise ValueError(f"Unknown augmentation {kind!r}; expected one of {AUGMENTATIONS}.")


def _train_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    seed: int,
    augmentation: str = "standard",
    origins: np.ndarray | None = None,
    lung_weights: np.ndarray | None = None,
    extra_targets: np.ndarray | None = None,
) -> tf.data.Dataset:
    """Augmented batches; with `origins`, the targets are (class, origin) for the source adversary.

    With `lung_weights` (N, S, S) the inputs are (images, lung weights): the weights ride through the same
    geometric jitter as their film (as a second channel), never through the pixel augmentation. `extra_targets`
    (N, k) are appended to the one-hot classes (the abnormality output's answer and sample weight).
    """
    augmenter = geometric_augmenter(seed)
    pixel_augment = _pixel_augmentation(augmentation)
    one_hot = keras.utils.to_categorical(labels, len(config.CLASS_NAMES)).astype(np.float32)
    if extra_targets is not None:
        one_hot = np.concatenate([one_hot, extra_targets.astype(np.float32)], axis=1)
    targets = one_hot if origins is None else (one_hot, origins)
    if lung_weights is None:
        return (
            tf.data.Dataset.from_tensor_slices((images, targets))
            .map(lambda x, y: (pixel_augment(x), y), num_parallel_calls=tf.data.AUTOTUNE)
            .batch(config.BATCH_SIZE)
            .map(lambda x, y: (augmenter(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE)
        )

    def jitter_both(x, w, y):
        both = augmenter(tf.concat([x, w[..., None]], axis=-1), training=True)
        return (both[..., :1], both[..., 1]), y

    return (
        tf.data.Dataset.from_tensor_slices((images, lung_weights, targets))
        .map(lambda x, w, y: (pixel_augment(x), w, y), num_parallel_calls=tf.data.AUTOTUNE)
        .batch(config.BATCH_SIZE)
        .map(jitter_both, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def recalibrate_batch_norm(
    model: keras.Model,
    images: np.ndarray,
    batches: int = 30,
    batch_size: int = config.BATCH_SIZE,
    rng: np.random.Generator | None = None,
) -> None:
    """Re-estimate batch-norm moving statistics on clean (un-augmented) images.

    Training batches are augmented; inference sees clean images. Without this
    step the moving statistics described augmented data, and inference-mode
    predictions on clean validation images swung between epochs (measured:
    balanced accuracy 0.69, 0.35, 0.54 while training accuracy rose steadily).
    Running clean batches in training mode with momentum 0.9 replaces them.
    """
    rng = rng or np.random.default_rng(config.SEED)
    for _ in range(batches):
        pick = rng.choice(len(images), size=min(batch_size, len(images)), replace=False)
        model(images[pick], training=True)


def abnormality_targets(rows: pd.DataFrame) -> np.ndarray:
    """(N, 2): whether each film is abnormal, and a weight that gives every origin × answer the same total."""
    from model.abnormality_head import balanced_sample_weights
    from model.data.manifest import origin_of

    abnormal = (rows["label"] != config.HEALTHY_CLASS).to_numpy()
    groups = np.char.add(origin_of(rows).to_numpy().astype(str), abnormal.astype(int).astype(str))
    return np.stack([abnormal.astype(np.float32), balanced_sample_weights(groups).astype(np.float32)], axis=1)


def balanced_accuracy(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> float:
    recalls = [np.mean(predicted[labels == c] == c) for c in range(num_classes) if np.any(labels == c)]
    return float(np.mean(recalls))


def train(
    train_data: SplitArrays,
    val_data: SplitArrays,
    max_epochs: int = config.MAX_EPOCHS,
    per_class: int = config.TRAIN_IMAGES_PER_CLASS_PER_EPOCH,
    patience: int = config.EARLY_STOPPING_PATIENCE,
    seed: int = config.SEED,
    image_size: int = config.IMAGE_SIZE,
    log: callable = print,
    checkpoint: Path | None = None,
    augmentation: str = "standard",
    label_smoothing: float = config.LABEL_SMOOTHING,
    selection_score=None,
    source_adversary: float = 0.0,
    attention_penalty: float = 0.0,
    penalty_ramp_epochs: int = 0,
    lung_weights: np.ndarray | None = None,
    stage_filters: tuple[int, ...] | None = None,
    abnormality_weight: float = 0.0,
) -> TrainingResult:
    """Train from scratch; with `checkpoint`, the best model so far is saved there after every gain.

    Early stopping watches validation balanced accuracy unless `selection_score(labels, probabilities)` is given
    (for example one that weighs the adult NIH validation patients, who stand in for other hospitals).
    With `source_adversary` > 0 a gradient-reversal head (model.training.adversary) trains alongside, with that
    reversal weight; the returned model is the plain classifier.
    With `attention_penalty` > 0 (needs `lung_weights`, one (S, S) map per training film) the class activation
    mass outside the lungs is penalised (model.training.attention_penalty), its weight ramped over
    `penalty_ramp_epochs`. With `abnormality_weight` > 0 (with the penalty only) a sick-or-healthy output trains
    alongside on the pooled features, each origin × answer weighted alike in every epoch; its weights at the best
    epoch are returned in `abnormality_weights`.
    """
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model = build_classifier(image_size=image_size, **({"stage_filters": stage_filters} if stage_filters else {}))
    schedule = keras.optimizers.schedules.CosineDecay(
        config.LEARNING_RATE,
        decay_steps=max_epochs * int(np.ceil(per_class * len(config.CLASS_NAMES) / config.BATCH_SIZE)),
        alpha=0.05,
    )
    classifier_loss = keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)
    origins = None
    fitted = model
    if source_adversary > 0:
        from model.training.adversary import origin_targets, with_adversary

        origins = origin_targets(train_data.table)
        fitted = with_adversary(model, source_adversary)
        fitted.compile(
            optimizer=keras.optimizers.Adam(schedule),
            loss=[classifier_loss, keras.losses.CategoricalCrossentropy()],
            loss_weights=[1.0, config.SOURCE_ADVERSARY_LOSS_WEIGHT],
            metrics=[["accuracy"], []],
        )
    elif attention_penalty > 0:
        from model.training.attention_penalty import RightReasonsTrainer

        if lung_weights is None:
            raise ValueError("The attention penalty needs the training films' lung weights.")
        fitted = RightReasonsTrainer(model, label_smoothing, abnormality_weight=abnormality_weight)
        fitted.compile(optimizer=keras.optimizers.Adam(schedule))
    else:
        model.compile(optimizer=keras.optimizers.Adam(schedule), loss=classifier_loss, metrics=["accuracy"])
    if abnormality_weight > 0 and attention_penalty <= 0:
        raise ValueError("The trained abnormality output rides on the right-reasons trainer: give attention_penalty.")
    result = TrainingResult(model=model)
    best_score, best_weights, waited = -1.0, None, 0
    started = time.perf_counter()
    for epoch in range(max_epochs):
        epoch_start = time.perf_counter()
        indices = balanced_epoch_indices(train_data.table, per_class, rng)
        dataset = _train_dataset(
            train_data.images[indices],
            train_data.labels[indices],
            seed + epoch,
            augmentation,
            None if origins is None else origins[indices],
            None if attention_penalty <= 0 else lung_weights[indices],
            None if abnormality_weight <= 0 else abnormality_targets(train_data.table.iloc[indices]),
        )
        if attention_penalty > 0:
            from model.training.attention_penalty import ramped_weight

            fitted.penalty_weight.assign(ramped_weight(epoch, attention_penalty, penalty_ramp_epochs))
        fit = fitted.fit(dataset, epochs=1, verbose=0, shuffle=False)  # indices are already shuffled
        recalibrate_batch_norm(model, train_data.images, rng=rng)
        probabilities = predict_probabilities(model, val_data.images)
        val_loss = float(
            keras.losses.categorical_crossentropy(
                keras.utils.to_categorical(val_data.labels, len(config.CLASS_NAMES)), probabilities
            )
            .numpy()
            .mean()
        )
        balanced = balanced_accuracy(val_data.labels, probabilities.argmax(1), len(config.CLASS_NAMES))
        score = balanced if selection_score is None else float(selection_score(val_data.labels, probabilities))
        record = {
            **({"outside_lung_share": float(fit.history["outside_share"][0])} if attention_penalty > 0 else {}),
            **({"abnormality_loss": float(fit.history["abnormality_loss"][0])} if abnormality_weight > 0 else {}),
            "epoch": epoch + 1,
            "loss": float(fit.history["loss"][0]),
            "accuracy": float(next(v for k, v in fit.history.items() if k.endswith("accuracy"))[0]),
            "val_loss": val_loss,
            "val_balanced_accuracy": balanced,
            "val_selection_score": score,
            "seconds": time.perf_counter() - epoch_start,
        }
        result.history.append(record)
        log(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in record.items()}))
        ramping = attention_penalty > 0 and epoch < penalty_ramp_epochs
        if not ramping and score > best_score + 1e-4:  # an epoch before the penalty's full weight is never kept
            best_score, best_weights, waited, result.best_epoch = score, model.get_weights(), 0, epoch + 1
            if abnormality_weight > 0:
                result.abnormality_weights = [w.copy() for w in fitted.abnormality.get_weights()]
            if checkpoint is not None:
                model.save(checkpoint)
        elif not ramping:
            waited += 1
            if waited >= patience:
                log(f"Early stopping: no gain in the validation selection score for {patience} epochs.")
                break
    if best_weights is not None:
        model.set_weights(best_weights)
    result.seconds = time.perf_counter() - started
    return result


def save_history(result: TrainingResult, path: Path = config.HISTORY_PATH) -> None:
    path.write_text(
        json.dumps(
            {"best_epoch": result.best_epoch, "seconds": round(result.seconds, 1), "epochs": result.history}, indent=1
        )
    )
