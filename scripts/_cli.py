"""Shared by the command-line tools: arguments, loading many files past bad ones, one record per input."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from pathlib import Path

from model.image_io import ImageLoadError, LoadedImage, load_image_file
from model.text_safety import short_stem, terminal_safe


def load_files(paths: Iterable[Path]) -> tuple[list[tuple[Path, LoadedImage]], list[tuple[Path, str]]]:
    """Split the given paths into loaded images and (path, message) failures; never raises for a bad file."""
    loaded, failed = [], []
    for path in paths:
        try:
            loaded.append((path, load_image_file(path)))
        except ImageLoadError as error:
            failed.append((path, str(error)))
        except MemoryError:
            failed.append((path, f"{path.name}: not enough memory to decode this file."))
        except Exception as error:  # never let one file end the run for the others
            failed.append((path, f"{path.name}: could not be read ({type(error).__name__})."))
    return loaded, failed


def segmenter_and_gate(entry=None):
    """The lung segmenter and the chest-X-ray gate for a registered model (its own gate where one was calibrated for
    it, else the default model's), each None when not shipped (the records then say so); a shipped file that does
    not load ends the run with one sentence naming it and the command that rebuilds it (exit 2)."""
    import sys

    from model.gate.gate import GateLoadError, load_gate
    from model.inference import ModelLoadError
    from model.lungs import optional_segmenter
    from model.serving.model_pool import gate_for

    try:
        return optional_segmenter(), (gate_for(entry) if entry is not None else load_gate())
    except (ModelLoadError, GateLoadError) as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def json_line(record: dict[str, object]) -> str:
    return json.dumps(record, ensure_ascii=False)


def classifier_or_report(name: str | Path | None, prefer_lite: bool = False):
    """(Classifier, registry entry) for a registry id or a Keras file (None = the default model), or None after
    printing why it cannot be used (the caller exits with status 2)."""
    import sys

    from model.inference import ModelLoadError
    from model.registry import RegistryError, load_registered, resolve

    try:
        entry = resolve(name)
        return load_registered(entry, prefer_lite=prefer_lite), entry
    except (RegistryError, ModelLoadError) as error:
        print(f"error: {error}", file=sys.stderr)
        return None


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments every per-image tool takes: the files, --json and --model."""
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--model", default=None, help="registry id (assets/models/<id>) or a Keras file; default: the default model"
    )


def print_records(
    paths: list[Path], records: dict[str, dict], as_json: bool, readable: Callable[[Path, dict], str]
) -> None:
    """One line per input, in the order given: JSON, or `readable(path, record)`; errors as 'name: ERROR: ...'."""
    for path in paths:
        record = records[str(path)]
        if as_json:
            print(json_line(record))
        elif "error" in record:
            print(terminal_safe(f"{path.name}: ERROR: {record['error']}"))
        elif record.get("prediction") is None:
            message = " ".join(w["message"] for w in record.get("warnings", []))
            print(terminal_safe(f"{path.name}: NOT ANSWERED: {message}"))
        else:
            codes = "".join(f"  [{w['code']}]" for w in record.get("warnings", []))
            print(terminal_safe(readable(path, record) + codes))


def output_stems(paths: list[Path], suffix: str) -> list[str]:
    """A file-name stem per input, unique even when two inputs share a name (a short path hash tells them apart)."""
    import hashlib

    plain = [f"{short_stem(path.stem)}_{suffix}" for path in paths]
    repeated = {stem for stem in plain if plain.count(stem) > 1}
    return [
        f"{stem}_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]}" if stem in repeated else stem
        for stem, path in zip(plain, paths)
    ]
