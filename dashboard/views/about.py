"""About / model card: intended use, data, known biases, how the figures were made."""

from __future__ import annotations

import streamlit as st

from dashboard.resources import ResourceError, get_metrics
from model import config

st.title("About this model")
st.markdown(config.MODEL_CARD_PATH.read_text() if config.MODEL_CARD_PATH.is_file() else "Model card file missing.")

st.subheader("Shipped files")
try:
    metrics = get_metrics()
    st.markdown(
        f"- Model `{metrics['model_file']}` (sha256 `{metrics['model_sha256'][:16]}…`), input {metrics['image_size']}×"
        f"{metrics['image_size']} grayscale.\n"
        f"- Test figures: accuracy {metrics['overall']['accuracy']:.3f}, macro-F1 {metrics['overall']['macro_f1']:.3f} "
        f"on the {metrics['computed_on']}.\n"
        f"- Split table `{config.SPLITS_PATH.name}` (sha256 `{metrics['splits_sha256'][:16]}…`)."
    )
except ResourceError as error:
    st.warning(str(error))
