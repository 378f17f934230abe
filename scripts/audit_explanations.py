"""Score every explanation method on a sample of the test split; write the model's explanation_quality.json.

Usage: python scripts/audit_explanations.py [--model ID|PATH] [--per-class N] [--sanity-per-class N] [--out PATH]
Writes explanation_quality.json into the model's registry folder unless --out is given.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from model import config
from model.evaluation.explanation_audit import model_audit
from model.inference import ModelLoadError
from model.lungs import optional_segmenter
from model.registry import RegistryError, resolve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--per-class", type=int, default=config.EXPLANATION_AUDIT_PER_CLASS, help="test images per true class"
    )
    parser.add_argument(
        "--sanity-per-class",
        type=int,
        default=config.EXPLANATION_AUDIT_SANITY_PER_CLASS,
        help="of those, how many get the randomisation check",
    )
    parser.add_argument("--model", default=None, help="registry id or Keras file (default: the default model)")
    parser.add_argument("--out", type=Path, default=None, help="default: the model's registry folder")
    args = parser.parse_args()
    try:
        entry = resolve(args.model)
        if not entry.card.is_project_shape:
            raise ValueError(
                f"Model {entry.id} takes {entry.card.input_size}-px, {entry.card.channels}-channel input: the "
                f"explanation audit runs on {config.IMAGE_SIZE}-px grey models (the lung masks' and boxes' frame)."
            )
        out = args.out or (entry.folder / config.EXPLANATION_QUALITY_FILENAME if entry.folder else None)
        if out is None:
            raise ValueError("a model given by path has no registry folder for its figures: pass --out FILE.")
    except (RegistryError, ValueError) as error:
        raise SystemExit(f"error: {error}") from None
    args.out = out
    segmenter = optional_segmenter()
    if segmenter is None:
        print("note: no lung segmenter in assets/; lung shares are left out.")
    try:
        report = model_audit(entry, segmenter, args.per_class, args.sanity_per_class)
    except ModelLoadError as error:
        raise SystemExit(f"error: {error}") from None
    if report.get("against_radiologists") is None:
        print("note: no radiologist boxes found (nih_adult/boxes.csv); the localisation section is left out.")
    args.out.write_text(json.dumps(report, indent=1))
    print(report["computed_on"])
    for summary in report["methods"].values():
        faith, sanity = summary["faithfulness"], summary["sanity"]
        print(
            f"{summary['label']:11s} faithfulness {faith['mean_score']:+.3f} "
            f"vs random {faith['mean_random_score']:+.3f} (beats random on {faith['share_beating_random']:.0%}); "
            f"sanity rank corr {sanity['mean_rank_correlation']:.2f}; "
            f"{summary['milliseconds_per_image']:.0f} ms/image"
            + (f"; lung share median {summary['lung_share']['all']['median']:.2f}" if "lung_share" in summary else "")
        )
    radiologists = report.get("against_radiologists")
    if radiologists:
        print(
            f"Against radiologists' boxes ({radiologists['n_films']} films, explaining {radiologists['target_class']}):"
        )
        chance = radiologists["baselines"]["all"]["random_point"]["pointing_game"]
        for key, row in radiologists["methods"].items():
            figures = row["all"]
            print(
                f"  {key:28s} pointing game {figures['pointing_game']:.2f} (random point {chance:.2f}); "
                f"heat in box {figures['heat_in_box']:.2f} = {figures['heat_in_box_over_chance']:.1f}x chance"
            )
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
