"""The models in a process of their own: the page server sends films and gets typed results back.

With TensorFlow inside the page server, every session's Python thread competed with the analysis for one
interpreter (a 3-film batch took 0.33 s alone and 3.78 s beside twenty busy page threads). Here one child process
(started with `spawn`, so it shares no state with the server) holds the classifier pool, the segmenter and the
gates; the server keeps the queue and the batching (model.serving.batching) and never imports TensorFlow. The child is
started on first use and started again after it dies: the requests it held fail with a retry message, the next
request works.

Calls are plain functions of picklable arguments (`AnalysisRequest`, `LoadedImage`/`PreparedFilm`, model ids) that
return picklable results (`FilmAnalysis`, `FilmPrediction`, model descriptions), so the same calls serve the
embedded process and a remote engine (model.serving.ray_serve).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from model import config
from model.serving.batching import WorkerError

log = logging.getLogger(__name__)

PROCESS_DIED = "The analysis process stopped and was restarted; your request was lost. Please try again."


def hung_message(seconds: float) -> str:
    return (
        f"The analysis process did not answer within {seconds:g} s and was restarted; your request was lost. "
        "Please try again."
    )


class AnalysisUnavailable(WorkerError):
    """The analysis process died while this request was in it; the message asks to try again."""


@dataclass(frozen=True)
class ModelDescription:
    """What a page needs to know about a model without loading it itself: its card, its CAM layers (and the one a
    CAM reads unless another is chosen), its backend and, per method it cannot run, the sentence saying why."""

    card: dict
    layers: tuple[str, ...]
    default_layer: str | None = None
    backend: str = "keras"
    unavailable: tuple[tuple[str, str], ...] = ()

    @property
    def why_unavailable(self) -> dict[str, str]:
        return dict(self.unavailable)


def describe_network(card: dict, network) -> ModelDescription:
    """The description of a loaded network: what its capabilities allow, method by method (catalog `needs`)."""
    from model.explain.catalog import METHODS

    capabilities = network.capabilities
    unavailable = tuple(
        (name, reason) for name, info in METHODS.items() if (reason := capabilities.lacks(info.needs)) is not None
    )
    layers = tuple(network.spatial_layers()) if capabilities.layers else ()
    default = network.default_layer() if layers else None
    return ModelDescription(card, layers, default, capabilities.backend, unavailable)


# --- What runs inside the analysis process (or in this process for the thread backend) ----------------------------


class AnalysisEngine:
    """The models and the calls on them; one per process that analyses (the child, a Serve replica, a test)."""

    CALLS = ("analyse", "predict", "describe", "check", "tensorflow_loaded")

    def __init__(self) -> None:
        self._pool = None
        self._segmenter = None

    def _models(self):
        """The model pool and the segmenter, loaded on first use."""
        if self._pool is None:
            from model.lungs import optional_segmenter
            from model.serving.model_pool import ModelPool

            self._segmenter = optional_segmenter()
            self._pool = ModelPool(config.DASHBOARD_LOADED_MODELS)
        return self._pool, self._segmenter

    def analyse(self, key, films: list) -> list:
        """One batch of films, one analysis (`AnalysisRequest`), through the model the key names."""
        pool, segmenter = self._models()
        pooled = pool.get(key.model_id or None)
        return key.explain(pooled.classifier, films, segmenter, pooled.gate)

    def predict(self, model_id: str, films: list) -> list:
        """Gate and prediction only (`FilmPrediction` each): the batch table's rows."""
        from model.analysis import predict_films

        pool, segmenter = self._models()
        pooled = pool.get(model_id or None)
        return predict_films(pooled.classifier, films, segmenter, pooled.gate)

    def describe(self, model_id: str) -> ModelDescription:
        """The model's card and the layers a CAM method can read (loads the model: a broken file raises here)."""
        pool, _ = self._models()
        classifier = pool.get(model_id or None).classifier
        return describe_network(classifier.card.to_json(), classifier.network)

    def check(self) -> None:
        """Load the segmenter and the default model with its gate: a damaged shipped file raises its sentence."""
        pool, _ = self._models()
        pool.get(None)

    @staticmethod
    def tensorflow_loaded() -> bool:
        import sys

        return "tensorflow" in sys.modules

    def call(self, name: str, args: tuple):
        if name not in self.CALLS:
            raise ValueError(f"Unknown analysis call {name!r}.")
        return getattr(self, name)(*args)


_ENGINE: AnalysisEngine | None = None  # the child's own engine


def _dispatch(name: str, args: tuple):
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = AnalysisEngine()
    return _ENGINE.call(name, args)


def _initialise() -> None:
    """In the child: quiet TensorFlow's start-up chatter, as the server is quiet."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


# --- The server's side --------------------------------------------------------------------------------------------


class AnalysisProcess:
    """A handle on the one analysis child process: `call(name, *args)` runs CALLS[name] there and returns its result.

    Thread-safe: many page threads call at once, each call is one message (the batching worker sends one batch at a
    time, page threads send the odd prediction or description).
    """

    def __init__(self, timeout_s: float = config.ANALYSIS_CALL_TIMEOUT_S) -> None:
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self.timeout_s = timeout_s

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                context = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(1, mp_context=context, initializer=_initialise)
            return self._executor

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    def call(self, name: str, *args):
        return self._run(_dispatch, name, args)

    def _run(self, function, *args):
        """`function(*args)` in the child, watched: a child that dies, or hangs past `timeout_s` (it is killed then),
        fails this call with a retry sentence and the next call starts a new one; the shared worker and the model
        lock are never held for good."""
        executor = self._pool()
        try:
            return executor.submit(function, *args).result(timeout=self.timeout_s)
        except BrokenProcessPool:
            log.error("The analysis process died; it starts again with the next request.")
            self._restart(executor)
            raise AnalysisUnavailable(PROCESS_DIED) from None
        except FutureTimeout:
            log.error("The analysis process hung for %g s; it is killed and starts again.", self.timeout_s)
            for pid in list(getattr(executor, "_processes", None) or {}):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self._restart(executor)
            raise AnalysisUnavailable(hung_message(self.timeout_s)) from None

    def analyse(self, key, films: list) -> list:
        return self.call("analyse", key, films)

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (tests and the benchmark read it)."""
        with self._lock:
            processes = getattr(self._executor, "_processes", None) or {}
        return next(iter(processes), None)

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


class InProcessAnalysis:
    """The same calls in this process (`CXR_ANALYSIS=thread`): for in-process app tests, which change settings at
    run time that a separate process would not see."""

    pid = None

    def __init__(self) -> None:
        self.engine = AnalysisEngine()

    def call(self, name: str, *args):
        return self.engine.call(name, args)

    def analyse(self, key, films: list) -> list:
        return self.engine.analyse(key, films)

    def close(self) -> None:
        self.engine = AnalysisEngine()
