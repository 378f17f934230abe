"""Train the lung segmenter on lung_masks/, report Dice and IoU on held-out masks, save it to assets/.

Usage: python scripts/train_lung_segmenter.py [--masks DIR] [--epochs N]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from model import config
from model.data.lung_masks import load_mask_dataset
from model.training.segmenter import evaluate_segmenter, holdout_split, train_segmenter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--masks",
        type=Path,
        default=config.data_dir() / config.LUNG_MASKS_SUBDIR,
        help="folder with index.csv, images/ and masks/",
    )
    parser.add_argument("--epochs", type=int, default=config.SEGMENTER_EPOCHS)
    parser.add_argument("--out", type=Path, default=config.SEGMENTER_PATH)
    parser.add_argument("--metrics", type=Path, default=config.SEGMENTER_METRICS_PATH)
    args = parser.parse_args()
    data = load_mask_dataset(args.masks)
    train_index, holdout_index = holdout_split(len(data.names))
    print(f"{len(train_index)} training masks, {len(holdout_index)} held out")
    model, history, seconds = train_segmenter(data, train_index, args.epochs)
    model.save(args.out)
    report = {
        "computed_on": f"{len(holdout_index)} held-out images of lung_masks (adult COVID-19 X-rays), seeded split",
        "image_size": config.SEGMENTER_IMAGE_SIZE,
        "training_seconds": round(seconds, 1),
        "epochs": history,
        "holdout": evaluate_segmenter(model, data, holdout_index),
        "train": {k: v for k, v in evaluate_segmenter(model, data, train_index).items() if k != "held_out_images"},
    }
    args.metrics.write_text(json.dumps(report, indent=1))
    held = report["holdout"]
    print(
        f"held-out Dice {held['dice_mean']:.3f} (median {held['dice_median']:.3f}), IoU {held['iou_mean']:.3f}; "
        f"training {seconds / 60:.1f} min. Saved {args.out} ({args.out.stat().st_size / 2**20:.1f} MB)."
    )


if __name__ == "__main__":
    main()
