"""The lungs-hidden test on the test split, for every registered model (or those named): writes lungs_hidden.json
in each model's folder and prints how often each model's answers survive with the lungs hidden.

Usage: python scripts/audit_lungs_hidden.py [--model ID ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys

from model.evaluation.lungs_hidden_report import lungs_hidden_report, report_path
from model.lungs import optional_segmenter
from model.registry import all_registered, resolve


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", default=None, help="registry id (repeat); default: all")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    segmenter = optional_segmenter()
    if segmenter is None:
        print("error: the lung segmenter is not shipped; the lungs-hidden test needs it.", file=sys.stderr)
        return 2
    entries = [resolve(m) for m in args.model] if args.model else all_registered()
    for entry in entries:
        report = lungs_hidden_report(entry, segmenter)
        path = report_path(entry)
        if path is not None:
            path.write_text(json.dumps(report, indent=1) + "\n")
        hidden = report["lungs_hidden"]
        if args.json:
            print(json.dumps({"model": entry.id, **hidden}))
            continue
        by_class = ", ".join(f"{name} {v['survive']:.0%} of {v['n']}" for name, v in hidden["by_class"].items())
        print(
            f"{entry.id}: {hidden['survive']:.0%} of {hidden['n']} answers survive with the lungs hidden ({by_class})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
