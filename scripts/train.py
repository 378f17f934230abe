"""Train the classifier on the train split, stop early on validation, save it to assets/.

Usage: python scripts/train.py [--epochs N] [--per-class N] [--out PATH]
Needs the images (see README) and assets/splits.csv from scripts/prepare_data.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from model import config
from model.data.dataset import load_split
from model.training.loop import save_history, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=config.MAX_EPOCHS)
    parser.add_argument(
        "--per-class",
        type=int,
        default=config.TRAIN_IMAGES_PER_CLASS_PER_EPOCH,
        help="training images drawn per class each epoch (balanced sampling)",
    )
    parser.add_argument("--out", type=Path, default=config.MODEL_PATH)
    parser.add_argument("--history", type=Path, default=config.HISTORY_PATH)
    args = parser.parse_args()

    train_data = load_split("train")
    val_data = load_split("val", representatives_only=True)
    print(f"train: {len(train_data.labels)} images, validation: {len(val_data.labels)} (one per duplicate group)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = train(train_data, val_data, max_epochs=args.epochs, per_class=args.per_class, checkpoint=args.out)
    result.model.save(args.out)
    save_history(result, args.history)
    print(f"Saved {args.out} (best epoch {result.best_epoch}, {result.seconds / 60:.1f} min).")


if __name__ == "__main__":
    main()
