"""Archive-audit throughput: a one-process loop against the Ray Data job with 1 and 2 workers, same films.

Usage: python scripts/benchmark_archive.py [--films 1000] [--batch-size 32] [--json]
Every variant does the same work per film (read, hash, decode, screen, classify, Grad-CAM, lung share, thumbnail)
on the same films from the shared data, into a fresh output folder. Ray starts once, before the timings (as a
cluster would already be running); the Ray figures include each job's actors loading the models.
--json prints one object: loop_films_per_s, ray1_films_per_s, ray2_films_per_s (and the film count and CPUs).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from model import config
from model.audit.sources import archive_paths


def film_list(count: int, folder: Path) -> Path:
    """A CSV naming `count` shared films, spread over the collections (sorted, every n-th)."""
    films = [p for p in archive_paths(config.data_dir()) if "masks" not in p]  # lung_masks/ holds masks, not films
    step = max(len(films) // count, 1)
    chosen = films[::step][:count]
    table = folder / "films.csv"
    table.write_text("path\n" + "\n".join(chosen) + "\n")
    return table


def loop_films_per_s(table: Path, out: Path, batch_size: int) -> float:
    """predict.py-style: one process reads, decodes and audits the films batch by batch."""
    from model.audit.auditor import FilmAuditor
    from model.audit.decode import decode_batch

    paths = archive_paths(table)
    started = time.perf_counter()
    auditor = FilmAuditor(thumbnails=str(out / "thumbnails"))
    for start in range(0, len(paths), batch_size):
        auditor.audit(decode_batch({"path": np.array(paths[start : start + batch_size])}))
    return len(paths) / (time.perf_counter() - started)


def ray_films_per_s(table: Path, out: Path, workers: int, batch_size: int) -> float:
    from model.audit.job import run_audit

    return run_audit(table, out, workers=workers, batch_size=batch_size).films_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--films", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=config.AUDIT_BATCH_SIZE)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-loop", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        table = film_list(args.films, scratch)
        report: dict[str, object] = {"films": len(archive_paths(table)), "cpus": os.cpu_count()}
        if not args.skip_loop:
            report["loop_films_per_s"] = round(loop_films_per_s(table, scratch / "loop", args.batch_size), 1)
        import ray

        from model.audit.job import start_ray

        start_ray(None, 2)
        for workers in (1, 2):
            rate = ray_films_per_s(table, scratch / f"ray{workers}", workers, args.batch_size)
            report[f"ray{workers}_films_per_s"] = round(rate, 1)
        ray.shutdown()
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:20s} {value}")


if __name__ == "__main__":
    main()
