"""Cheap looks at a file's own structure before any decoder runs: what a frame declares, how many scans or pages.

A decoder trusts what the compressed stream says. A 10 KB JPEG inside a DICOM whose frame header says 60000 x 60000
makes the JPEG decoder allocate gigabytes although the DICOM header says 512 x 512; a progressive JPEG with tens of
thousands of empty scans, or a TIFF with a hundred thousand pages, keeps a decoder busy for minutes; a Deflated
DICOM inflates without bound. Each function here reads only markers and offsets (never pixels) and answers in
microseconds to milliseconds, so the loader can refuse such a file with a sentence before decoding it.
"""

from __future__ import annotations

import struct
import zlib

# JPEG start-of-frame markers (baseline, extended, progressive, lossless, hierarchical, arithmetic, JPEG-LS).
_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7})
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RSTn carry no length


def jpeg_frame_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) that a JPEG (or JPEG-LS) stream's frame header declares; None if there is none."""
    if not data.startswith(b"\xff\xd8"):
        return None
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            position += 1
            continue
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker in _STANDALONE or marker == 0xD8:
            position += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or entropy-coded data begins: no frame header before it
            return None
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        if marker in _SOF_MARKERS and position + 9 <= len(data):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def jpeg_scan_count(data: bytes) -> int:
    """How many scans (SOS markers) a JPEG holds: 0xFF 0xDA never occurs inside entropy-coded data (0xFF is
    stuffed there), so counting the pair is exact enough to bound a progressive decoder's work."""
    return data.count(b"\xff\xda")


def j2k_frame_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG 2000 codestream's SIZ marker (bare or inside a JP2 box); None if absent."""
    start = data.find(b"\xff\x4f\xff\x51")
    if start < 0 or start + 20 > len(data):
        return None
    xsiz, ysiz, xosiz, yosiz = struct.unpack(">IIII", data[start + 8 : start + 24])
    return max(xsiz - xosiz, 0), max(ysiz - yosiz, 0)


def compressed_frame_size(frame: bytes) -> tuple[int, int] | None:
    """What a compressed frame declares, for the JPEG family and JPEG 2000; None for other encodings."""
    return jpeg_frame_size(frame) or j2k_frame_size(frame)


def tiff_page_count(data: bytes, cap: int) -> int:
    """Pages (IFDs) of a TIFF, counted by following the IFD chain up to `cap` + 1 (a loop counts as too many).

    BigTIFF is followed the same way with 8-byte offsets. Returns 0 for a file that is not a TIFF.
    """
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        big = False
    elif data[:4] in (b"II+\x00", b"MM\x00+"):
        big = True
    else:
        return 0
    order = "<" if data[:2] == b"II" else ">"
    offset_format, count_format, entry_size = ("Q", "Q", 20) if big else ("I", "H", 12)
    offset_size, count_size = struct.calcsize(offset_format), struct.calcsize(count_format)
    header = 8 if big else 4
    (offset,) = struct.unpack(order + offset_format, data[header : header + offset_size])
    seen: set[int] = set()
    while offset and len(seen) <= cap:
        if offset in seen or offset + count_size > len(data):
            return cap + 1 if offset in seen else len(seen)
        seen.add(offset)
        (count,) = struct.unpack(order + count_format, data[offset : offset + count_size])
        next_at = offset + count_size + count * entry_size
        if next_at + offset_size > len(data):
            break
        (offset,) = struct.unpack(order + offset_format, data[next_at : next_at + offset_size])
    return len(seen)


def inflated_size_exceeds(data: bytes, limit: int, chunk: int = 1 << 20) -> bool:
    """Does this raw deflate stream (DICOM's Deflated transfer syntax) inflate past `limit` bytes? Inflates in
    chunks, keeping none of it, and stops as soon as the limit is passed."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total, pending = 0, data
    try:
        while pending:
            total += len(inflater.decompress(pending, chunk))
            if total > limit:
                return True
            pending = inflater.unconsumed_tail
            if not pending and inflater.eof:
                break
        total += len(inflater.flush())
    except zlib.error:
        return False  # a broken stream: pydicom reports it in its own words
    return total > limit
