"""Right for the right reasons: a training penalty on class-activation mass outside the (dilated) lung fields.

Ross et al. (IJCAI 2017) penalise input gradients where an annotation says no evidence lies; GradMask (Simpson et
al. 2019) does the same with masks of the anatomy. Here the classifier ends in global average pooling and one Dense
layer, so its class activation map for class c is exactly sum_k A_k * W[k, c] over the last block's activations A
(Zhou et al. 2016), and Grad-CAM of the logit is that map divided by the grid area: penalising the CAM's share
outside the lungs penalises the very maps the dashboard draws, with one ordinary backward pass (no double
gradient). The lung fields are the segmenter's masks (dilated by a margin, the safe box where a mask is
implausible): no radiologist box ever reaches training.

The weight ramps up over the first epochs so the network first learns the task, then learns to find it in the
lungs. The saved model is the plain classifier: the trainer wrapper never reaches the file.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from model import config
from model.input_recipe import lung_focus_masks

# The last block: its convolution (the layer the CAM methods explain by default), batch norm and ReLU.
PENALTY_BLOCK: str = "stage4"


def lung_weights(masks: np.ndarray) -> np.ndarray:
    """(N, S, S) weights in [0, 1]: 1 on the lung fields dilated by a small margin (the safe box where a mask is
    implausible). Tighter than the lung-focus input's margin: the measure the goals use is the lungs themselves."""
    return lung_focus_masks(masks, config.ATTENTION_PENALTY_MARGIN, feather=False)[0]


def outside_share(cams: tf.Tensor, inside: tf.Tensor) -> tf.Tensor:
    """Per film and class, the share of positive CAM mass outside the lungs.

    cams: (B, h, w, C) raw class activation maps; inside: (B, h, w) lung weight at the same grid.
    A map with no positive mass counts as all outside, so the network cannot escape by switching its maps off.
    """
    positive = tf.nn.relu(cams)
    total = tf.reduce_sum(positive, axis=(1, 2))
    outside = tf.reduce_sum(positive * (1.0 - inside)[..., None], axis=(1, 2))
    return tf.where(total > 1e-6, outside / (total + 1e-6), tf.ones_like(total))


class RightReasonsTrainer(keras.Model):
    """Trains `classifier` on cross-entropy + weight * (CAM share outside the lungs), averaged over the classes.

    Two maps per class are penalised alike: the CAM of the last block's ReLU output (what the logit is the mean of)
    and Grad-CAM of the last convolution (what the dashboard draws by default). For this head Grad-CAM's weights
    have a closed form, W[k, c] * gamma_k / sqrt(var_k + eps) * (share of positions where the ReLU is open) / HW,
    so neither needs a second gradient. Inputs are ((images, lung_weights), one-hot targets); `penalty_weight` is a
    variable the loop ramps per epoch.
    """

    def __init__(
        self,
        classifier: keras.Model,
        label_smoothing: float,
        block: str = PENALTY_BLOCK,
        abnormality_weight: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.classifier = classifier
        outputs = [
            classifier.get_layer(f"{block}_conv2").output,
            classifier.get_layer(f"{block}_relu2").output,
            classifier.output,
        ]
        # A sick-or-healthy output trained alongside (model.training.abnormality_output): it reads the same pooled
        # features the classes do, so its loss shapes them; the shipped network stays the plain classifier.
        self.abnormality_weight = float(abnormality_weight)
        self.abnormality = None
        if self.abnormality_weight > 0:
            features = classifier.get_layer(config.FEATURE_LAYER).output
            outputs.append(features)
            self.abnormality = keras.layers.Dense(1, activation="sigmoid", name="abnormality_output")
            self.abnormality.build(features.shape)
        self.activations_and_output = keras.Model(classifier.inputs, outputs)
        self.batch_norm = classifier.get_layer(f"{block}_bn2")
        self.head = classifier.layers[-1]
        self.classification_loss = keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)
        self.penalty_weight = tf.Variable(0.0, trainable=False, dtype=tf.float32)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.penalty_tracker = keras.metrics.Mean(name="outside_share")
        self.accuracy_tracker = keras.metrics.CategoricalAccuracy(name="accuracy")
        self.abnormality_tracker = keras.metrics.Mean(name="abnormality_loss")

    @property
    def metrics(self):
        extra = [self.abnormality_tracker] if self.abnormality is not None else []
        return [self.loss_tracker, self.penalty_tracker, self.accuracy_tracker, *extra]

    def call(self, inputs, training=False):
        images = inputs[0] if isinstance(inputs, (tuple, list)) else inputs
        return self.classifier(images, training=training)

    def train_step(self, data):
        (images, weights), targets = data
        classes = len(config.CLASS_NAMES)
        if self.abnormality is not None:  # targets packed as (one-hot classes, abnormal, sample weight)
            targets, abnormal, sample_weight = targets[:, :classes], targets[:, classes], targets[:, classes + 1]
        with tf.GradientTape() as tape:
            outputs = self.activations_and_output(images, training=True)
            convolved, activations, probabilities = outputs[:3]
            kernel = self.head.kernel
            cams = tf.einsum("bhwk,kc->bhwc", activations, kernel)
            scale = self.batch_norm.gamma / tf.sqrt(self.batch_norm.moving_variance + self.batch_norm.epsilon)
            open_share = tf.stop_gradient(tf.reduce_mean(tf.cast(activations > 0, tf.float32), axis=(1, 2)))
            gradcam_weights = open_share[:, :, None] * (scale[:, None] * kernel)[None]  # (B, K, C)
            gradcams = tf.einsum("bhwk,bkc->bhwc", convolved, gradcam_weights)
            inside = tf.image.resize(weights[..., None], tf.shape(activations)[1:3], method="area")[..., 0]
            penalty = 0.5 * (
                tf.reduce_mean(outside_share(cams, inside)) + tf.reduce_mean(outside_share(gradcams, inside))
            )
            loss = self.classification_loss(targets, probabilities) + self.penalty_weight * penalty
            if self.abnormality is not None:
                predicted = self.abnormality(outputs[3])[:, 0]
                per_film = keras.losses.binary_crossentropy(abnormal[:, None], predicted[:, None])
                abnormality_loss = tf.reduce_sum(per_film * sample_weight) / tf.reduce_sum(sample_weight)
                loss = loss + self.abnormality_weight * abnormality_loss
            if self.classifier.losses:
                loss = loss + tf.add_n(self.classifier.losses)
        variables = self.classifier.trainable_variables
        if self.abnormality is not None:
            variables = variables + self.abnormality.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        if self.abnormality is not None:
            self.abnormality_tracker.update_state(abnormality_loss)
        self.loss_tracker.update_state(loss)
        self.penalty_tracker.update_state(penalty)
        self.accuracy_tracker.update_state(targets, probabilities)
        return {m.name: m.result() for m in self.metrics}


def ramped_weight(epoch: int, final: float, ramp_epochs: int) -> float:
    """0 at the first epoch, rising linearly to `final` at `ramp_epochs`, then held."""
    if ramp_epochs <= 0:
        return final
    return final * min(1.0, epoch / ramp_epochs)
