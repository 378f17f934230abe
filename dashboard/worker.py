"""The one analysis worker every session shares, the lock around the engine, its health, and the warm-up.

Simultaneous uploads become one batch (model.serving.batching), which the analysis engine computes.
"""

from __future__ import annotations

import logging
import threading

import streamlit as st

from dashboard.analysis_engine import analysis_call, get_analysis
from model import config

LOG = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def get_worker():
    """The one analysis worker every session shares: simultaneous uploads become one batch
    (model.serving.batching), which the analysis engine computes (model.serving.analysis_process)."""
    from model.serving.batching import BatchingWorker

    engine = get_analysis()
    analysis_call("check")  # the shipped files must load: a broken one is said at once, not on first use

    def analyse_batch(key, films):
        with MODEL_LOCK:
            return engine.analyse(key, films)

    worker = BatchingWorker(analyse_batch)
    _STARTED_WORKERS.append(worker)
    return worker


# Every call into the analysis engine from this server holds this lock: the worker's batches and the page-thread
# predictions of a batch table never run side by side (two at once only slowed both, and doubled the memory peak).
MODEL_LOCK = threading.Lock()


_STARTED_WORKERS: list = []  # the worker once built (read by the health check without building one)


def worker_health() -> str | None:
    """A sentence when the shared worker is not running (it restarts with the next request), else None."""
    if not _STARTED_WORKERS or _STARTED_WORKERS[-1].alive:
        return None
    return "The analysis worker had stopped; it restarts with the next request (any waiting request must be retried)."


WARM_UP_FAILURES: list[str] = []  # why the warm-up did not finish, if it did not (read by tests and the log)


@st.cache_resource(show_spinner=False)
def start_warm_up() -> threading.Thread:
    """Load the models and trace the first analysis in the background, once per server process.

    Started by the first page view, so by the time a person has picked a file the model is loaded and the graphs
    for a prediction and a Grad-CAM are traced; the page itself never waits for this.
    """

    def warm() -> None:
        from dashboard.errors import ResourceError
        from model.analysis import AnalysisRequest
        from model.image_io import LoadedImage
        from model.serving.batching import WorkerError
        from model.synthetic import synthetic_radiograph

        try:
            worker = get_worker()
            film = LoadedImage(synthetic_radiograph(320, 300), "PNG", 8)
            worker.submit("warm-up film", film, AnalysisRequest(config.DEFAULT_EXPLAINER, explain_anyway=True)).result()
        except (ResourceError, WorkerError, TimeoutError) as error:
            # Nobody waits for the warm-up: the page that needs the model says what is wrong, in words. The log
            # keeps it for whoever runs the server.
            WARM_UP_FAILURES.append(str(error))
            LOG.warning("warm-up did not finish: %s", error)

    thread = threading.Thread(target=warm, name="warm-up", daemon=True)
    thread.start()
    return thread
