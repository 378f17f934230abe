"""Explain chest X-rays: overlay PNG and raw map (.npy) per image, one JSON line per image.

Usage: python scripts/explain.py PATH [PATH ...] --method gradcam [--target-class NAME]
       [--layer NAME] --out DIR [--json] [--model ID|PATH]
Every JSON record carries "warnings"; a film the chest-X-ray gate stops gets no prediction and no map unless
--explain-anyway. Exit status 1 if any file could not be read or was stopped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from model import config
from model.analysis import AnalysisRequest, explain_images
from model.explain import method_info, method_names
from model.overlay import ViewSettings, encode_png, render

from _cli import add_common_arguments, classifier_or_report, load_files, output_stems, print_records, segmenter_and_gate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--method", choices=method_names(), default=config.DEFAULT_EXPLAINER)
    parser.add_argument("--target-class", default=None, help="class to explain (default: the predicted one)")
    parser.add_argument("--layer", default=None, help="convolutional layer for CAM methods (default: the last)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--explain-anyway", action="store_true", help="explain films the chest-X-ray gate stops (for teaching)"
    )
    args = parser.parse_args()
    found = classifier_or_report(args.model)
    if found is None:
        return 2
    model, entry = found
    from model.explain.base import check_layer

    try:
        if args.target_class is not None and args.target_class not in model.classes:
            raise ValueError(
                f"--target-class {args.target_class!r} is not a class of model {model.id}; "
                f"choose one of {', '.join(model.classes)}."
            )
        if args.layer is not None:
            check_layer(model.network, args.layer)
        missing = model.network.capabilities.lacks(method_info(args.method).needs)
        if missing:
            raise ValueError(f"{method_info(args.method).label} is not available for model {model.id}: {missing}.")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.out.exists() and not args.out.is_dir():
        print(f"error: --out {args.out} is a file; give a folder for the overlays and maps.", file=sys.stderr)
        return 2
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"error: cannot create the output folder {args.out} ({error.strerror or error}).", file=sys.stderr)
        return 2
    # The one request, its model resolved here at the edge, as the dashboard's pages build theirs.
    request = AnalysisRequest(
        args.method, args.target_class, args.layer, explain_anyway=args.explain_anyway, model_id=model.id
    )
    loaded, failed = load_files(args.paths)
    segmenter, gate = segmenter_and_gate(entry)
    try:
        explanations = (
            explain_images(model, [image for _, image in loaded], request, segmenter=segmenter, gate=gate)
            if loaded
            else []
        )
    except ValueError as error:  # an unknown layer, for instance
        print(f"error: {error}", file=sys.stderr)
        return 2
    records = {}
    stems = output_stems([path for path, _ in loaded], args.method)
    for (path, image), explanation, stem in zip(loaded, explanations, stems):
        if explanation.heatmap is None:  # stopped by the gate: the record says why, nothing is drawn
            records[str(path)] = {"path": str(path), **explanation.to_json()}
            continue
        overlay_path, map_path = args.out / f"{stem}.png", args.out / f"{stem}.npy"
        picture = render(image.pixels, explanation.heatmap, ViewSettings(), explanation.lung_mask)
        overlay_path.write_bytes(encode_png(picture))
        np.save(map_path, explanation.heatmap)
        records[str(path)] = {
            "path": str(path),
            **explanation.to_json(),
            "overlay": str(overlay_path),
            "map": str(map_path),
        }
    records.update({str(path): {"path": str(path), "error": message} for path, message in failed})

    def readable(path: Path, record: dict) -> str:
        faith = record["verdicts"]["faithfulness"]["text"]
        lungs = "" if record["lung_share"] is None else f" {record['lung_share']:.0%} of the heat inside the lungs."
        return (
            f"{path.name}: {record['prediction']} ({record['probabilities'][record['prediction']]:.1%}); "
            f"{args.method} on {record['layer'] or 'input'}: {faith}{lungs} -> {record['overlay']}"
        )

    print_records(args.paths, records, args.json, readable)
    return 1 if failed or any(e.stopped for e in explanations) else 0


if __name__ == "__main__":
    sys.exit(main())
