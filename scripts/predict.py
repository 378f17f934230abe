"""Classify chest X-rays: one line per image, bad files reported and skipped, non-X-rays not answered.

Usage: python scripts/predict.py PATH [PATH ...] [--json] [--model ID|PATH]
Every JSON record carries "warnings": [{"code", "message"}]; a film the chest-X-ray gate stops has
"prediction": null and no probabilities. Exit status 1 if any file could not be read or was not answered.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.analysis import predict_films

from _cli import add_common_arguments, classifier_or_report, load_files, print_records, segmenter_and_gate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument(
        "--keras", action="store_true", help="use the Keras models even where a LiteRT export is current"
    )
    args = parser.parse_args()
    # The default model's current LiteRT export needs no TensorFlow import: a one-film call takes about a second.
    found = classifier_or_report(args.model, prefer_lite=not args.keras)
    if found is None:
        return 2
    model, entry = found
    if args.keras or model.backend != "litert":
        segmenter, gate = segmenter_and_gate(entry)
    else:
        from model.gate.gate import GateLoadError
        from model.lite import current_lite_models
        from model.serving.model_pool import gate_for

        try:
            segmenter, gate = current_lite_models()[1], gate_for(entry)
        except GateLoadError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    loaded, failed = load_files(args.paths)
    predictions = predict_films(model, [image for _, image in loaded], segmenter, gate) if loaded else []
    results = {str(path): {"path": str(path), **p.to_json()} for (path, _), p in zip(loaded, predictions)}
    results.update({str(path): {"path": str(path), "error": message} for path, message in failed})
    with_head = model.abnormality_head is not None
    if not args.json:
        header = f"{'file':40s} {'prediction':11s} " + " ".join(f"{name:>10s}" for name in model.classes)
        print(header + (f" {'abnormal':>10s}" if with_head else ""))

    def readable(path: Path, record: dict) -> str:
        probabilities = " ".join(f"{record['probabilities'][n]:10.3f}" for n in model.classes)
        abnormal = f" {record['abnormality']:10.3f}" if "abnormality" in record else ""
        return f"{path.name[:40]:40s} {record['prediction']:11s} {probabilities}{abnormal}"

    print_records(args.paths, results, args.json, readable)
    return 1 if failed or any(p.stopped for p in predictions) else 0


if __name__ == "__main__":
    sys.exit(main())
