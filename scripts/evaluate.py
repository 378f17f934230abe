"""Evaluate the shipped model on the test split and write assets/metrics.json.

Usage: python scripts/evaluate.py [--model PATH] [--out PATH]
"""
from __future__ import annotations

import _path  # noqa: F401

import argparse
from pathlib import Path

from model import config
from model.evaluation import evaluate, write_metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=config.MODEL_PATH)
    parser.add_argument("--history", type=Path, default=config.HISTORY_PATH)
    parser.add_argument("--out", type=Path, default=config.METRICS_PATH)
    args = parser.parse_args()
    metrics = evaluate(args.model, args.history)
    write_metrics(metrics, args.out)
    overall, baseline = metrics["overall"], metrics["baseline"]
    print(f"{metrics['computed_on']}")
    print(f"accuracy {overall['accuracy']:.3f}  macro-F1 {overall['macro_f1']:.3f}  "
          f"(95% CI {overall['intervals_95']['macro_f1'][0]:.3f}-{overall['intervals_95']['macro_f1'][1]:.3f})")
    for name, figures in overall["per_class"].items():
        print(f"  {name:10s} sensitivity {figures['sensitivity']:.3f}  specificity {figures['specificity']:.3f}  "
              f"PPV {figures['precision']:.3f}  F1 {figures['f1']:.3f}  n={figures['support']}")
    print(f"baseline: accuracy {baseline['accuracy']:.3f}  macro-F1 {baseline['macro_f1']:.3f}")
    for source, figures in metrics["by_source"].items():
        print(f"  {source}: accuracy {figures['accuracy']:.3f}  macro-F1 {figures['macro_f1']:.3f}  n={figures['n']}")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
