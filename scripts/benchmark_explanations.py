"""Per-method explanation time against the traced forward+backward floor: one film, and per film in a batch.

Usage: python scripts/benchmark_explanations.py [--repeats N] [--batch 32] [--json] [--reference]
--json prints one object: traced_floor_ms and, per method, one_ms and batch32_ms_per_image (with the batch size
you chose). --reference times tf-keras-vis (eager) instead of the traced paths, for the before/after table.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import tensorflow as tf

from model import config
from model.explain.catalog import label_of
from model.explain.registry import EXPLAINERS, get_explainer
from model.inference import load_classifier

from _timing import median_ms


def traced_floor_ms(model, one: np.ndarray, repeats: int) -> float:
    """One traced forward and backward pass of one film: what any gradient method must at least cost."""
    x = tf.constant(one)

    @tf.function
    def forward_backward():
        with tf.GradientTape() as tape:
            tape.watch(x)
            score = model(x, training=False)[:, 0]
        return tape.gradient(score, x)  # returned, so the graph cannot prune it

    forward_backward()
    return median_ms(forward_backward, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--reference", action="store_true", help="time tf-keras-vis instead of the traced paths")
    args = parser.parse_args()
    model = load_classifier()
    rng = np.random.default_rng(0)
    images = rng.random((args.batch, config.IMAGE_SIZE, config.IMAGE_SIZE, 1), dtype=np.float32)
    one, target = images[:1], [0]
    floor = traced_floor_ms(model, one, args.repeats * 3)
    report: dict[str, object] = {"traced_floor_ms": round(floor, 2), "batch": args.batch, "reference": args.reference}
    total = 0.0
    for name in EXPLAINERS:
        explainer = get_explainer(model, name, reference=args.reference)
        explainer(one, target), explainer(images, [0] * len(images))  # warm-up traces both shapes
        single = median_ms(lambda e=explainer: e(one, target), args.repeats)
        batch_ms = median_ms(lambda e=explainer: e(images, [0] * len(images)), max(args.repeats // 3, 2))
        total += single
        report[name] = {"one_ms": round(single, 2), "batch32_ms_per_image": round(batch_ms / len(images), 2)}
        budget = config.EXPLANATION_COST_BUDGETS.get(name)
        if budget is not None:
            report[name]["floor_ratio"] = round(single / floor, 1)
            report[name]["budget_ratio"] = budget
        if not args.json:
            verdict = (
                "" if budget is None else f"  budget {budget}x: {'within' if single / floor <= budget else 'OVER'}"
            )
            print(
                f"{label_of(name):11s} one film {single:7.1f} ms ({single / floor:4.1f}x floor) | batch of "
                f"{len(images)}: {batch_ms / len(images):6.1f} ms/film ({batch_ms / len(images) / floor:4.1f}x floor)"
                + verdict
            )
    report["all_methods_one_ms"] = round(total, 1)
    if args.json:
        print(json.dumps(report))
    else:
        print(f"traced forward+backward floor: {floor:.1f} ms; all methods on one film: {total:.0f} ms")


if __name__ == "__main__":
    main()
