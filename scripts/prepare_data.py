"""Build the manifest, find duplicates, split, and write assets/splits.csv and assets/dataset_stats.json.

Usage: python scripts/prepare_data.py [--radiography DIR] [--pediatric DIR] [--nih DIR] [--show-pairs OUT_DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from model import config
from model.data.preparation import prepare_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = config.data_dir()
    parser.add_argument(
        "--radiography",
        type=Path,
        default=root / config.RADIOGRAPHY_SUBDIR,
        help="COVID-19 Radiography Database folder (holds COVID/ and Normal/)",
    )
    parser.add_argument(
        "--pediatric",
        type=Path,
        default=root / config.PEDIATRIC_SUBDIR,
        help="pediatric chest_xray folder (holds train/ and test/)",
    )
    parser.add_argument(
        "--nih",
        type=Path,
        default=root / config.NIH_ADULT_SUBDIR,
        help="adult NIH folder with index.csv (skipped with a note if absent)",
    )
    parser.add_argument(
        "--show-pairs",
        type=Path,
        default=None,
        help="write side-by-side images of pairs near the threshold here, to choose it by eye",
    )
    args = parser.parse_args()
    nih = args.nih if args.nih.is_dir() else None
    if nih is None:
        print(f"No adult NIH folder at {args.nih}: the split holds the Radiography and pediatric releases only.")
    summary = prepare_dataset(args.radiography, args.pediatric, nih, show_pairs_dir=args.show_pairs)
    print(json.dumps(summary, indent=2, default=lambda v: v.item() if isinstance(v, np.generic) else str(v)))


if __name__ == "__main__":
    main()
