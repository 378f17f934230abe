"""Per-analysis computations the pages cache: keyed by the image bytes and the chosen method.

Thin wrappers over `model/` that Streamlit can cache; each returns the core's own typed result.
"""

from __future__ import annotations

import time
from concurrent.futures import wait

import streamlit as st

from dashboard.analysis_engine import analysis_call
from dashboard.errors import ResourceError, show_resource_error
from dashboard.film_cache import FILMS
from dashboard.worker import MODEL_LOCK, get_worker
from model import config
from model.image_io import LoadedImage

POLL_S = 0.25  # how often a waiting page checks its place in the queue


def decode(data: bytes, name: str) -> LoadedImage:
    """Decode once per distinct content (a byte-bounded cache); raises ImageLoadError (not cached) for a bad one."""
    return FILMS.get(data, name)


def dicom_tags(data: bytes, name: str) -> dict[str, str]:
    """The film's allow-listed DICOM tags, kept from its one decode (never parsed again on a rerun)."""
    return FILMS.tags(data, name)


def _submit(data: bytes, name: str, key, background: bool = False):
    """Hand one film to the shared worker, keyed by its content: the same film under any name is one film. A key
    that names no model gets the session's chosen one."""
    from dataclasses import replace

    from dashboard.model_choice import current_model_id

    if not key.model_id:
        key = replace(key, model_id=current_model_id())
    try:
        worker = get_worker()
    except ResourceError as error:  # a shipped model, segmenter or gate file that does not load: say which
        show_resource_error(error)
        st.stop()
    return worker.submit(FILMS.key(data), decode(data, name), key, background=background)


def analyse(data: bytes, name: str, request):
    """Gate, prediction, heatmap, faithfulness and lung share for one image and one `AnalysisRequest` (a
    FilmAnalysis).

    Computed by the worker all sessions share (batched with whoever else is waiting, cached for everyone); while
    it waits, the page says how many requests are ahead of this one.
    """
    return _wait(_submit(data, name, request))


def analyse_models(data: bytes, name: str, method: str, model_ids: list[str], explain_anyway: bool = False) -> list:
    """One film and one method through several models (each explaining its own predicted class, on its last
    convolution): every request queued before any is awaited, so the worker can run them back to back."""
    from model.analysis import AnalysisRequest

    tickets = [
        _submit(data, name, AnalysisRequest(method, None, None, explain_anyway, model_id=model_id))
        for model_id in model_ids
    ]
    return [_wait(ticket) for ticket in tickets]


def _wait(ticket):
    """The ticket's result, saying meanwhile how many requests are ahead (a deadline ends the wait in words)."""
    if ticket.done():
        return _answer(ticket)
    note, said = st.empty(), None
    deadline = time.monotonic() + config.PAGE_ANALYSIS_DEADLINE_S
    while not ticket.done():
        if time.monotonic() > deadline:
            note.empty()
            _stop_with(TOOK_TOO_LONG)
        ahead = ticket.ahead()
        if ahead != said:  # a message only when the place changes: twenty waiting pages must not flood the server
            note.caption(
                f":material/hourglass_top: {ahead} request{'s' if ahead != 1 else ''} ahead of yours in the queue…"
                if ahead
                else ":material/hourglass_top: Computing your heatmap…"
            )
            said = ahead
        wait([ticket.future], timeout=POLL_S)
    note.empty()
    return _answer(ticket)


TOOK_TOO_LONG = (
    f"The analysis took too long (over {config.PAGE_ANALYSIS_DEADLINE_S:.0f} s): the server is busy. Please try again "
    "in a moment."
)


def _stop_with(message: str) -> None:
    """End this page run with one clear sentence instead of a traceback or an endless wait."""
    st.error(message, icon=":material/hourglass_disabled:")
    st.stop()


def _answer(ticket):
    """The ticket's result; a worker failure (restart, dropped work, a fault) ends the page with its message."""
    from model.gate.gate import GateLoadError
    from model.inference import ModelLoadError
    from model.network import MethodUnavailable
    from model.registry import CardError, RegistryError
    from model.serving.batching import WorkerError

    try:
        return ticket.result(timeout=config.PAGE_ANALYSIS_DEADLINE_S)
    except WorkerError as error:
        _stop_with(str(error))
    except (ModelLoadError, GateLoadError, RegistryError, CardError) as error:  # the chosen model cannot be used
        show_resource_error(ResourceError(str(error)))
        st.stop()
    except TimeoutError:
        _stop_with(TOOK_TOO_LONG)
    except MethodUnavailable as error:  # the pickers offer only what a model can run; a stale choice lands here
        _stop_with(str(error))


def prefetch(data: bytes, name: str, requests: list, background: bool = True):
    """Queue several requests' maps for this film at once: in the background (so a later switch is instant), or in
    the foreground when the page is about to wait for all of them (compare-all), so none waits for the one before."""
    for request in requests:
        _submit(data, name, request, background)


def overlay_analyses(films: list[tuple[bytes, str]], model_id: str = ""):
    """The light analysis of dataset films for pages that only draw an overlay (gallery, teaching): prediction,
    Grad-CAM and lung outline, no faithfulness curves. All films go to the shared worker at once: one batch.
    `model_id` "" means the session's model."""
    from model.analysis import AnalysisRequest

    # The app chose these films from the dataset: answered even where the chest-X-ray check has doubts.
    key = AnalysisRequest(config.DEFAULT_EXPLAINER, explain_anyway=True, with_faithfulness=False, model_id=model_id)
    tickets = [_submit(data, name, key) for data, name in films]  # all queued before any is awaited
    return [_answer(ticket) for ticket in tickets]


def overlay_analysis(data: bytes, name: str, model_id: str = ""):
    return overlay_analyses([(data, name)], model_id)[0]


def predict_only(data: bytes, name: str):
    """The FilmPrediction for one image through the session's model."""
    from dashboard.model_choice import current_model_id

    return _predict_only(data, name, current_model_id())


@st.cache_data(max_entries=256, show_spinner=False)
def _predict_only(data: bytes, name: str, model_id: str):
    """The gate's warnings, and the prediction unless the gate stopped it."""
    from model.serving.batching import WorkerError

    try:
        with MODEL_LOCK:
            return analysis_call("predict", model_id, [decode(data, name)])[0]
    except ResourceError as error:
        show_resource_error(error)
        st.stop()
    except WorkerError as error:  # the analysis process died under this call
        _stop_with(str(error))
