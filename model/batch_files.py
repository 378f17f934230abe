"""Shared by the command-line tools: load many files, keep going past bad ones, report each."""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from model.image_io import ImageLoadError, LoadedImage, load_image_file


def load_files(paths: Iterable[Path]) -> tuple[list[tuple[Path, LoadedImage]], list[tuple[Path, str]]]:
    """Split the given paths into loaded images and (path, message) failures; never raises for a bad file."""
    loaded, failed = [], []
    for path in paths:
        try:
            loaded.append((path, load_image_file(path)))
        except ImageLoadError as error:
            failed.append((path, str(error)))
    return loaded, failed


def json_line(record: dict[str, object]) -> str:
    return json.dumps(record, ensure_ascii=False)
