"""Teaching mode: guess the class of a test image, then see the truth, the model's answer and its heatmap."""

from __future__ import annotations

import streamlit as st

from dashboard.resources import ResourceError, get_splits, images_available, missing_images_note, show_resource_error
from dashboard.state import decode, overlay_analysis
from model import config
from model.overlay import render

st.title("Teaching mode")
st.caption(
    "Look at the X-ray, make your call, then compare with the truth and the model. Who does better, and for "
    "what reasons?"
)
if not images_available():
    st.info(missing_images_note())
    st.stop()
try:
    splits = get_splits()
except ResourceError as error:
    show_resource_error(error)
    st.stop()

test = splits[(splits["split"] == "test") & splits["representative"]]
state = st.session_state
state.setdefault("teach_score", {"you": 0, "model": 0, "rounds": 0})
if "teach_path" not in state or st.button("Next image", key="teach_next"):
    state["teach_path"] = test.sample(1)["path"].iloc[0]
    state["teach_guess"] = None

path = state["teach_path"]
truth = test.loc[test["path"] == path, "label"].iloc[0]
data = (config.data_dir() / path).read_bytes()
image = decode(data, path)

left, right = st.columns(2)
left.image(image.pixels, caption="Which class is this?", width="stretch", clamp=True)
if state.get("teach_guess") is None:
    buttons = right.columns(len(config.CLASS_NAMES))
    for button, name in zip(buttons, config.CLASS_NAMES):
        if button.button(name, key=f"guess_{name}", width="stretch"):
            result = overlay_analysis(data, path)
            state["teach_guess"] = name
            state["teach_score"]["rounds"] += 1
            state["teach_score"]["you"] += int(name == truth)
            state["teach_score"]["model"] += int(result.prediction.label == truth)
            st.rerun()
else:
    result = overlay_analysis(data, path)
    right.markdown(
        f"**Truth:** {truth}  \n**You said:** {state['teach_guess']} "
        f"{'— right' if state['teach_guess'] == truth else '— wrong'}  \n"
        f"**Model said:** {result.prediction.label} ({result.prediction.confidence:.0%}) "
        f"{'— right' if result.prediction.label == truth else '— wrong'}"
    )
    right.image(render(image.pixels, result.heatmap), caption="Where the model looked (Grad-CAM)", width="stretch")
    right.caption(
        "Does the heat sit on the lungs, or on labels, edges and the body outline? A right answer for a wrong "
        "reason is still a warning."
    )

score = state["teach_score"]
st.metric("Score", f"You {score['you']} · Model {score['model']}", help=f"after {score['rounds']} rounds")
