"""Classify chest X-rays: one line per image, bad files reported and skipped.

Usage: python scripts/predict.py PATH [PATH ...] [--json] [--model PATH]
Exit status 1 if any file could not be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model import config
from model.inference import predict_images

from _cli import add_common_arguments, classifier_or_report, load_files, print_records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    args = parser.parse_args()
    model = classifier_or_report(args.model)
    if model is None:
        return 2
    loaded, failed = load_files(args.paths)
    predictions = predict_images(model, [image for _, image in loaded]) if loaded else []
    results = {str(path): {"path": str(path), **p.to_json()} for (path, _), p in zip(loaded, predictions)}
    results.update({str(path): {"path": str(path), "error": message} for path, message in failed})
    if not args.json:
        header = f"{'file':40s} {'prediction':11s} " + " ".join(f"{name:>10s}" for name in config.CLASS_NAMES)
        print(header)

    def readable(path: Path, record: dict) -> str:
        probabilities = " ".join(f"{record['probabilities'][n]:10.3f}" for n in config.CLASS_NAMES)
        return f"{path.name[:40]:40s} {record['prediction']:11s} {probabilities}"

    print_records(args.paths, results, args.json, readable)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
