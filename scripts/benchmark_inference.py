"""Prediction latency and memory: warm single image, batched, and from uploaded bytes. Prints figures.

Usage: python scripts/benchmark_inference.py [--repeats N]
"""

from __future__ import annotations

import argparse
import io
import resource

import numpy as np

from model import config
from model.image_io import load_image_bytes
from model.inference import load_classifier, predict_images, predict_probabilities

from _timing import median_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    from PIL import Image

    model = load_classifier()
    rng = np.random.default_rng(0)
    one = rng.random((1, config.IMAGE_SIZE, config.IMAGE_SIZE, 1), dtype=np.float32)
    batch = rng.random((32, config.IMAGE_SIZE, config.IMAGE_SIZE, 1), dtype=np.float32)
    buffer = io.BytesIO()
    Image.fromarray((rng.random((1024, 1024)) * 255).astype(np.uint8)).save(buffer, format="PNG")
    png = buffer.getvalue()

    predict_probabilities(model, one), predict_probabilities(model, batch)  # warm-up
    single = median_ms(lambda: predict_probabilities(model, one), args.repeats)
    batched = median_ms(lambda: predict_probabilities(model, batch), max(args.repeats // 3, 3)) / len(batch)
    end_to_end = median_ms(lambda: predict_images(model, [load_image_bytes(png, "x.png")]), args.repeats)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"warm single-image prediction:        {single:7.1f} ms")
    print(
        f"batched prediction (32), per image:  {batched:7.1f} ms  ({single / batched:.1f}x the single-image throughput)"
    )
    print(f"1024x1024 PNG bytes -> prediction:   {end_to_end:7.1f} ms")
    print(f"peak resident memory:                {peak_mb:7.0f} MiB")


if __name__ == "__main__":
    main()
