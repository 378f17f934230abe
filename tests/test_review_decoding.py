"""The decoding findings of the security review, each reproduced with a file built here: bounded before any work,
refused in a sentence, and honest files of the same kind still load."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from model import config
from model.image_io import ImageLoadError, load_image_bytes
from tests import hostile_review as hostile
from tests.hostile_corpus import _film, dicom
from tests.test_hostile_decoding import _peak_memory_mb, refused


@pytest.mark.parametrize("layout", hostile.DEFLATE_LAYOUTS)
def test_a_deflated_bomb_is_refused_in_every_file_meta_layout_within_bounds(tmp_path, layout):
    # 600 MB inflated (budget 512 MB) from a file of about 0.6 MB; before the fix the three layouts other than
    # "preamble" inflated it whole (1.5 GB from 1.5 MB ran past two minutes and 3 GB here).
    path = tmp_path / f"{layout}.dcm"
    path.write_bytes(hostile.deflated_bomb(600 << 20, layout))
    extra_mb, seconds, outcome = _peak_memory_mb(path)
    assert "would inflate past 512 MB" in outcome, outcome
    assert extra_mb < 100 and seconds < 5, (extra_mb, seconds)


def _honest_deflated(layout: str) -> bytes:
    import pydicom
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    dataset = pydicom.dcmread(io.BytesIO(dicom(_film(128, 128))))
    dataset.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    data = buffer.getvalue()
    if layout == "bare":
        return data[132:]
    if layout == "no_group_length":
        return data[:132] + data[144:]
    return data


@pytest.mark.parametrize("layout", ["preamble", "bare", "no_group_length"])
def test_an_honest_deflated_dicom_still_loads_in_each_layout(layout):
    film = _film(128, 128)
    loaded = load_image_bytes(_honest_deflated(layout), "deflated.dcm")
    expected = (film - film.min()) / (film.max() - film.min())
    assert loaded.size == (128, 128) and np.abs(loaded.pixels - expected).max() < 1e-3


def test_a_segmented_palette_that_expands_past_its_descriptor_is_refused_within_bounds(tmp_path):
    # 79 KB; before: 31 s and 4.5 GB in pure Python (under the GIL: every session stalled).
    path = tmp_path / "segmented.dcm"
    path.write_bytes(hostile.segmented_palette_dicom(3_600))
    extra_mb, seconds, outcome = _peak_memory_mb(path)
    assert "segmented red palette expands to more than" in outcome, outcome
    assert extra_mb < 50 and seconds < 2, (extra_mb, seconds)


def test_an_honest_segmented_palette_still_loads():
    import pydicom

    data = hostile.segmented_palette_dicom(0)  # one discrete entry: fewer than the descriptor's 256
    dataset = pydicom.dcmread(io.BytesIO(data))
    words = [0, 256, *range(0, 65_536, 257)]  # one discrete segment of 256 grey entries
    for colour in ("Red", "Green", "Blue"):
        dataset[f"Segmented{colour}PaletteColorLookupTableData"].value = np.array(words, np.uint16).tobytes()
    buffer = io.BytesIO()
    dataset.save_as(buffer)
    loaded = load_image_bytes(buffer.getvalue(), "segmented.dcm")
    assert loaded.size == (128, 128) and loaded.colourfulness < 1.0


def test_a_gif_of_a_hundred_thousand_frames_is_refused_before_pillow_walks_them():
    refused(hostile.gif_with_frames(100_000), "frames.gif", "more than 64 frames")


def test_a_gif_of_a_few_frames_still_loads():
    loaded = load_image_bytes(hostile.gif_with_frames(3), "three.gif")
    assert loaded.size == (128, 128) and any("3 frames" in note for note in loaded.notes)


def test_a_compressed_frame_with_more_components_than_the_header_is_refused():
    from tests.hostile_decoding import jpeg_in_dicom_claiming

    data = jpeg_in_dicom_claiming(128, 128)  # honest size
    sof = data.index(b"\xff\xc0")
    forged = data[: sof + 9] + bytes([3]) + data[sof + 10 :]  # the frame now claims three components
    refused(forged, "components.dcm", "declares 3 colour components")


def test_a_jpeg_2000_frame_deeper_than_the_header_allows_is_refused():
    from tests.hostile_corpus import compressed_dicom

    data = compressed_dicom(_film(128, 128).astype(np.uint16) * 16, "1.2.840.10008.1.2.4.90")
    siz = data.index(b"\xff\x4f\xff\x51")
    forged = data[: siz + 42] + bytes([0x1F]) + data[siz + 43 :]  # 32-bit samples in a 16-bit DICOM
    refused(forged, "precision.dcm", "of 32 bits while the DICOM header says 1 of at most 16")


@pytest.mark.parametrize("photometric", hostile.COLOUR_PHOTOMETRICS)
def test_colour_is_measured_on_the_decoded_colour_pixels_of_every_photometric(photometric):
    loaded = load_image_bytes(hostile.colour_dicom(photometric), "colour.dcm")
    assert loaded.colourfulness > config.GATE_MAX_COLOURFULNESS, (photometric, loaded.colourfulness)


def test_a_grey_film_stored_as_rgb_dicom_is_not_called_colour():
    import pydicom

    dataset = pydicom.dcmread(io.BytesIO(hostile.colour_dicom("RGB")))
    grey = np.repeat(_film(256, 256)[..., None], 3, axis=-1)
    dataset.PixelData = grey.tobytes()
    buffer = io.BytesIO()
    dataset.save_as(buffer)
    assert load_image_bytes(buffer.getvalue(), "grey_rgb.dcm").colourfulness < 1.0


def test_every_colour_dicom_is_stopped_by_the_chest_xray_check(tmp_path):
    """Before the fix the YBR_RCT Secondary Capture of coloured words was answered 'COVID-19'."""
    from tests.test_cli import run_script

    paths = []
    for photometric in hostile.COLOUR_PHOTOMETRICS:
        path = tmp_path / f"{photometric.replace(' ', '_')}.dcm"
        path.write_bytes(hostile.colour_dicom(photometric))
        paths.append(str(path))
    result = run_script("predict.py", *paths, "--json")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(paths), result.stdout + result.stderr
    for record in records:
        assert record["prediction"] is None, record
        assert "colour picture" in record["warnings"][0]["message"], record


def test_the_refusals_are_image_load_errors():
    with pytest.raises(ImageLoadError):
        load_image_bytes(hostile.segmented_palette_dicom(10), "s.dcm")


def test_the_audit_looks_before_it_reads_links_to_devices_pipes_and_huge_files(tmp_path):
    """A link to /dev/zero in an audited folder drove a Ray worker past 16 GB in under a minute; each of these is
    now an error row, found by `stat`, and reading them costs no memory."""
    import os
    import subprocess
    import sys

    (tmp_path / "zero.dcm").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.png")
    with (tmp_path / "huge.dcm").open("wb") as handle:  # sparse: no disk used
        handle.truncate(config.MAX_UPLOAD_BYTES + 1)
    code = (
        "import json, resource, sys\n"
        "from model.audit.decode import decode_one\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "rows = [decode_one(p)['error'] for p in sys.argv[1:]]\n"
        "print(json.dumps([rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before]))\n"
    )
    names = ["zero.dcm", "pipe.png", "huge.dcm"]
    result = subprocess.run(
        [sys.executable, "-c", code, *(str(tmp_path / n) for n in names)], capture_output=True, text=True, timeout=60
    )
    errors, extra_mb = json.loads(result.stdout.strip().splitlines()[-1])  # a peak gained, not the parent's
    assert "zero.dcm: is not a regular file" in errors[0] and "pipe.png: is not a regular file" in errors[1]
    assert "huge.dcm: the file is 50 MB; the limit is 50 MB" in errors[2]
    assert extra_mb < 50, extra_mb


def test_the_audit_picks_up_every_format_the_loader_reads(tmp_path):
    from model.audit.sources import archive_paths

    for suffix in sorted(config.FILM_SUFFIXES):
        (tmp_path / f"film{suffix}").write_bytes(b"x")
    (tmp_path / "notes.txt").write_bytes(b"x")
    found = {p.rsplit("/", 1)[-1] for p in archive_paths(tmp_path)}
    assert {"film.tif", "film.tiff", "film.webp"} <= found and "notes.txt" not in found
