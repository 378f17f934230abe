"""Decoding in supervised children: the film and its tags come back from one decode, and a file that breaks a limit
(memory, processor time, wall clock) stops its own child, never the caller, and the next file decodes."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from model.image_io import ImageLoadError
from model.image_io.sandbox import DecodeLimits, DecoderPool, DecoderStopped, decode_film
from tests.hostile_corpus import _film, compressed_dicom, dicom
from tests.hostile_decoding import big_rgba_png

JPEG_2000 = "1.2.840.10008.1.2.4.90"


@pytest.fixture(scope="module")
def heavy() -> bytes:
    """A noisy 3000-px JPEG 2000 film: about two seconds of honest decoding on these machines."""
    noise = np.random.default_rng(0).integers(0, 4096, (3000, 3000)).astype(np.uint16)
    return compressed_dicom(noise, JPEG_2000)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def honest() -> bytes:
    return dicom(_film(300, 280))


def test_the_child_returns_the_film_and_its_tags_as_an_inline_decode_would(honest):
    pool = DecoderPool(1)
    try:
        decoded = pool.decode(honest, "film.dcm")
    finally:
        pool.close()
    inline = decode_film(honest, "film.dcm")
    assert np.array_equal(decoded.film.pixels, inline.film.pixels)
    assert decoded.tags == inline.tags and decoded.tags["Modality"] == "CR"
    assert "PatientName" not in decoded.tags and "PatientID" not in decoded.tags


def test_a_bad_file_is_an_image_load_error_with_the_loaders_sentence():
    pool = DecoderPool(1)
    try:
        with pytest.raises(ImageLoadError, match="notes.txt: this is a text file"):
            pool.decode(b"just some notes\n", "notes.txt")
    finally:
        pool.close()


def test_a_file_past_the_memory_cap_stops_its_child_and_the_next_file_decodes(honest):
    pool = DecoderPool(1, DecodeLimits(memory_bytes=350 << 20))
    try:
        pool.decode(honest, "warm.dcm")
        first = pool.pids[0]
        with pytest.raises(DecoderStopped, match="needed more than 350 MB of memory"):
            pool.decode(big_rgba_png(7070), "big.png")
        assert not _alive(first)
        assert pool.decode(honest, "after.dcm").film.size == (280, 300)
        assert pool.pids and pool.pids[0] != first
    finally:
        pool.close()


def test_a_file_past_the_processor_budget_stops_its_child(honest, heavy):
    pool = DecoderPool(1, DecodeLimits(cpu_seconds=0))  # at most one second of processor time a file
    try:
        pool.decode(honest, "warm.dcm")
        with pytest.raises(DecoderStopped, match="0 s of processor time"):
            pool.decode(heavy, "heavy.dcm")
        assert pool.decode(honest, "after.dcm").film.size == (280, 300)
    finally:
        pool.close()


def test_a_file_past_the_deadline_is_killed_while_another_child_keeps_working(honest, heavy):
    pool = DecoderPool(2, DecodeLimits(deadline_s=1.0))
    try:
        pool.decode(honest, "warm.dcm")  # each slot starts its child on first use: both warm
        pool.decode(honest, "warm.dcm")
        results: list[object] = []
        slow = threading.Thread(target=lambda: results.append(_outcome(pool, heavy, "heavy.dcm")))
        slow.start()
        fast = _outcome(pool, honest, "other.dcm")  # the second child answers meanwhile
        slow.join(30)
        assert fast == (280, 300)
        assert isinstance(results[0], DecoderStopped) and "took longer than 1 s" in str(results[0])
    finally:
        pool.close()


def _outcome(pool: DecoderPool, data: bytes, name: str):
    try:
        return pool.decode(data, name).film.size
    except ImageLoadError as error:
        return error


def test_the_tags_come_from_the_films_one_decode_however_often_a_page_asks(honest):
    """The DICOM tags expander parsed the file again on every rerun (a 0.5 MB Deflated film: 1 GB and 1.8 s per
    slider move); now the cache keeps the tags of the one decode."""
    from dashboard.film_cache import FilmCache

    class CountingDecoder:
        def __init__(self) -> None:
            self.calls = 0

        def decode(self, data, name):
            self.calls += 1
            return decode_film(data, name)

    decoder = CountingDecoder()
    cache = FilmCache(budget_bytes=10**8, decoder=decoder)
    for _ in range(5):
        assert cache.tags(honest, "film.dcm")["Modality"] == "CR"
        assert cache.get(honest, "film.dcm").size == (280, 300)
    assert decoder.calls == 1
