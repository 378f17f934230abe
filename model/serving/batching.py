"""One shared worker that gathers analysis requests from many sessions and runs them as batches.

Twenty people uploading at once used to start twenty eager passes that shared two cores and all finished together,
after a minute. Here every request joins one queue; the worker waits a few milliseconds for company, then runs the
oldest request together with every waiting request that asks for the same analysis (method, class, layer) as one
batch. Identical requests (same film content, same analysis) are computed once, finished results are kept in a
bounded cache, and each waiting caller can ask how many requests are ahead of its own. Requests marked `background`
(the other methods, computed ahead so that a switch is instant) run only while nobody is waiting.

Supervised, because every session depends on this one thread: each step of its loop is guarded, each film gets
exactly one answer or one error (a batch that returns the wrong number of results is rerun film by film, and a
film still without its result fails with a message), a dead thread is noticed at the next request, its waiting
requests are failed with a retry message and a new thread starts. Background work is bounded in count and in the
bytes of the films it holds; the oldest background request is dropped first.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from model import config
from model.analysis import AnalysisRequest

F = TypeVar("F")  # what a request carries (a LoadedImage in the dashboard, anything in tests)
R = TypeVar("R")  # what the batch function returns per film (a FilmAnalysis in the dashboard)

log = logging.getLogger(__name__)


class WorkerError(RuntimeError):
    """The shared worker could not answer this request; the message says what to do (usually: try again)."""


RESTARTED = "The analysis worker stopped and was restarted; your request was lost. Please try again."
DROPPED = "Background work for this film was dropped to make room for newer requests."


def busy_message(waiting: int) -> str:
    return f"The server is busy: {waiting} analyses are already waiting. Please try again in a minute."


def film_nbytes(film: object) -> int:
    """Bytes a queued film holds: its pixel array where it has one (a LoadedImage), else its own nbytes."""
    pixels = getattr(film, "pixels", film)
    return int(getattr(pixels, "nbytes", 0))


@dataclass(eq=False)  # compared by identity: films hold arrays, and two equal requests are still two requests
class _Request(Generic[F]):
    film_key: Hashable
    film: F
    key: AnalysisRequest
    background: bool
    future: Future = field(default_factory=Future)

    @property
    def identity(self) -> tuple:
        return (self.film_key, self.key)


class Ticket(Generic[R]):
    """A caller's handle: the future result, and its place in the queue while it waits."""

    def __init__(self, worker: BatchingWorker, request: _Request) -> None:
        self._worker, self._request = worker, request

    @property
    def future(self) -> Future:
        return self._request.future

    def done(self) -> bool:
        return self._request.future.done()

    def result(self, timeout: float | None = None) -> R:
        return self._request.future.result(timeout)

    def ahead(self) -> int:
        """Requests that will be computed before this one (0: computing now or done)."""
        return self._worker.ahead_of(self._request)


