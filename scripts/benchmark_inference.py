"""Prediction latency and memory: warm single image, batched, and from uploaded bytes; then the same network on each
runtime (Keras traced, LiteRT, ONNX Runtime on its tf2onnx export), measured in one run. Prints figures.

Usage: python scripts/benchmark_inference.py [--repeats N] [--no-runtimes]
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
    parser.add_argument("--no-runtimes", action="store_true", help="skip the Keras / LiteRT / ONNX Runtime comparison")
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
    if not args.no_runtimes:
        compare_runtimes(model, one, batch, args.repeats)


def compare_runtimes(model, one: np.ndarray, batch: np.ndarray, repeats: int) -> None:
    """The shipped network on each backend adapter: the forward pass every prediction-only path pays."""
    import tempfile
    from pathlib import Path

    from model.lite import LiteModel
    from model.network import as_network
    from model.network.onnx_network import OnnxNetwork
    from model.registry.card import project_card

    networks = {"Keras (traced)": as_network(model)}
    if config.LITE_CLASSIFIER_PATH.is_file():
        networks["LiteRT"] = as_network(LiteModel(config.LITE_CLASSIFIER_PATH))
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = Path(folder) / "model.onnx"
            model.export(str(path), format="onnx", verbose=False)
            networks["ONNX Runtime"] = OnnxNetwork(path, project_card())
        except Exception as error:  # tf2onnx is a development dependency
            print(f"ONNX Runtime skipped: the export failed ({type(error).__name__}).")
        reference = networks["Keras (traced)"].probabilities(batch)
        print("runtime          one film   batch of 32, per film   largest difference from Keras")
        for name, network in networks.items():
            network.probabilities(one), network.probabilities(batch)
            single = median_ms(lambda n=network: n.probabilities(one), repeats)
            per_film = median_ms(lambda n=network: n.probabilities(batch), max(repeats // 3, 3)) / len(batch)
            difference = float(np.abs(network.probabilities(batch) - reference).max())
            print(f"{name:15s} {single:7.2f} ms   {per_film:7.2f} ms               {difference:.1e}")


if __name__ == "__main__":
    main()
