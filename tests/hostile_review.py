"""The files of the security review (issue 28), built here and never stored: Deflated DICOMs in every file-meta
layout, a segmented palette that expands a thousandfold, a GIF of 100,000 frames, and colour DICOMs in every colour
photometric interpretation (coloured words on a grey film, the kind the colour rule must stop)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np

from tests.hostile_corpus import _film, dicom

DEFLATED = "1.2.840.10008.1.2.1.99"
DEFLATE_LAYOUTS = ("preamble", "bare", "no_group_length", "lying_group_length")


def _meta_and_body(plain: bytes) -> tuple[bytes, bytes]:
    """A Part-10 file cut after its file meta group (which has its preamble and a truthful group length here)."""
    meta_end = 144 + int.from_bytes(plain[140:144], "little")
    return plain[:meta_end], plain[meta_end:]


def deflated_bomb(inflated_bytes: int, layout: str = "preamble") -> bytes:
    """A Deflated DICOM whose data set inflates to about `inflated_bytes`, its file meta laid out as `layout`:
    with its preamble, bare (no preamble), without the (0002,0000) group length, or with a group length that lies."""
    meta, body = _meta_and_body(dicom(_film(128, 128)))
    meta = meta.replace(b"UI\x14\x001.2.840.10008.1.2.1\x00", b"UI\x16\x00" + DEFLATED.encode())
    meta = meta[:140] + struct.pack("<I", len(meta) - 144) + meta[144:]
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    deflated = compressor.compress(body)
    zeros = b"\x00" * (1 << 22)
    for _ in range(inflated_bytes // len(zeros)):
        deflated += compressor.compress(zeros)
    deflated += compressor.flush()
    if layout == "bare":
        meta = meta[132:]  # no preamble and no 'DICM': pydicom reads the group all the same
    elif layout == "no_group_length":
        meta = meta[:132] + meta[144:]
    elif layout == "lying_group_length":
        meta = meta[:140] + struct.pack("<I", 12) + meta[144:]
    elif layout != "preamble":
        raise ValueError(layout)
    return meta + deflated


def segmented_palette_dicom(segments: int = 3_600) -> bytes:
    """A PALETTE COLOR DICOM whose segmented tables hold `segments` linear segments of 65,535 entries each
    (6 bytes a segment): ~22 KB that pydicom would expand to hundreds of millions of Python integers."""
    film = _film(128, 128)
    words = [0, 1, 0] + [1, 65_535, 40_000] * segments  # one discrete entry, then the linear runs

    def edit(ds):
        ds.PhotometricInterpretation = "PALETTE COLOR"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
        ds.PixelData = film.tobytes()
        for colour in ("Red", "Green", "Blue"):
            setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", [256, 0, 16])
            setattr(ds, f"Segmented{colour}PaletteColorLookupTableData", struct.pack(f"<{len(words)}H", *words))
        del ds.RescaleSlope
        del ds.RescaleIntercept

    return dicom(film, edit=edit)


def gif_with_frames(frames: int, side: int = 128) -> bytes:
    """A GIF of one real frame followed by `frames` - 1 one-pixel frames (15 bytes each)."""
    header = b"GIF89a" + struct.pack("<HHBBB", side, side, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    tiny = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return header + tiny * frames + b"\x3b"


def _coloured_words(side: int = 256) -> np.ndarray:
    """Red and green words on a grey film, RGB uint8: what a report screenshot stored as DICOM looks like."""
    import cv2

    grey = np.repeat(_film(side, side)[..., None], 3, axis=-1).copy()
    cv2.putText(grey, "REPORT", (10, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (230, 20, 20), 6)
    cv2.putText(grey, "SUMMARY", (10, 190), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (20, 200, 40), 6)
    return grey


COLOUR_PHOTOMETRICS = ("RGB", "YBR_FULL", "YBR_FULL_422", "YBR_RCT", "YBR_ICT", "PALETTE COLOR")


def colour_dicom(photometric: str) -> bytes:
    """A Secondary Capture of coloured words on grey, stored with the given colour photometric interpretation."""
    import pydicom
    from pydicom.pixels import convert_color_space
    from pydicom.uid import JPEG2000, JPEG2000Lossless

    rgb = _coloured_words()
    base = pydicom.dcmread(io.BytesIO(dicom(_film(256, 256))))
    base.BitsAllocated, base.BitsStored, base.HighBit = 8, 8, 7
    base.SamplesPerPixel, base.PlanarConfiguration = 3, 0
    del base.RescaleSlope
    del base.RescaleIntercept
    if photometric in ("RGB", "YBR_FULL"):
        pixels = rgb if photometric == "RGB" else convert_color_space(rgb, "RGB", "YBR_FULL")
        base.PhotometricInterpretation, base.PixelData = photometric, pixels.tobytes()
    elif photometric == "YBR_FULL_422":  # native 4:2:2: Y1 Y2 Cb Cr for each pair of pixels
        ybr = convert_color_space(rgb, "RGB", "YBR_FULL").astype(np.uint16)
        pairs = ybr.reshape(ybr.shape[0], -1, 2, 3)
        packed = np.stack(
            [pairs[..., 0, 0], pairs[..., 1, 0], pairs[..., :, 1].mean(-1), pairs[..., :, 2].mean(-1)], axis=-1
        )
        base.PhotometricInterpretation, base.PixelData = photometric, np.round(packed).astype(np.uint8).tobytes()
    elif photometric in ("YBR_RCT", "YBR_ICT"):  # JPEG 2000 with its colour transform
        base.PhotometricInterpretation = "RGB"
        syntax = JPEG2000Lossless if photometric == "YBR_RCT" else JPEG2000
        options = {} if photometric == "YBR_RCT" else {"j2k_cr": [5]}
        base.compress(syntax, rgb, encoding_plugin="pylibjpeg", use_mct=True, **options)
        base.PhotometricInterpretation = photometric
    elif photometric == "PALETTE COLOR":
        base.SamplesPerPixel = 1
        del base.PlanarConfiguration
        indices = np.round(_film(256, 256) / 255 * 250).astype(np.uint8)
        indices[30:60, 20:230] = 254  # a red band
        indices[120:150, 20:230] = 255  # a green band
        table = np.stack([np.arange(256) * 257] * 3, axis=-1).astype(np.uint16)
        table[254], table[255] = (60_000, 2_000, 2_000), (2_000, 55_000, 6_000)
        base.PhotometricInterpretation, base.PixelData = photometric, indices.tobytes()
        for channel, colour in enumerate(("Red", "Green", "Blue")):
            setattr(base, f"{colour}PaletteColorLookupTableDescriptor", [256, 0, 16])
            base[f"{colour}PaletteColorLookupTableDescriptor"].VR = "US"
            setattr(base, f"{colour}PaletteColorLookupTableData", table[:, channel].tobytes())
    else:
        raise ValueError(photometric)
    buffer = io.BytesIO()
    base.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()
