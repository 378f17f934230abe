"""Audit an archive of chest films: prediction, heatmap, lung share and input warnings for every film, on Ray Data.

Usage: python scripts/audit_archive.py SOURCE --out DIR [--address ADDR] [--workers N] [--batch-size N]
                                       [--methods gradcam,layercam] [--faithfulness] [--no-thumbnails] [--limit N]
SOURCE is a folder (searched recursively for PNG, JPEG and DICOM) or a CSV with a `path` column. Writes one Parquet
row per film under DIR/rows (unreadable files become rows with their error) and an overlay thumbnail per film under
DIR/thumbnails. Rerunning skips films already in DIR. Without --address, Ray runs embedded in this process.
Open DIR in the dashboard's "Archive audit" page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model import config
from model.audit.job import run_audit
from model.audit.sources import AuditSourceError
from model.explain.catalog import METHODS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--address", help="an existing Ray cluster (e.g. ray://head:10001 or auto)")
    parser.add_argument("--workers", type=int, default=1, help="model workers (actors), each holding the models once")
    parser.add_argument("--batch-size", type=int, default=config.AUDIT_BATCH_SIZE)
    parser.add_argument("--methods", default=",".join(config.AUDIT_METHODS), help="comma-separated method names")
    parser.add_argument("--faithfulness", action="store_true", help="also score each map against a random one")
    parser.add_argument("--no-thumbnails", action="store_true")
    parser.add_argument("--limit", type=int, help="audit only the first N films (sorted by path)")
    args = parser.parse_args()
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        print(
            f"error: unknown method {', '.join(unknown) or '(none)'}; choose from {', '.join(METHODS)}.",
            file=sys.stderr,
        )
        return 2
    if args.workers < 1 or args.batch_size < 1:
        print("error: --workers and --batch-size must be at least 1.", file=sys.stderr)
        return 2
    try:
        run = run_audit(
            args.source,
            args.out,
            address=args.address,
            workers=args.workers,
            batch_size=args.batch_size,
            methods=methods,
            with_faithfulness=args.faithfulness,
            thumbnails=not args.no_thumbnails,
            limit=args.limit,
        )
    except AuditSourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"{run.listed} films listed, {run.skipped} already audited, {run.audited} audited in {run.seconds:.1f} s "
        f"({run.films_per_second:.1f} films/s); rows in {args.out / config.AUDIT_ROWS_FOLDER}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
