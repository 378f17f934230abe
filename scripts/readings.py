"""Readers' readings: import a department's boxes, score a model's maps against a reader, export readings.

Usage:
  python scripts/readings.py import FILE.csv --reader NAME [--root DIR]
  python scripts/readings.py score --reader NAME [--model ID] --method M [--json]
  python scripts/readings.py export --reader NAME --format csv|json|sr --out DIR
  python scripts/readings.py worklist NAME (--folder DIR | --csv FILE [--root DIR])
  python scripts/readings.py readers

The database is $CXR_DATABASE_URL (any SQLAlchemy URL), else artifacts/readings.sqlite3. The CSV's columns are
image,finding,x,y,w,h (film pixels; image relative to --root); a row whose finding is "no finding" reads its film
as such. An import stores every row or, when any row is refused, none. NIH's radiologists' boxes are the reader
"NIH radiologists (boxes.csv)", loaded from the data folder on first use.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from model import config
from model.readings.errors import ReadingStoreError
from model.readings.values import ReadingInputError


def _store():
    from model.readings.nih_reader import preload_nih
    from model.readings.store import ReadingStore

    store = ReadingStore()
    preload_nih(store)
    return store


def _readings_of(store, reader: str):
    readings = store.readings(reader=reader)
    if not readings:
        known = ", ".join(r.name for r in store.readers()) or "none yet"
        raise ReadingInputError(f"No readings by '{reader[:80]}' in {store.where}; readers: {known}.")
    return readings


def do_import(args: argparse.Namespace) -> int:
    from model.readings.csv_import import plan_import

    plan = plan_import(args.file, args.root)
    if plan.problems and not args.skip_bad_rows:
        print(plan.summary(), file=sys.stderr)
        print(
            f"error: {len(plan.problems):,} of {plan.rows:,} rows refused; nothing was imported "
            "(fix them, or pass --skip-bad-rows to import the rest).",
            file=sys.stderr,
        )
        return 1
    if not plan.readings:
        print(f"error: {args.file.name} holds no row this tool can import; nothing was imported.", file=sys.stderr)
        return 1
    films = _store().save_many(args.reader, plan.readings)
    marks = sum(len(m) for _, m in plan.readings)
    print(f"Imported {marks:,} marks on {films:,} films as reader '{args.reader}'.")
    if plan.problems:
        print(plan.summary(), file=sys.stderr)
    return 0


def do_score(args: argparse.Namespace) -> int:
    from model.explain import method_info, method_names
    from model.lungs import optional_segmenter
    from model.readings.reader_maps import MapCache, explain_with, maps_for_films, target_class_for
    from model.readings.scores import summarise_reader

    from _cli import classifier_or_report

    if args.method not in method_names():
        raise ReadingInputError(f"--method {args.method!r} is not a method; choose one of {', '.join(method_names())}.")
    readings = _readings_of(_store(), args.reader)
    found = classifier_or_report(args.model)
    if found is None:
        return 2
    classifier, _entry = found
    missing = classifier.network.capabilities.lacks(method_info(args.method).needs)
    if missing:
        raise ReadingInputError(
            f"{method_info(args.method).label} is not available for model {classifier.id}: {missing}."
        )
    target = target_class_for(classifier.classes)
    cache = MapCache(classifier.id, classifier.card.sha256, args.method, target)
    films = [r.film for r in readings if r.has_finding]
    maps, problems = maps_for_films(films, cache, explain_with(classifier, args.method, optional_segmenter()))
    summary = summarise_reader(args.reader, classifier.id, args.method, readings, maps)
    summary["explained_class"] = target or "predicted"
    summary["problems"] = problems
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:

        def percent(value):
            return "n/a" if value is None else f"{value:.0%}"

        print(
            f"{args.reader} × {classifier.id} × {args.method} on {summary['films']} films "
            f"({summary['films_no_finding']} read as no finding): pointing game {percent(summary['pointing_game'])} "
            f"(chance {percent(summary['chance'])}), heat in marks {percent(summary['heat_in_marks'])} "
            f"(marks cover {percent(summary['marks_share'])} of the film)."
        )
        for problem in problems:
            print(f"  not scored: {problem}", file=sys.stderr)
    return 0


def do_export(args: argparse.Namespace) -> int:
    from model.readings.export import file_stem, reading_json, readings_table, write_text_whole

    readings = _readings_of(_store(), args.reader)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ReadingInputError(f"cannot create the output folder {args.out} ({error.strerror or error}).") from None
    stem = file_stem(args.reader)
    if args.format == "csv":
        path = args.out / f"readings-{stem}.csv"
        write_text_whole(path, readings_table(readings).to_csv(index=False))
        print(f"Wrote {len(readings)} readings to {path}")
    elif args.format == "json":
        path = args.out / f"readings-{stem}.json"
        write_text_whole(path, json.dumps([reading_json(r) for r in readings], ensure_ascii=False, indent=1))
        print(f"Wrote {len(readings)} readings to {path}")
    else:
        return _export_sr(readings, args.out / f"sr-{stem}")
    return 0


def _export_sr(readings, folder: Path) -> int:
    from model.image_io import ImageLoadError, load_image_bytes
    from model.readings.reader_maps import FilmUnavailable, read_film
    from model.readings.sr_export import write_reading_sr

    written, failed = 0, 0
    for reading in readings:
        if not reading.has_finding:
            continue  # an SR region needs a mark; 'no finding' readings are in the CSV and JSON exports
        try:
            data = read_film(reading.film)
            pixels = load_image_bytes(data, reading.film.name).pixels
            write_reading_sr(reading, data, pixels, folder)
            written += 1
        except (FilmUnavailable, ImageLoadError) as error:
            print(f"  not exported: {error}", file=sys.stderr)
            failed += 1
    skipped = sum(1 for r in readings if not r.has_finding)
    print(
        f"Wrote {written} SR files to {folder}"
        + (f"; {skipped} 'no finding' readings are in the CSV/JSON exports only" if skipped else "")
        + (f"; {failed} films could not be read" if failed else "")
    )
    return 1 if failed else 0


def do_worklist(args: argparse.Namespace) -> int:
    """A worklist for the Reader study page: the films of a folder (sorted by name) or a CSV's `image` column."""
    from model.readings.csv_import import film_under

    if args.folder is not None:
        root = args.folder.resolve()
        if not root.is_dir():
            raise ReadingInputError(f"--folder {args.folder}: is not a folder.")
        names = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.suffix.lower() in config.FILM_SUFFIXES)
    else:
        from model.readings.csv_import import read_table

        root = args.root.resolve()
        names = list(dict.fromkeys(read_table(args.csv, ("image",))["image"].str.strip()))
    films, refused = [], 0
    for name in names:
        try:
            films.append(film_under(root, name))
        except ReadingInputError as error:
            print(f"  left out: {error}", file=sys.stderr)
            refused += 1
    if not films:
        raise ReadingInputError("no film could be read; the worklist was not saved.")
    count = _store().save_worklist(args.name, films)
    print(f"Worklist '{args.name}': {count} films" + (f" ({refused} left out)" if refused else "") + ".")
    return 0


