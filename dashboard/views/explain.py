"""Explain (home): upload or pick an X-ray, see the prediction, the probabilities and the heatmaps."""

from __future__ import annotations

import streamlit as st

from dashboard import handoff
from dashboard.analysis_engine import get_model
from dashboard.errors import ResourceError, show_resource_error
from dashboard.explain.controls import controls_ui
from dashboard.explain.detail import detail_ui
from dashboard.explain.pacs_picker import pacs_settings, pacs_ui
from dashboard.explain.pickers import batch_table_ui, dataset_ui, decode_all, examples_ui, opened_film, upload_ui
from dashboard.layout import is_phone
from dashboard.model_choice import current_model_id
from dashboard.model_files import images_available
from dashboard.texts import SOURCE_WARNING

if is_phone():  # a phone's first screen is for the film: a smaller title, the data's caveat one tap away
    st.subheader("Explain a chest X-ray")
    with st.expander("Why high scores here may not hold elsewhere"):
        st.caption(SOURCE_WARNING)
else:
    st.title("Explain a chest X-ray")
    st.caption(SOURCE_WARNING)
# The input widgets come first, so the page is usable while TensorFlow and the model load.
pacs = pacs_settings()
sources = [handoff.UPLOAD_SOURCE, handoff.DATASET_SOURCE, *([handoff.PACS_SOURCE] if pacs is not None else [])]
if st.session_state.get(handoff.SOURCE_KEY) not in sources:
    st.session_state.pop(handoff.SOURCE_KEY, None)
source = st.sidebar.radio("Film from", sources, horizontal=True, key=handoff.SOURCE_KEY)
if source == handoff.PACS_SOURCE and pacs is not None:
    files = pacs_ui(pacs)
elif source == handoff.UPLOAD_SOURCE:
    files = upload_ui()
    if files:  # a new upload replaces an example or a film opened from another page
        handoff.forget()
    elif images_available():
        files = examples_ui()  # the example buttons, and the film they or another page opened
    else:
        files = opened_film()
else:
    files = dataset_ui()
try:
    model = get_model(current_model_id())
except ResourceError as error:
    show_resource_error(error)
    st.stop()
files = decode_all(files)
if not files:
    st.stop()
chosen = batch_table_ui(files) if len(files) > 1 else files[0][0]
choice = controls_ui(model)
detail_ui(chosen, dict(files)[chosen], choice)
