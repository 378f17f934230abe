"""Teaching mode: guess the class of a test image, then see the truth, the model's answer and its heatmap."""

from __future__ import annotations

import streamlit as st

from dashboard.errors import ResourceError, show_resource_error
from dashboard.model_files import get_splits, images_available, missing_images_note
from dashboard.state import decode, overlay_analysis
from dashboard.teaching_models import cheating_round
from dashboard.verdicts import show_verdict
from model import config
from model.overlay import ViewSettings, render

DECK_PER_CLASS = 20  # films per class in one shuffled deck


def shortcut_clues(row, image) -> list[str]:
    """What, besides the lungs, tells this film's class in this data: where it comes from, whose it is, its format."""
    clues = {
        "radiography-db": "Collection: COVID-19 Radiography Database (web and hospital collections, adults; all "
        "COVID-19 films come from here)",
        "pediatric-guangzhou": "Collection: one children's hospital in Guangzhou (most Pneumonia films come from here)",
        "nih-chestxray14": "Collection: NIH ChestX-ray14 (adults; labels mined from reports)",
    }
    found = [clues.get(row["source"], f"Collection: {row['source']}")]
    found.append(f"Age group: {row['age_group']} — in this data children are mostly Pneumonia, adults mostly not")
    found.append(f"File format: {image.source_format} — the children's films arrive as JPEG, the others as PNG")
    if row.get("view") and row["view"] != "unknown":
        found.append(f"View: {row['view']} — bedside AP films are typical of the sickest patients and of COVID-19")
    return found


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
round_kind = st.segmented_control(
    "Round", ["Guess the class", "Which model is cheating?"], default="Guess the class", key="teach_round"
)
if round_kind == "Which model is cheating?":
    cheating_round(test)
    st.stop()
state = st.session_state
state.setdefault("teach_score", {"you": 0, "model": 0, "rounds": 0})


def new_deck() -> list[str]:
    """A class-balanced, shuffled deck of test films: every class comes round equally often."""
    per_class = int(test.groupby("label").size().min())
    picks = test.groupby("label", group_keys=False).sample(n=min(per_class, DECK_PER_CLASS), random_state=None)
    return picks.sample(frac=1.0)["path"].tolist()


def deal() -> None:
    if not state.get("teach_deck"):
        state["teach_deck"] = new_deck()
    state["teach_path"] = state["teach_deck"].pop()
    state["teach_guess"] = None


controls = st.columns([1, 1, 1, 3])
next_film = controls[0].button("Next film", key="teach_next", icon=":material/skip_next:")  # drawn every round
if next_film or "teach_path" not in state:
    deal()
if controls[1].button("Reset score", key="teach_reset", icon=":material/restart_alt:"):
    state["teach_score"] = {"you": 0, "model": 0, "rounds": 0}
    state["teach_deck"] = new_deck()
    deal()
presenter = controls[2].toggle("Presenter", key="teach_presenter", help="One large film for a projector.")
score = state["teach_score"]
controls[3].markdown(
    f"**Round {score['rounds'] + (state.get('teach_guess') is None)}** · you {score['you']} · model {score['model']}"
)

path = state["teach_path"]
row = test.loc[test["path"] == path].iloc[0]
truth = row["label"]
data = (config.data_dir() / path).read_bytes()
image = decode(data, path)

if state.get("teach_guess") is None:  # the guesses above the film, so a phone shows them without scrolling
    buttons = st.columns(len(config.CLASS_NAMES))
    for button, name in zip(buttons, config.CLASS_NAMES):
        if button.button(name, key=f"guess_{name}", width="stretch"):
            result = overlay_analysis(data, path)  # the same call as the reveal: one computation
            state["teach_guess"] = name
            state["teach_score"]["rounds"] += 1
            state["teach_score"]["you"] += int(name == truth)
            state["teach_score"]["model"] += int(result.prediction.label == truth)
            st.rerun()
left, right = st.columns([3, 2] if presenter else [1, 1])
left.image(image.pixels, caption="Which class is this?", width="stretch", clamp=True)
if state.get("teach_guess") is not None:
    result = overlay_analysis(data, path)
    right.markdown(
        f"**Truth:** {truth}  \n**You said:** {state['teach_guess']} "
        f"{'— right' if state['teach_guess'] == truth else '— wrong'}  \n"
        f"**Model said:** {result.prediction.label} ({result.prediction.confidence:.0%}) "
        f"{'— right' if result.prediction.label == truth else '— wrong'}"
    )
    right.image(
        render(image.pixels, result.heatmap, ViewSettings(outline=True), result.lung_mask),
        caption="Where the model looked (Grad-CAM), lungs outlined",
        width="stretch",
    )
    if "lung_share" in result.verdicts():
        show_verdict(result.verdicts()["lung_share"], right)
    right.markdown("**What a model could cheat with on this film**")
    right.markdown("\n".join(f"- {clue}" for clue in shortcut_clues(row, image)))
    right.caption(
        "Does the heat sit on the lungs, or on labels, edges and the body outline? A right answer for a wrong "
        "reason is still a warning."
    )

st.metric("Score", f"You {score['you']} · Model {score['model']}", help=f"after {score['rounds']} rounds")
