"""Fit a registered model's sick-or-healthy head on its own features; write its abnormality_head.json.

Usage: python scripts/fit_abnormality_head.py [--model ID] [--external DIR]
Needs the images (see README) and assets/splits.csv. The head is shown on the Explain page beside the class
probabilities; this prints its AUROC beside 1 - P(Normal)'s on the test split and the other hospitals' films.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from model import config
from model.inference import ModelLoadError
from model.lungs import optional_segmenter
from model.registry import RegistryError, load_registered, resolve
from model.training.abnormality_fit import fit_and_measure


def _line(title: str, figures: dict | None) -> str:
    if not figures:
        return f"{title:28s} —"
    cells = []
    for score, name in (("head", "head"), ("one_minus_normal", "1 − P(Normal)")):
        value = (figures.get(score) or {}).get("auroc")
        if value is not None:
            cells.append(f"{name} AUROC {value:.3f}")
    return f"{title:28s} " + ", ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="registry id (default: the default model)")
    parser.add_argument("--external", type=Path, default=config.data_dir() / config.EXTERNAL_SUBDIR)
    args = parser.parse_args()
    try:
        entry = resolve(args.model)
        if entry.folder is None:
            raise ValueError("a model given by path has no registry folder: add it first with scripts/add_model.py.")
        classifier = load_registered(entry)
        document = fit_and_measure(classifier, optional_segmenter(), args.external)
    except (RegistryError, ModelLoadError, ValueError) as error:
        raise SystemExit(f"error: {error}") from None
    out = entry.folder / config.ABNORMALITY_HEAD_FILENAME
    out.write_text(json.dumps(document, indent=1))
    print(document["computed_on"])
    print(f"penalty chosen on validation: C = {document['head']['regularisation']}")
    print(_line("test split", document["test"]))
    print(_line("adult NIH test patients", document["test_adult_nih"]))
    print(_line("other hospitals (external)", document["external"]))
    print(f"Wrote {out}")


if __name__ == "__main__":
    main()