def do_readers(_args: argparse.Namespace) -> int:
    store = _store()
    for reader in store.readers():
        print(f"{reader.name}\t{reader.films_read} films{' (read-only)' if reader.read_only else ''}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    imported = commands.add_parser("import", help="import boxes from a CSV (image,finding,x,y,w,h)")
    imported.add_argument("file", type=Path)
    imported.add_argument("--reader", required=True)
    imported.add_argument("--root", type=Path, default=Path("."), help="folder the CSV's image paths are under")
    imported.add_argument("--skip-bad-rows", action="store_true", help="import the good rows when some are refused")
    scored = commands.add_parser("score", help="score a model's maps against a reader's marks")
    scored.add_argument("--reader", required=True)
    scored.add_argument("--model", default=None, help="registry id (default: the default model)")
    scored.add_argument("--method", required=True)
    scored.add_argument("--json", action="store_true")
    exported = commands.add_parser("export", help="write a reader's readings as CSV, JSON or DICOM SR")
    exported.add_argument("--reader", required=True)
    exported.add_argument("--format", required=True, choices=config.READINGS_EXPORT_FORMATS)
    exported.add_argument("--out", type=Path, required=True)
    worklist = commands.add_parser("worklist", help="save a worklist for the Reader study page")
    worklist.add_argument("name")
    source = worklist.add_mutually_exclusive_group(required=True)
    source.add_argument("--folder", type=Path, help="every film under this folder, by name")
    source.add_argument("--csv", type=Path, help="a CSV whose 'image' column names the films (under --root)")
    worklist.add_argument("--root", type=Path, default=Path("."))
    commands.add_parser("readers", help="list the readers and how many films each read")
    args = parser.parse_args()
    action = {
        "import": do_import,
        "score": do_score,
        "export": do_export,
        "worklist": do_worklist,
        "readers": do_readers,
    }[args.command]
    try:
        return action(args)
    except (ReadingInputError, ReadingStoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
