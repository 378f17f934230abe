"""The two entry points: bytes (an upload) or a path (the command line, an archive), through the same checks."""

from __future__ import annotations

from pathlib import Path

from model import config
from model.image_io.dicom import load_dicom
from model.image_io.errors import DicomError, EmptyFileError, NotAFileError
from model.image_io.limits import check_file_size, check_size, downscale_once
from model.image_io.loaded import LoadedImage
from model.image_io.raster import load_raster
from model.image_io.sniffing import describe_non_image, is_dicom, looks_like_bare_dicom


def read_film_file(path: str | Path, limit_bytes: int | None = None) -> bytes:
    """A film's bytes from disk, looked at with `stat` before a byte is read: folders, broken links, devices, pipes
    (a link to /dev/zero in an archive once drove a worker past 16 GB) and files over the size limit raise an
    ImageLoadError with their own sentence; the read itself is bounded too (a file that grows meanwhile)."""
    path = Path(path)
    limit_bytes = config.MAX_UPLOAD_BYTES if limit_bytes is None else limit_bytes
    try:
        if path.is_dir():
            raise NotAFileError(f"{path.name}: is a folder, not a file. Give the image files inside it.")
        if path.is_symlink() and not path.exists():
            raise NotAFileError(f"{path.name}: is a link that points nowhere (or to itself).")
        if not path.exists():
            raise NotAFileError(f"{path.name}: no such file.")
        if not path.is_file():
            raise NotAFileError(f"{path.name}: is not a regular file (a device, pipe or socket).")
        check_file_size(path.name, path.stat().st_size, limit_bytes)  # before reading it
        with path.open("rb") as handle:
            data = handle.read(limit_bytes + 1)
    except OSError as error:  # a symlink loop, a permission, a vanished file
        raise NotAFileError(f"{path.name}: cannot be read ({error.strerror or error}).") from None
    check_file_size(path.name, len(data), limit_bytes)
    return data


def load_image_file(path: str | Path, working_side: int | None = None) -> LoadedImage:
    """Read a file from disk through the same checks as an upload; odd paths get their own messages."""
    return load_image_bytes(read_film_file(path), Path(path).name, working_side)


def load_image_bytes(data: bytes, name: str = "upload", working_side: int | None = None) -> LoadedImage:
    """Decode uploaded bytes; raise an `ImageLoadError` subclass for anything unusable.

    A film larger than `working_side` (default: MAX_WORKING_SIDE, what the viewer needs) on its longest side comes
    back reduced to it, decoded at that size where the format allows (JPEG scale-on-decode) and reduced before any
    floating-point conversion otherwise; a batch audit, which needs only the model's input, asks for less.
    """
    working_side = working_side or config.MAX_WORKING_SIDE
    if not data:
        raise EmptyFileError(f"{name}: the file is empty (0 bytes).")
    check_file_size(name, len(data))
    if is_dicom(data) or looks_like_bare_dicom(data):
        loaded = load_dicom(data, name, working_side)
    elif name.lower().endswith(config.DICOM_SUFFIXES):
        what = describe_non_image(data)
        raise DicomError(
            f"{name}: named like a DICOM file but has no DICOM header" + (f"; it is {what}." if what else ".")
        )
    else:
        loaded = load_raster(data, name, working_side)
    width, height = loaded.original_size or loaded.size  # judged at the size the file declares
    check_size((height, width), name)
    return downscale_once(loaded, working_side)
