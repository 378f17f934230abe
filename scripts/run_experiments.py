"""Train and measure the source-invariant training variants; optionally ship the one the written rule chooses.

Usage: python scripts/run_experiments.py [--variants a_baseline b_lung_focus ...] [--ship] [--external DIR]
Each variant's figures go to assets/experiments.json as soon as it finishes; models stay in cache/experiments/.
`--ship` alone (no --variants) chooses among the recorded variants and copies the winner into assets/.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from model import config
from model.training.experiment_records import save_record, save_seed_repeat
from model.training.experiments import (
    VARIANTS,
    choose,
    prepare,
    remeasure,
    rescore_external,
    run_variant,
    ship,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", nargs="*", default=[], choices=sorted(VARIANTS))
    parser.add_argument("--ship", action="store_true", help="copy the variant the rule chooses into assets/")
    parser.add_argument(
        "--rescore-external", action="store_true", help="recompute the external figures of every saved variant"
    )
    parser.add_argument(
        "--remeasure",
        nargs="*",
        default=[],
        metavar="NAME=MODEL",
        help="recompute every figure of a recorded variant from its saved model file (no training)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=config.SEED,
        help="train the variants again from another random start: recorded as seed repeats, never candidates",
    )
    parser.add_argument("--external", type=Path, default=config.data_dir() / config.EXTERNAL_SUBDIR)
    args = parser.parse_args()
    data = prepare(args.external) if args.variants or args.remeasure else None
    for item in args.remeasure:
        name, _, model_path = item.partition("=")
        document = json.loads(config.EXPERIMENTS_PATH.read_text())
        record = remeasure(name, Path(model_path), data, document["variants"].get(name, {"variant": name}))
        save_record(record)
        print(json.dumps({k: record[k] for k in ("variant", "rule_score")}), flush=True)
    if args.variants:
        for name in args.variants:
            print(f"=== {name}: {VARIANTS[name].description}", flush=True)
            record = run_variant(VARIANTS[name], data, log=lambda line: print(line, flush=True), seed=args.seed)
            (save_record if args.seed == config.SEED else save_seed_repeat)(record)
            print(json.dumps({k: record[k] for k in ("variant", "training_minutes", "rule_score")}), flush=True)
    if args.rescore_external:
        rescore_external(json.loads(config.EXPERIMENTS_PATH.read_text()), args.external)
    if args.ship:
        document = json.loads(config.EXPERIMENTS_PATH.read_text())
        name = choose(document)
        ship(name, document)
        print(f"Shipped {name} (rule score {document['variants'][name]['rule_score']:.3f}).")


if __name__ == "__main__":
    main()
