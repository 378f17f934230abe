"""Decoded films shared by every session, bounded in bytes rather than in entries.

A 2048-px film is 16 MB as float32, a small PNG a few hundred KB: an entry count says nothing about memory. Films
are keyed by their content (so the same file uploaded twice, under any name, is decoded once) and the least
recently used go first once the budget is reached, so memory stays bounded however many sessions come and go.
A file that failed to decode is remembered too (its error, by content): a hostile upload costs its decoding once,
not once per click or slider move.

The page server decodes nothing itself: each film is decoded in a supervised child (model.image_io.sandbox), which
sends back the film and its allow-listed DICOM tags from the one decode; both are kept here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from model import config
from model.image_io import ImageLoadError, LoadedImage
from model.image_io.sandbox import DecodedFilm, DecoderPool
from model.provenance import sha256_of_bytes

# Failed decodings remembered (content hash -> the error), oldest forgotten first.
FAILURES_KEPT = 256


class FilmCache:
    def __init__(self, budget_bytes: int, decoder: DecoderPool | None = None) -> None:
        self.budget_bytes = budget_bytes
        self.decoder = decoder or DecoderPool()
        self._films: OrderedDict[str, DecodedFilm] = OrderedDict()
        self._bytes = 0
        self._failures: OrderedDict[tuple[str, str], ImageLoadError] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(data: bytes) -> str:
        return sha256_of_bytes(data)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._films)

    def get(self, data: bytes, name: str) -> LoadedImage:
        """The decoded film; raises the loader's ImageLoadError for a bad one (remembered: decoded only once)."""
        return self.decoded(data, name).film

    def tags(self, data: bytes, name: str) -> dict[str, str]:
        """The film's allow-listed DICOM tags (empty for other formats), from the same decode as the film."""
        return self.decoded(data, name).tags

    def decoded(self, data: bytes, name: str) -> DecodedFilm:
        key = self.key(data)
        with self._lock:
            if key in self._films:
                self._films.move_to_end(key)
                return self._films[key]
            if (key, name) in self._failures:  # by name too: the message names the file
                raise self._failures[(key, name)]
        try:
            film = self.decoder.decode(data, name)
        except ImageLoadError as error:
            with self._lock:
                self._failures[(key, name)] = error
                while len(self._failures) > FAILURES_KEPT:
                    self._failures.popitem(last=False)
            raise
        size = int(film.film.pixels.nbytes)
        with self._lock:
            if key not in self._films and size <= self.budget_bytes:
                self._films[key] = film
                self._bytes += size
                while self._bytes > self.budget_bytes:
                    _, dropped = self._films.popitem(last=False)
                    self._bytes -= int(dropped.film.pixels.nbytes)
        return film


FILMS = FilmCache(config.DASHBOARD_FILM_CACHE_BYTES)
