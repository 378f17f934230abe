"""Where this server's analysis runs, and the one door into it: errors of the shipped files said in words.

Chosen once per process by `CXR_ANALYSIS`: its own child process by default (the page server never imports
TensorFlow), in this process for the in-process app tests, or a shared Ray Serve deployment.
"""

from __future__ import annotations

import streamlit as st

from dashboard.errors import ResourceError
from model import config
from model.inference import ModelLoadError


@st.cache_resource(show_spinner=False)
def get_analysis():
    """Where this server's analysis runs (`CXR_ANALYSIS`): its own child process by default, so the page server
    never imports TensorFlow; in this process for the in-process app tests; or a shared Ray Serve deployment."""
    backend = config.analysis_backend()
    if backend == "thread":
        from model.serving.analysis_process import InProcessAnalysis

        engine = InProcessAnalysis()
    elif backend.startswith("serve"):
        from model.serving.ray_serve import ServeAnalysis

        engine = ServeAnalysis(backend.partition(":")[2] or config.SERVE_APP_NAME)
    else:
        from model.serving.analysis_process import AnalysisProcess

        engine = AnalysisProcess()
    _STARTED_ENGINES.append(engine)
    return engine


_STARTED_ENGINES: list = []


def analysis_call(name: str, *args):
    """One call into the analysis engine; a model, gate or segmenter file that does not load becomes a ResourceError
    naming it (raised inside the engine, said here)."""
    from model.gate.gate import GateLoadError
    from model.registry import CardError, RegistryError

    try:
        return get_analysis().call(name, *args)
    except (ModelLoadError, GateLoadError, RegistryError, CardError) as error:
        raise ResourceError(str(error)) from None


@st.cache_resource(show_spinner=False, max_entries=32)  # lives as long as the engine: cleared with it
def _described(model_id: str, card_sha256: str):
    return analysis_call("describe", model_id)


def get_model(model_id: str):
    """The chosen model as the pages need it (`ModelDescription`: its card and its CAM layers), from the engine."""
    from dashboard.registry_cards import cards_by_id

    card = cards_by_id().get(model_id) or {}
    return _described(model_id, card.get("sha256", ""))