class BatchingWorker(Generic[F, R]):
    """`analyse_batch(key, films)` returns one result per film; it runs on this worker's single thread."""

    def __init__(
        self,
        analyse_batch: Callable[[AnalysisRequest, list[F]], list[R]],
        window_s: float = config.WORKER_WINDOW_S,
        max_batch: int = config.WORKER_MAX_BATCH,
        cache_entries: int = config.WORKER_CACHE_ENTRIES,
        max_background_batch: int = config.WORKER_MAX_BACKGROUND_BATCH,
        max_background_requests: int = config.WORKER_MAX_BACKGROUND_REQUESTS,
        max_background_bytes: int = config.WORKER_MAX_BACKGROUND_BYTES,
        max_foreground_requests: int = config.WORKER_MAX_FOREGROUND_REQUESTS,
    ) -> None:
        self._analyse_batch = analyse_batch
        self.window_s, self.max_batch, self.cache_entries = window_s, max_batch, cache_entries
        self.max_background_batch = max_background_batch
        self.max_background_requests, self.max_background_bytes = max_background_requests, max_background_bytes
        self.max_foreground_requests = max_foreground_requests
        self._queue: list[_Request] = []  # foreground first-come order; background requests after them
        self._running: list[_Request] = []
        self._by_identity: dict[tuple, _Request] = {}
        self._cache: OrderedDict[tuple, object] = OrderedDict()
        self._condition = threading.Condition()
        self.restarts = 0
        self._closed = False
        self._thread = self._start()
        # At interpreter exit, let a running batch finish before Python tears TensorFlow down under it (a daemon
        # thread inside a TensorFlow call at finalisation aborts the process).
        atexit.register(self.close)

    def close(self, timeout_s: float = 30.0) -> None:
        """Stop taking work: queued requests fail with a retry message, the running batch may finish."""
        with self._condition:
            self._closed = True
            for request in self._queue:
                if not request.future.done():
                    request.future.set_exception(WorkerError(RESTARTED))
            self._queue.clear()
            self._condition.notify_all()
        self._thread.join(timeout_s)

    def _start(self) -> threading.Thread:
        thread = threading.Thread(target=self._loop, name="analysis-worker", daemon=True)
        thread.start()
        return thread

    @property
    def alive(self) -> bool:
        """Is the worker thread running? (The health check reports a dead one; the next request restarts it.)"""
        return self._thread.is_alive()

    def _supervise(self) -> None:
        """Called with the lock held: a dead thread's requests fail with a retry message and a new thread starts."""
        if self._thread.is_alive():
            return
        lost = [*self._running, *self._queue]
        self._running, self._queue = [], []
        self._by_identity.clear()
        for request in lost:
            if not request.future.done():
                request.future.set_exception(WorkerError(RESTARTED))
        self.restarts += 1
        log.error("The analysis worker had stopped: %d waiting requests failed, worker restarted.", len(lost))
        self._thread = self._start()

    def queued_background_bytes(self) -> int:
        with self._condition:
            return sum(film_nbytes(r.film) for r in self._queue if r.background)

    def _bound_background(self) -> None:
        """Called with the lock held: drop the oldest background requests beyond the count and byte bounds."""
        background = [r for r in self._queue if r.background]
        total = sum(film_nbytes(r.film) for r in background)
        while background and (len(background) > self.max_background_requests or total > self.max_background_bytes):
            oldest = background.pop(0)
            total -= film_nbytes(oldest.film)
            self._queue.remove(oldest)
            self._by_identity.pop(oldest.identity, None)
            if not oldest.future.done():
                oldest.future.set_exception(WorkerError(DROPPED))

    def submit(self, film_key: Hashable, film: F, key: AnalysisRequest, background: bool = False) -> Ticket[R]:
        """Queue one film for one analysis; a cached or already queued identical request is shared, not repeated."""
        request = _Request(film_key, film, key, background)
        with self._condition:
            if self._closed:
                request.future.set_exception(WorkerError(RESTARTED))
                return Ticket(self, request)
            self._supervise()
            if request.identity in self._cache:
                self._cache.move_to_end(request.identity)
                request.future.set_result(self._cache[request.identity])
                return Ticket(self, request)
            queued = self._by_identity.get(request.identity)
            if queued is not None:
                if queued.background and not background and queued in self._queue:  # someone waits now: promote it
                    queued.background = False
                    self._queue.remove(queued)
                    self._queue.insert(self._foreground_count(), queued)
                    self._condition.notify()
                return Ticket(self, queued)
            if not background and self._foreground_count() >= self.max_foreground_requests:
                request.future.set_exception(WorkerError(busy_message(self.max_foreground_requests)))
                return Ticket(self, request)
            self._by_identity[request.identity] = request
            self._queue.insert(len(self._queue) if background else self._foreground_count(), request)
            if background:
                self._bound_background()
            self._condition.notify()
        return Ticket(self, request)

    def ahead_of(self, request: _Request) -> int:
        with self._condition:
            if request.future.done() or request in self._running:
                return 0
            try:
                return self._queue.index(request) + len(self._running)
            except ValueError:
                return 0

    def _foreground_count(self) -> int:
        return sum(not r.background for r in self._queue)

    def _take_batch(self) -> list[_Request]:
        """The oldest request and every queued one with the same analysis, foreground before background."""
        first = self._queue[0]
        limit = self.max_background_batch if first.background else self.max_batch
        batch = [r for r in self._queue if r.key == first.key and r.background == first.background][:limit]
        for request in batch:
            self._queue.remove(request)
        return batch

    def _loop(self) -> None:
        while True:
            batch: list[_Request] = []
            try:
                with self._condition:
                    while not self._queue and not self._closed:
                        self._condition.wait()
                    if self._closed:
                        return
                    foreground = not self._queue[0].background
                if foreground:
                    time.sleep(self.window_s)  # let simultaneous uploads join this batch
                with self._condition:
                    if not self._queue:
                        continue
                    self._running = self._take_batch()
                    batch = self._running
                outcome, failures = self._run(batch)
                with self._condition:
                    for request, result in outcome:
                        self._cache[request.identity] = result
                        self._cache.move_to_end(request.identity)
                    while len(self._cache) > self.cache_entries:
                        self._cache.popitem(last=False)
                self._settle(outcome, failures)
            except Exception as failure:  # a fault in the loop itself: answer this batch, keep serving
                log.exception("The analysis worker failed while completing a batch.")
                self._settle(
                    [],
                    [
                        (r, WorkerError(f"The analysis failed ({type(failure).__name__}); please try again."))
                        for r in batch
                    ],
                )
            finally:  # also when the thread is ending (SystemExit and the like): nobody is left waiting
                with self._condition:
                    for request in batch:
                        self._by_identity.pop(request.identity, None)
                    self._running = []
                self._settle([], [(r, WorkerError(RESTARTED)) for r in batch])

    @staticmethod
    def _settle(outcome: list, failures: list) -> None:
        """Hand each request its result or its error, once; a request left without either fails with a message."""
        for request, result in outcome:
            if not request.future.done():
                request.future.set_result(result)
        for request, failure in failures:
            if not request.future.done():
                request.future.set_exception(failure)

    def _run(self, batch: list[_Request]) -> tuple[list[tuple[_Request, object]], list[tuple[_Request, BaseException]]]:
        """The batch in one call; if it fails or answers the wrong number of films, each film alone, so one bad film
        does not fail its neighbours and no film is left without an answer."""
        try:
            results = list(self._analyse_batch(batch[0].key, [r.film for r in batch]))
            if len(results) == len(batch):
                return list(zip(batch, results, strict=True)), []
            failure: BaseException = WorkerError(
                f"The analysis returned {len(results)} results for {len(batch)} films; please try again."
            )
        except WorkerError as error:  # the engine itself is gone (not one bad film): every film gets the retry message
            return [], [(request, error) for request in batch]
        except Exception as error:  # handed to the waiting callers; the worker itself goes on
            failure = error
        if len(batch) == 1:
            return [], [(batch[0], failure)]
        outcome, failures = [], []
        for request in batch:
            one, failed = self._run([request])
            outcome += one
            failures += failed
        return outcome, failures
