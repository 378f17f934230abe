"""Evaluate the shipped model on the test split, the adult NIH patients and an external set; write metrics.json.

Usage: python scripts/evaluate.py [--model PATH] [--out PATH] [--external DIR]
--external: a folder laid out like ../shared/data/external (index.csv with image,label[,source]); default that one.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from model import config
from model.evaluation.report import evaluate, write_metrics


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="registry id or Keras file (default: the default model)")
    parser.add_argument("--history", type=Path, default=None, help="training history (default: the model's own)")
    parser.add_argument("--out", type=Path, default=None, help="default: metrics.json in the model's folder")
    parser.add_argument("--external", type=Path, default=config.data_dir() / config.EXTERNAL_SUBDIR)
    args = parser.parse_args()
    from model.registry import RegistryError, resolve

    try:
        entry = resolve(args.model)
        out = args.out or (entry.folder / config.METRICS_FILENAME if entry.folder else None)
        if out is None:
            raise SystemExit("error: a model given by path has no folder for its figures: pass --out FILE.")
        metrics = evaluate(args.model, args.history, args.external)
    except (RegistryError, ValueError) as error:
        raise SystemExit(f"error: {error}") from None
    write_metrics(metrics, out)
    args.out = out
    overall, baseline = metrics["overall"], metrics["baseline"]
    print(f"{metrics['computed_on']}")
    ci = overall["intervals_95"]["macro_f1"]
    print(f"accuracy {overall['accuracy']:.3f}  macro-F1 {overall['macro_f1']:.3f} (95% CI {ci[0]:.3f}-{ci[1]:.3f})")
    for name, figures in overall["per_class"].items():
        print(
            f"  {name:10s} sensitivity {figures['sensitivity']:.3f}  specificity {figures['specificity']:.3f}  "
            f"PPV {figures['precision']:.3f}  F1 {figures['f1']:.3f}  n={figures['support']}"
        )
    print(f"baseline: accuracy {baseline['accuracy']:.3f}  macro-F1 {baseline['macro_f1']:.3f}")
    for source, figures in metrics["by_source"].items():
        print(f"  {source}: accuracy {figures['accuracy']:.3f}  macro-F1 {figures['macro_f1']:.3f}  n={figures['n']}")
    nih = metrics["adult_nih"]
    if nih:
        print(
            f"adult NIH test patients: pneumonia called Pneumonia {_share(nih['pneumonia_called_pneumonia'])}, "
            f"normals called COVID-19 {_share(nih['normals_called_covid'])}"
        )
    external = metrics["external"]
    if external:
        ci = external["auroc_95"]
        print(
            f"external ({external['n']} films): COVID-19 AUROC {external['auroc']:.3f} "
            f"(95% CI {ci[0]:.3f}-{ci[1]:.3f}), "
            f"sensitivity {_share(external['sensitivity'])}, no-finding called COVID-19 "
            f"{_share(external['others_called_covid'])}"
        )
    probe = metrics["source_probe"]
    print(f"source probe: balanced accuracy {probe['balanced_accuracy']:.3f} (chance {probe['chance']:.3f})")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
