"""The sidebar: which analysis (method, class, layer), as one typed value."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard.layout import is_phone
from dashboard.plain_text import plain
from model.analysis import AnalysisRequest
from model.explain import METHODS
from model.serving.analysis_process import ModelDescription

PREDICTED = "Predicted class"


@dataclass(frozen=True)
class ExplainChoice:
    """What the person asked to see: one method's map of one class on one layer (None = predicted class / no layer).

    `cam_layer` is the layer every CAM method reads, whichever method is shown (background work and compare-all).
    """

    method: str
    target: str | None
    layer: str | None
    cam_layer: str
    methods: tuple[str, ...] = tuple(METHODS)  # the methods this model can run (compare-all, background work)
    model_id: str = ""  # the model these controls were drawn for, resolved once here

    def request(self, explain_anyway: bool = False, method: str | None = None) -> AnalysisRequest:
        """The analysis to ask for: the chosen method (or `method`, on the CAM layer where it reads one)."""
        if method is None or method == self.method:
            return AnalysisRequest(self.method, self.target, self.layer, explain_anyway, model_id=self.model_id)
        layer = self.cam_layer if METHODS[method].uses_layer else None
        return AnalysisRequest(method, self.target, layer, explain_anyway, model_id=self.model_id)

    def requests(self, explain_anyway: bool = False) -> list[AnalysisRequest]:
        """One request per method this model can run (compare-all, the background work after a switch)."""
        return [self.request(explain_anyway, method) for method in self.methods]


def controls_ui(model: ModelDescription) -> ExplainChoice:
    """The analysis choices (method, class, layer), in the sidebar: the films get the page. How the film is viewed
    (window, opacity, colours, overlays) is chosen in the viewer itself, without a rerun."""
    # On a phone the sidebar is a drawer that covers the film: the controls fold out above the film instead.
    bar = st.popover("Method, class and layer", icon=":material/tune:") if is_phone() else st.sidebar
    bar.subheader("Explanation")
    why_not = model.why_unavailable
    offered = [name for name in METHODS if name not in why_not]
    if st.session_state.get("method") not in offered:
        st.session_state.pop("method", None)
    method = bar.selectbox("Method", offered, format_func=lambda name: METHODS[name].menu_label, key="method")
    for name, reason in why_not.items():
        bar.caption(plain(f"{METHODS[name].label} is not offered for this model: {reason}."))
    uses_layer = METHODS[method].uses_layer
    # Classes and layers are the chosen model's own: a choice the newly chosen model lacks falls back to the default.
    targets, layers = [PREDICTED, *model.card["classes"]], list(model.layers)
    for key, options in (("target", targets), ("layer", layers)):
        if key in st.session_state and st.session_state[key] not in options:
            del st.session_state[key]
    target = bar.selectbox("Explain the class", targets, key="target")
    default_index = layers.index(model.default_layer) if model.default_layer in layers else max(len(layers) - 1, 0)
    layer = bar.selectbox(
        "Layer",
        layers,
        index=default_index,
        key="layer",
        disabled=not uses_layer,
        help="CAM methods read one spatial layer; the last convolution is the usual choice.",
    )
    return ExplainChoice(
        method,
        None if target == PREDICTED else target,
        layer if uses_layer else None,
        layer,
        tuple(offered),
        model.card["id"],
    )


def download_stem(name: str) -> str:
    """A file name for downloads about this film: its own name without extension or folders."""
    return name.rsplit(".", 1)[0].replace("/", "_")
