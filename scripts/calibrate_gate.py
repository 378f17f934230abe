"""Fit and measure the chest-X-ray gate for the shipped model; write its input_gate.json (assets/models/<id>/).

Usage: python scripts/calibrate_gate.py [--per-origin N] [--negatives-per-kind N] [--external DIR]
Needs the images (see README), assets/splits.csv, the shipped classifier and the lung segmenter.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from model import config
from model.evaluation.generalisation import load_external_table
from model.gate.calibration import calibrate
from model.inference import load_classifier
from model.input_recipe import load_recipe
from model.lungs import load_segmenter
from model.provenance import sha256_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-origin", type=int, default=150, help="training films per origin and class to fit on")
    parser.add_argument("--negatives-per-kind", type=int, default=40)
    parser.add_argument("--external", type=Path, default=config.data_dir() / config.EXTERNAL_SUBDIR)
    parser.add_argument("--out", type=Path, default=config.INPUT_GATE_PATH)
    args = parser.parse_args()
    external = load_external_table(args.external) if (args.external / config.INDEX_FILENAME).is_file() else None
    report = calibrate(
        load_classifier(),
        load_segmenter(),
        load_recipe(),
        sha256_of(config.MODEL_PATH),
        args.per_origin,
        args.negatives_per_kind,
        external,
    )
    args.out.write_text(json.dumps(report, indent=1))
    print(report["computed_on"])
    for title, key, what in (
        ("real films", "real_films_passed", "passed"),
        ("external", "external_films_passed", "passed"),
        ("non-X-rays", "non_xrays_stopped", "stopped"),
    ):
        for group, figures in (report[key] or {}).items():
            print(
                f"{title:10s} {group:40s} n={figures['n']:4d} {what} {figures[what]:.1%} "
                f"unfamiliar {figures['unfamiliar_warning']:.1%}"
            )
    for kind, share in report["non_xrays_stopped_leave_one_kind_out"].items():
        print(f"left out while fitting: {kind:28s} stopped {share:.1%}")
    held_out = report["unfamiliar_source_held_out"]
    for origin, figures in held_out["rates"].items():
        print(
            f"unfamiliar warning, {origin:22s} held out: its films flagged {figures['unseen_flagged']:.1%}, "
            f"familiar films flagged {figures['familiar_flagged']:.1%}"
        )
    print(f"recognises hospitals it has not seen: {held_out['recognises_unseen_sources']}")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
