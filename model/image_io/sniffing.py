"""What a file is, from its first bytes: DICOM with or without its preamble, or one of the non-images people
upload by mistake (named, so the message can say what it is)."""

from __future__ import annotations


def is_dicom(data: bytes) -> bool:
    """DICOM Part 10 files carry 'DICM' after a 128-byte preamble."""
    return len(data) >= 132 and data[128:132] == b"DICM"


def looks_like_bare_dicom(data: bytes) -> bool:
    """A DICOM data set without the 128-byte preamble starts with a group 0x0002 or 0x0008 tag (little endian)."""
    return len(data) > 8 and data[:2] in (b"\x02\x00", b"\x08\x00") and data[2:4] < b"\x20\x00"


# Leading bytes of files people upload by mistake, and what to call them.
KNOWN_NON_IMAGES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
)


def describe_non_image(data: bytes) -> str | None:
    """What a file that is not an image is, when its first bytes say so."""
    for magic, what in KNOWN_NON_IMAGES:
        if data.startswith(magic):
            return what
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "an SVG drawing (vector graphics, not a radiograph)"
    if head.startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML)"
    sample = data[:4096]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "a text file" if b"\x00" not in sample else None


def other_format(data: bytes) -> str | None:
    """A picture format Pillow knows but this tool refuses (EPS, PDF, PostScript, SVG, Photoshop), named."""
    head = data[:16]
    if head.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):
        return "a PostScript/EPS file (a page description, not a radiograph)"
    if head.startswith(b"8BPS"):
        return "a Photoshop document"
    if head.startswith(b"icns"):
        return "an icon file"
    return None
