"""About / model card: intended use, data, known biases, how the figures were made."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.resources import ResourceError, get_input_gate_report, get_metrics
from dashboard.texts import unfamiliar_sentence
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

st.subheader("When the tool refuses to answer")
try:
    gate = get_input_gate_report()
except ResourceError as error:
    st.info(str(error))
else:
    real = gate["real_films_passed"]["all"]
    stopped = gate["non_xrays_stopped"]["all"]
    st.markdown(
        f"Before any prediction, a check asks whether a picture is a frontal chest X-ray at all. On held-out films "
        f"of every training source **{real['passed']:.1%}** pass ({real['n']:,} films); of generated pictures that are "
        f"not chest films (noise, flat fields, colour photographs, text, CT-like slices, turned, inverted or "
        f"cropped films) **{stopped['stopped']:.1%}** are stopped ({stopped['n']:,}). A picture in colour is always "
        "stopped."
    )
    st.markdown(unfamiliar_sentence(gate))
    rows = [
        {
            "pictures": f"real · {group}",
            "n": figures["n"],
            "passed": figures["passed"],
            "unfamiliar-source warning": figures["unfamiliar_warning"],
        }
        for group, figures in {
            **gate["real_films_passed"],
            **{f"{k} (letterboxed, padded...)": v for k, v in (gate.get("varied_films_passed") or {}).items()},
            **(gate.get("external_films_passed") or {}),
        }.items()
        if group != "all"
    ] + [
        {
            "pictures": f"not a chest film · {kind}",
            "n": figures["n"],
            "passed": 1 - figures["stopped"],
            "unfamiliar-source warning": figures["unfamiliar_warning"],
        }
        for kind, figures in gate["non_xrays_stopped"].items()
        if kind != "all"
    ]
    st.dataframe(
        pd.DataFrame(rows).style.format({"passed": "{:.1%}", "unfamiliar-source warning": "{:.1%}"}),
        hide_index=True,
        width="stretch",
    )
    st.caption(gate["computed_on"] + ".")
