"""One shared worker that gathers analysis requests from many sessions and runs them as batches.

Twenty people uploading at once used to start twenty eager passes that shared two cores and all finished together,
after a minute. Here every request joins one queue; the worker waits a few milliseconds for company, then runs the
oldest request together with every waiting request that asks for the same analysis (method, class, layer) as one
batch. Identical requests (same film content, same analysis) are computed once, finished results are kept in a
bounded cache, and each waiting caller can ask how many requests are ahead of its own. Requests marked `background`
(the other methods, computed ahead so that a switch is instant) run only while nobody is waiting.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field

from model import config


@dataclass(frozen=True)
class AnalysisKey:
    """What films must share to be analysed in one call."""

    method: str
    target_class: str | None = None
    layer: str | None = None
    explain_anyway: bool = False
    with_faithfulness: bool = True

    def explain(self, model, films: list, segmenter=None, gate=None) -> list:
        """This analysis of `films` (FilmAnalysis each): the one call the worker's batches make."""
        from model.analysis import explain_images

        return explain_images(
            model,
            films,
            self.method,
            self.target_class,
            self.layer,
            with_faithfulness=self.with_faithfulness,
            segmenter=segmenter,
            gate=gate,
            explain_anyway=self.explain_anyway,
        )


@dataclass(eq=False)  # compared by identity: films hold arrays, and two equal requests are still two requests
class _Request:
    film_key: Hashable
    film: object
    key: AnalysisKey
    background: bool
    future: Future = field(default_factory=Future)

    @property
    def identity(self) -> tuple:
        return (self.film_key, self.key)


class Ticket:
    """A caller's handle: the future result, and its place in the queue while it waits."""

    def __init__(self, worker: BatchingWorker, request: _Request) -> None:
        self._worker, self._request = worker, request

    @property
    def future(self) -> Future:
        return self._request.future

    def done(self) -> bool:
        return self._request.future.done()

    def result(self, timeout: float | None = None):
        return self._request.future.result(timeout)

    def ahead(self) -> int:
        """Requests that will be computed before this one (0: computing now or done)."""
        return self._worker.ahead_of(self._request)


class BatchingWorker:
    """`analyse_batch(key, films)` returns one result per film; it runs on this worker's single thread."""

    def __init__(
        self,
        analyse_batch: Callable[[AnalysisKey, list], list],
        window_s: float = config.WORKER_WINDOW_S,
        max_batch: int = config.WORKER_MAX_BATCH,
        cache_entries: int = config.WORKER_CACHE_ENTRIES,
        max_background_batch: int = config.WORKER_MAX_BACKGROUND_BATCH,
    ) -> None:
        self._analyse_batch = analyse_batch
        self.window_s, self.max_batch, self.cache_entries = window_s, max_batch, cache_entries
        self.max_background_batch = max_background_batch
        self._queue: list[_Request] = []  # foreground first-come order; background requests after them
        self._running: list[_Request] = []
        self._by_identity: dict[tuple, _Request] = {}
        self._cache: OrderedDict[tuple, object] = OrderedDict()
        self._condition = threading.Condition()
        self.batches_run = 0
        threading.Thread(target=self._loop, name="analysis-worker", daemon=True).start()

    def submit(self, film_key: Hashable, film: object, key: AnalysisKey, background: bool = False) -> Ticket:
        """Queue one film for one analysis; a cached or already queued identical request is shared, not repeated."""
        request = _Request(film_key, film, key, background)
        with self._condition:
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
            self._by_identity[request.identity] = request
            self._queue.insert(len(self._queue) if background else self._foreground_count(), request)
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
            with self._condition:
                while not self._queue:
                    self._condition.wait()
                foreground = not self._queue[0].background
            if foreground:
                time.sleep(self.window_s)  # let simultaneous uploads join this batch
            with self._condition:
                self._running = self._take_batch()
                batch = self._running
            outcome, failures = self._run(batch)
            with self._condition:
                for request, result in outcome:
                    self._cache[request.identity] = result
                    self._cache.move_to_end(request.identity)
                while len(self._cache) > self.cache_entries:
                    self._cache.popitem(last=False)
                for request in batch:
                    self._by_identity.pop(request.identity, None)
                self._running = []
                self.batches_run += 1
            for request, result in outcome:
                request.future.set_result(result)
            for request, failure in failures:
                request.future.set_exception(failure)

    def _run(self, batch: list[_Request]) -> tuple[list[tuple[_Request, object]], list[tuple[_Request, BaseException]]]:
        """The batch in one call; if it fails, each film alone, so one bad film does not fail its neighbours."""
        try:
            return list(zip(batch, self._analyse_batch(batch[0].key, [r.film for r in batch]))), []
        except BaseException as failure:  # handed to the waiting callers; the worker itself goes on
            if len(batch) == 1:
                return [], [(batch[0], failure)]
        outcome, failures = [], []
        for request in batch:
            one, failed = self._run([request])
            outcome += one
            failures += failed
        return outcome, failures
