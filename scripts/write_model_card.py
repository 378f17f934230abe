"""Write assets/MODEL_CARD.md from the JSON files in assets/ (metrics, experiments, explanation audit, gate,
dataset statistics, lung segmenter): every figure in the card comes from one of them.

Usage: python scripts/write_model_card.py [--out PATH]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from model import config
from model.evaluation.model_card import CardSources, render_card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=config.MODEL_CARD_PATH)
    args = parser.parse_args()
    args.out.write_text(render_card(CardSources.read()))
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
