"""Decoding in supervised child processes, so that no file can take the page server down.

Every check in this package bounds what a file may *declare*; a decoder bug or a format trick nobody has thought of
yet still runs inside whatever process calls it. The page server serves every session from one process, so there a
single hostile upload could fill its memory or hold the GIL for minutes. Here each decode runs in a small pool of
child processes (started with `spawn`: no state shared with the server) under hard limits set with `resource`: an
address-space cap and a CPU-time budget per file, and a wall-clock deadline the parent enforces by killing the child.
A child that dies or runs out of time is replaced; its request fails with one sentence and nobody else notices.

The child sends back what the server keeps from a film: the decoded `LoadedImage` (already at the working size)
and the allow-listed DICOM tags, both from the one decode.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection

from model import config
from model.image_io.errors import ImageLoadError
from model.image_io.loaded import LoadedImage

log = logging.getLogger(__name__)

CHILD_MODULE = "model.image_io.decoder_child"
# One decode at a time in each child: thread pools would only reserve address space under its cap.
SINGLE_THREADED = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OPENCV_FOR_THREADS_NUM")


class DecoderStopped(ImageLoadError):
    """The child decoding this file ran out of memory or time, or died: the file is refused, the server lives on."""


@dataclass(frozen=True)
class DecodeLimits:
    """The hard limits of one decoding child (config.DECODE_*)."""

    memory_bytes: int = config.DECODE_MEMORY_BYTES
    cpu_seconds: int = config.DECODE_CPU_SECONDS
    deadline_s: float = config.DECODE_DEADLINE_S


@dataclass(frozen=True)
class DecodedFilm:
    """What the server keeps from one decode: the film at the working size and its allow-listed DICOM tags."""

    film: LoadedImage
    tags: dict[str, str] = field(default_factory=dict)


def decode_film(data: bytes, name: str, working_side: int | None = None) -> DecodedFilm:
    """The film and, for a DICOM, its technical tags, from one call (what the child runs; callable inline too)."""
    from model.image_io.dicom import safe_dicom_metadata
    from model.image_io.loader import load_image_bytes
    from model.image_io.sniffing import is_dicom, looks_like_bare_dicom

    film = load_image_bytes(data, name, working_side)
    tags = safe_dicom_metadata(data) if is_dicom(data) or looks_like_bare_dicom(data) else {}
    return DecodedFilm(film, tags)


def _limit_self(limits: DecodeLimits) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))


def _cpu_budget(seconds: int) -> None:
    """The CPU limit moved to what this process has used plus one file's budget: SIGXCPU ends it past that."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime) + 1 + seconds
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def serve(connection: Connection, limits: DecodeLimits) -> None:
    """The child's loop: one (data, name, working_side) in, one ("ok", DecodedFilm) or ("error", message) out."""
    _limit_self(limits)
    while True:
        try:
            data, name, working_side = connection.recv()
        except EOFError:
            return
        except MemoryError:  # the file alone does not fit under the cap: the parent says so when the pipe closes
            os._exit(1)
        _cpu_budget(limits.cpu_seconds)
        try:
            reply = ("ok", decode_film(data, name, working_side))
        except ImageLoadError as error:
            reply = ("error", str(error))
        except MemoryError:
            reply = ("stopped", stopped_message(name, limits))
        except Exception as error:  # one strange file must not end the decoder
            reply = ("error", f"{name}: the file could not be decoded ({type(error).__name__}).")
        del data
        connection.send(reply)


def stopped_message(name: str, limits: DecodeLimits) -> str:
    return (
        f"{name}: decoding this file needed more than {limits.memory_bytes / 2**20:,.0f} MB of memory or "
        f"{limits.cpu_seconds:g} s of processor time, so it was stopped; a chest film needs a small fraction of that."
    )


class _Child:
    """One decoding child and the parent's end of its socket.

    Started as `python -m model.image_io.decoder_child`, not through multiprocessing: a spawned child re-runs the
    parent's main module, and under Streamlit that is the whole app (a decoder that imported the dashboard and its
    models would start near its own memory cap)."""

    def __init__(self, limits: DecodeLimits) -> None:
        parent_end, child_end = socket.socketpair()
        environment = {**os.environ, **{variable: "1" for variable in SINGLE_THREADED}}
        self.process = subprocess.Popen(
            [sys.executable, "-m", CHILD_MODULE, str(child_end.fileno()), json.dumps(asdict(limits))],
            pass_fds=(child_end.fileno(),),
            env=environment,
            stdin=subprocess.DEVNULL,
        )
        child_end.close()
        self.connection = Connection(parent_end.detach())

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            log.error("A decoding child (pid %d) did not end after SIGKILL.", self.process.pid)
        self.connection.close()


class DecoderPool:
    """`decode(data, name)` in one of `workers` children; thread-safe, each child serves one request at a time."""

    def __init__(self, workers: int = config.DECODE_WORKERS, limits: DecodeLimits | None = None) -> None:
        self.limits = limits or DecodeLimits()
        self._idle: queue.Queue[_Child | None] = queue.Queue()
        for _ in range(workers):
            self._idle.put(None)  # a slot: its child starts on first use
        self._lock = threading.Lock()
        self._children: set[_Child] = set()

    def decode(self, data: bytes, name: str, working_side: int | None = None) -> DecodedFilm:
        """The decoded film, or an ImageLoadError whose message is shown as is (DecoderStopped where a limit hit)."""
        child = self._idle.get()
        status = ""
        try:
            if child is None or not child.alive():
                child = self._start()
            child.connection.send((data, name, working_side))
            if not child.connection.poll(self.limits.deadline_s):
                log.warning("A decoding child ran past its %g s deadline and was stopped.", self.limits.deadline_s)
                raise DecoderStopped(
                    f"{name}: decoding this file took longer than {self.limits.deadline_s:g} s, so it was "
                    "stopped; a chest film decodes in about a second."
                )
            status, value = child.connection.recv()
        except (EOFError, OSError, BrokenPipeError):
            log.warning("A decoding child died on a file; it is replaced.")
            self._retire(child)
            child = None
            raise DecoderStopped(stopped_message(name, self.limits)) from None
        except DecoderStopped:
            self._retire(child)
            child = None
            raise
        finally:
            if status == "stopped":  # a MemoryError leaves a heap nobody should trust: a fresh child next time
                self._retire(child)
                child = None
            self._idle.put(child)
        if status == "stopped":
            raise DecoderStopped(value)
        if status != "ok":
            raise ImageLoadError(value)
        return value

    def _start(self) -> _Child:
        child = _Child(self.limits)
        with self._lock:
            self._children.add(child)
        return child

    def _retire(self, child: _Child | None) -> None:
        if child is None:
            return
        child.kill()
        with self._lock:
            self._children.discard(child)

    @property
    def pids(self) -> list[int]:
        """The running children's process ids (tests and benchmarks read them)."""
        with self._lock:
            return [child.pid for child in self._children if child.alive()]

    def close(self) -> None:
        with self._lock:
            children, self._children = list(self._children), set()
        for child in children:
            child.kill()
