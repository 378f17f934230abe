"""Classify chest X-rays: one line per image, bad files reported and skipped.

Usage: python scripts/predict.py PATH [PATH ...] [--json] [--model PATH]
Exit status 1 if any file could not be read.
"""
from __future__ import annotations

import _path  # noqa: F401

import argparse
import sys
from pathlib import Path

from model import config
from model.batch_files import json_line, load_files
from model.inference import ModelLoadError, load_classifier, predict_images


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--model", type=Path, default=config.MODEL_PATH)
    args = parser.parse_args()
    try:
        model = load_classifier(args.model)
    except ModelLoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    loaded, failed = load_files(args.paths)
    predictions = predict_images(model, [image for _, image in loaded]) if loaded else []
    results = {str(path): {"path": str(path), **p.as_json()} for (path, _), p in zip(loaded, predictions)}
    results.update({str(path): {"path": str(path), "error": message} for path, message in failed})
    if not args.json:
        header = f"{'file':40s} {'prediction':11s} " + " ".join(f"{name:>10s}" for name in config.CLASS_NAMES)
        print(header)
    for path in args.paths:  # in the order given
        record = results[str(path)]
        if args.json:
            print(json_line(record))
        elif "error" in record:
            print(f"{path.name[:40]:40s} ERROR: {record['error']}")
        else:
            probabilities = " ".join(f"{record['probabilities'][n]:10.3f}" for n in config.CLASS_NAMES)
            print(f"{path.name[:40]:40s} {record['prediction']:11s} {probabilities}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
