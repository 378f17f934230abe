"""Per-method explanation time on one image, against the forward+backward floor, and batched throughput.

Usage: python scripts/benchmark_explanations.py [--repeats N] [--batch N]
"""

from __future__ import annotations

import argparse

import numpy as np
import tensorflow as tf

from model import config
from model.explain import EXPLAINERS, get_explainer
from model.explain.catalog import label_of
from model.inference import load_classifier

from _timing import median_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    model = load_classifier()
    rng = np.random.default_rng(0)
    images = rng.random((args.batch, config.IMAGE_SIZE, config.IMAGE_SIZE, 1), dtype=np.float32)
    one = images[:1]
    target = [0]

    def forward_backward():
        x = tf.constant(one)
        with tf.GradientTape() as tape:
            tape.watch(x)
            score = model(x, training=False)[:, 0]
        return tape.gradient(score, x)  # returned, so a traced graph cannot prune it

    traced = tf.function(forward_backward)
    forward_backward(), traced()
    floor = median_ms(forward_backward, args.repeats * 3)
    traced_floor = median_ms(traced, args.repeats * 3)
    forward = median_ms(lambda: model(one, training=False), args.repeats * 3)
    print(
        f"floor (eager, as tf-keras-vis runs): forward {forward:.1f} ms, forward+backward {floor:.1f} ms; "
        f"traced forward+backward {traced_floor:.1f} ms (one {config.IMAGE_SIZE}px image, warm)"
    )
    total = 0.0
    for name in EXPLAINERS:
        explainer = get_explainer(model, name)
        explainer(one, target), explainer(images, [0] * len(images))  # warm-up traces both shapes
        single = median_ms(lambda e=explainer: e(one, target), args.repeats)
        batch_ms = median_ms(lambda e=explainer: e(images, [0] * len(images)), max(args.repeats // 3, 2))
        loop_ms = single * len(images)
        total += single
        print(
            f"{label_of(name):11s} one image {single:7.1f} ms ({single / floor:4.1f}x eager floor) | "
            f"batch of {len(images)}: "
            f"{batch_ms / len(images):6.1f} ms/image, {loop_ms / batch_ms:4.1f}x the one-at-a-time throughput"
        )
    print(f"all five methods on one image: {total:.0f} ms")


if __name__ == "__main__":
    main()
