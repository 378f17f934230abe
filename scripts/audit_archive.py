"""Audit an archive of chest films: prediction, heatmap, lung share and input warnings for every film, on Ray Data.

Usage: python scripts/audit_archive.py SOURCE --out DIR [--address ADDR] [--workers N] [--batch-size N]
                                       [--methods gradcam,layercam] [--faithfulness] [--no-thumbnails] [--limit N]
                                       [--model ID|PATH]
       python scripts/audit_archive.py --dicomweb URL [--user U] [--password-file F] [--study UID ...]
                                       [--since YYYYMMDD] [--write-back] --out DIR [the options above]
SOURCE is a folder (searched recursively for PNG, JPEG and DICOM) or a CSV with a `path` column; or a PACS over
DICOMweb (every instance of the --study UIDs, or of every study since --since; the password from --password-file,
$CXR_DICOMWEB_PASSWORD_FILE or $CXR_DICOMWEB_PASSWORD, never printed). Writes one Parquet row per film under DIR/rows
(unreadable files become rows with their error; a PACS instance's row carries its study, series and SOP Instance
UIDs) and an overlay thumbnail per film under DIR/thumbnails. Rerunning skips films already in DIR. Without
--address, Ray runs embedded in this process. --write-back stores each answered PACS instance's results in its
study (a Secondary Capture and an SR), once. Open DIR in the dashboard's "Archive audit" page.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from model import config
from model.audit.job import run_audit
from model.audit.pacs_fetch import UNAVAILABLE_MARK, PacsSource
from model.audit.results import audited_paths
from model.audit.sources import AuditSourceError
from model.explain.catalog import METHODS
from model.pacs.settings import PacsError, PacsSettings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, nargs="?", help="a folder or a CSV (or use --dicomweb)")
    parser.add_argument("--dicomweb", metavar="URL", help="audit a PACS over DICOMweb (its root URL)")
    parser.add_argument("--user", default=None, help="the PACS user (default: $CXR_DICOMWEB_USER)")
    parser.add_argument("--password-file", type=Path, default=None, help="a file holding the PACS password")
    parser.add_argument("--study", action="append", default=[], metavar="UID", help="a study to audit (repeatable)")
    parser.add_argument("--since", default="", metavar="YYYYMMDD", help="every study from this date on")
    parser.add_argument("--write-back", action="store_true", help="store results in each answered PACS study")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--address", help="an existing Ray cluster (e.g. ray://head:10001 or auto)")
    parser.add_argument("--workers", type=int, default=1, help="model workers (actors), each holding the models once")
    parser.add_argument("--batch-size", type=int, default=config.AUDIT_BATCH_SIZE)
    parser.add_argument("--methods", default=",".join(config.AUDIT_METHODS), help="comma-separated method names")
    parser.add_argument("--faithfulness", action="store_true", help="also score each map against a random one")
    parser.add_argument("--no-thumbnails", action="store_true")
    parser.add_argument("--limit", type=int, help="audit only the first N films (sorted by path)")
    parser.add_argument("--verbose", action="store_true", help="keep Ray's own start-up and progress logs")
    parser.add_argument("--model", default=None, help="registry id or Keras file (default: the default model)")
    args = parser.parse_args()
    ray_log = None if args.verbose else quiet_ray()
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        print(
            f"error: unknown method {', '.join(unknown) or '(none)'}; choose from {', '.join(METHODS)}.",
            file=sys.stderr,
        )
        return 2
    try:
        source = audit_source(args)
    except (AuditSourceError, PacsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.workers < 1 or args.batch_size < 1:
        print("error: --workers and --batch-size must be at least 1.", file=sys.stderr)
        return 2
    try:
        with ray_output_to(ray_log):
            run = run_audit(
                source,
                args.out,
                address=args.address,
                workers=args.workers,
                batch_size=args.batch_size,
                methods=methods,
                with_faithfulness=args.faithfulness,
                thumbnails=not args.no_thumbnails,
                limit=args.limit,
                model=args.model,
            )
    except AuditSourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # Ray wraps a worker's OSError; a full disk is the one a person can act on
        if UNAVAILABLE_MARK in str(error):
            kept = len(audited_paths(args.out))
            reason = str(error).split(UNAVAILABLE_MARK, 1)[1].strip().splitlines()[0]
            print(
                f"error: the PACS stopped answering mid-audit ({reason}). The {kept} rows written so far are kept; "
                "run the same command again to audit the rest.",
                file=sys.stderr,
            )
            return 4
        if not disk_full(error):
            print(f"error: the audit failed ({type(error).__name__}); Ray's log: {ray_log}", file=sys.stderr)
            raise
        kept = len(audited_paths(args.out))
        print(
            f"error: the output disk is full ({args.out}). The {kept} rows written so far are kept; free some space "
            "and run the same command again to audit the rest.",
            file=sys.stderr,
        )
        return 3
    print(
        f"{run.listed} films listed, {run.skipped} already audited, {run.audited} audited in {run.seconds:.1f} s "
        f"({run.films_per_second:.1f} films/s); rows in {args.out / config.AUDIT_ROWS_FOLDER}"
    )
    if args.write_back and isinstance(source, PacsSource):
        from model.audit.pacs_write_back import write_back_audit

        def say(line: str) -> None:
            print(source.settings.redact(line), file=sys.stderr)

        wrote = write_back_audit(args.out, source.settings, args.model, methods[0], say=say)
        print(
            f"Write-back: {wrote.written} objects stored, {wrote.already} already in the PACS, {wrote.failed} films "
            "not written."
        )
        return 1 if wrote.failed else 0
    return 0


def audit_source(args: argparse.Namespace):
    """The folder or CSV given, or the PACS the --dicomweb options name (its sign-in checked when listing)."""
    if args.dicomweb is None:
        if args.source is None:
            raise AuditSourceError("give a folder or a CSV to audit, or --dicomweb URL for a PACS.")
        if args.write_back:
            raise AuditSourceError("--write-back writes into a PACS: it needs --dicomweb.")
        return args.source
    if args.source is not None:
        raise AuditSourceError("give either a folder/CSV or --dicomweb, not both.")
    if args.since and not (len(args.since) == 8 and args.since.isdigit()):
        raise AuditSourceError("--since is a date as YYYYMMDD.")
    settings = PacsSettings.from_env(args.dicomweb, args.user, args.password_file)
    return PacsSource(settings, tuple(args.study), args.since, args.password_file)


def quiet_ray() -> Path:
    """Ray's start-up banner, progress bars and its own copies of worker errors stay out of a person's terminal
    (this script prints what happened, in one line): they go to a log file, whose path is returned."""
    import logging
    import os
    import tempfile

    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    os.environ.setdefault("RAY_DATA_DISABLE_PROGRESS_BARS", "1")
    for name in ("ray", "ray.data", "ray._private", "ray.air", "ray.train"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        from ray.data import DataContext

        context = DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
    except Exception:  # an older or newer Ray without these settings: only noisier
        pass
    handle, path = tempfile.mkstemp(prefix="audit_archive_ray_", suffix=".log")
    os.close(handle)
    return Path(path)


@contextlib.contextmanager
def ray_output_to(log: Path | None):
    """Everything written to this process's stderr (Ray's own logging included) goes to `log` while the job runs."""
    if log is None:
        yield
        return
    import os

    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "ab") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def disk_full(error: BaseException) -> bool:
    """Is ENOSPC anywhere in this error's chain or text (Ray re-raises workers' errors as its own types)?"""
    import errno

    seen = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        seen = seen.__cause__ or seen.__context__
    return "No space left on device" in str(error)


if __name__ == "__main__":
    sys.exit(main())
