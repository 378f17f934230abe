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
from dataclasses import dataclass

# JPEG start-of-frame markers (baseline, extended, progressive, lossless, hierarchical, arithmetic, JPEG-LS).
_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7})
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RSTn carry no length


@dataclass(frozen=True)
class FrameHeader:
    """What a compressed frame's own header declares: what its decoder will allocate."""

    width: int
    height: int
    components: int
    precision: int  # bits per sample


def jpeg_frame_header(data: bytes) -> FrameHeader | None:
    """The frame header (SOFn) of a JPEG or JPEG-LS stream; None if there is none before the first scan."""
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
        if marker in _SOF_MARKERS and position + 10 <= len(data):
            precision, height, width, components = struct.unpack(">BHHB", data[position + 4 : position + 10])
            return FrameHeader(width, height, components, precision)
        position += 2 + length
    return None


def jpeg_scan_count(data: bytes) -> int:
    """How many scans (SOS markers) a JPEG holds: 0xFF 0xDA never occurs inside entropy-coded data (0xFF is
    stuffed there), so counting the pair is exact enough to bound a progressive decoder's work."""
    return data.count(b"\xff\xda")


def j2k_frame_header(data: bytes) -> FrameHeader | None:
    """The image size, component count and largest precision of a JPEG 2000 codestream's SIZ marker (bare or inside
    a JP2 box); None if absent."""
    start = data.find(b"\xff\x4f\xff\x51")
    if start < 0 or start + 42 > len(data):
        return None
    xsiz, ysiz, xosiz, yosiz = struct.unpack(">IIII", data[start + 8 : start + 24])
    (components,) = struct.unpack(">H", data[start + 40 : start + 42])
    sizes = data[start + 42 : start + 42 + 3 * components : 3]
    precision = max(((size & 0x7F) + 1 for size in sizes), default=0)
    return FrameHeader(max(xsiz - xosiz, 0), max(ysiz - yosiz, 0), components, precision)


def compressed_frame_header(frame: bytes) -> FrameHeader | None:
    """What a compressed frame declares, for the JPEG family and JPEG 2000; None for other encodings."""
    return jpeg_frame_header(frame) or j2k_frame_header(frame)


def segmented_lut_entries(data: bytes, bits: int, little_endian: bool, cap: int) -> int | None:
    """How many entries a segmented palette table (DICOM PS3.3 C.7.9.2) expands to, counted from its segment headers
    without expanding any; stops past `cap` (and after `cap` + 1 segments: each honest segment adds an entry).
    None when it holds an indirect segment, whose expansion depends on the segments it repeats."""
    order = "<" if little_endian else ">"
    width = 1 if bits == 8 else 2
    count = len(data) // width
    words = struct.unpack(f"{order}{count}{'B' if width == 1 else 'H'}", data[: count * width])
    entries, offset, segments = 0, 0, 0
    while offset + 1 < len(words) and entries <= cap and segments <= cap:
        opcode, length = words[offset], words[offset + 1]
        segments += 1
        if opcode == 0:  # discrete: `length` values follow
            entries, offset = entries + length, offset + 2 + length
        elif opcode == 1:  # linear: one end value follows
            entries, offset = entries + length, offset + 3
        elif opcode == 2:
            return None
        else:
            break  # pydicom stops at an unknown opcode too
    return entries if segments <= cap else cap + 1


def gif_frame_count(data: bytes, cap: int) -> int:
    """Frames of a GIF, counted by walking its blocks (never decoding one) up to `cap` + 1; 0 for a file that is
    not a GIF. Pillow's own count seeks through, and decodes, every frame."""
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        return 0
    flags = data[10]
    position = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    frames = 0

    def skip_sub_blocks(at: int) -> int:
        while at < len(data) and data[at]:
            at += data[at] + 1
        return at + 1

    while position < len(data) and frames <= cap:
        block = data[position]
        if block == 0x2C:  # image descriptor, maybe a local colour table, LZW code size, then data sub-blocks
            frames += 1
            if position + 10 > len(data):
                break
            local = data[position + 9]
            position += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0) + 1
            position = skip_sub_blocks(position)
        elif block == 0x21:  # extension: label, then sub-blocks
            position = skip_sub_blocks(position + 2)
        else:  # 0x3B trailer, or garbage: Pillow stops there too
            break
    return frames


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
