"""Teaching round "which model is cheating?": one test film through the shortcut exhibit and the default model,
shown as A and B in a random order; the class guesses, then the reveal with each model's lung share."""

from __future__ import annotations

import random

import pandas as pd
import streamlit as st

from dashboard.model_files import get_model_metrics
from dashboard.plain_text import plain
from dashboard.registry_cards import cards_by_id
from dashboard.state import decode, overlay_analyses
from dashboard.verdicts import show_verdict
from model import config
from model.overlay import ViewSettings, render

CHEAT_KEY = "cheat"


def exhibit_and_honest() -> tuple[str, str] | None:
    """(the teaching exhibit, the default model), or None where no exhibit is registered."""
    cards = cards_by_id()
    exhibits = [i for i, c in cards.items() if c.get("teaching_exhibit")]
    honest = config.default_model_id()
    if not exhibits or honest not in cards or honest in exhibits:
        return None
    return exhibits[0], honest


def _new_round(test: pd.DataFrame) -> dict:
    path = test.sample(n=1)["path"].iloc[0]
    pair = list(exhibit_and_honest() or ())
    random.shuffle(pair)  # which of the two is "A" changes every round
    return {"path": path, "models": pair, "guess": None}


def cheating_round(test: pd.DataFrame) -> None:
    state = st.session_state
    pair = exhibit_and_honest()
    if pair is None:
        st.info("This round needs a model registered as a teaching exhibit beside the default model.")
        return
    state.setdefault("cheat_score", {"right": 0, "rounds": 0})
    top = st.columns([1, 3])
    if top[0].button("Next film", key="cheat_next", icon=":material/skip_next:") or CHEAT_KEY not in state:
        state[CHEAT_KEY] = _new_round(test)
    score = state["cheat_score"]
    top[1].markdown(f"**Right {score['right']} of {score['rounds']}**")
    current = state[CHEAT_KEY]
    path, models = current["path"], current["models"]
    data = (config.data_dir() / path).read_bytes()
    image = decode(data, path)
    results = [overlay_analyses([(data, path)], model_id)[0] for model_id in models]
    st.caption(
        "The same film through two models. One of them learned where a film comes from (collection, age, "
        "processing) instead of the disease. Which one?"
    )
    if current["guess"] is None:  # the guess buttons come before the films, so a phone shows them first
        buttons = st.columns(2)
        for index, (button, letter) in enumerate(zip(buttons, "AB")):
            if button.button(f"Model {letter} is cheating", key=f"cheat_guess_{letter}", width="stretch"):
                current["guess"] = index
                score["rounds"] += 1
                score["right"] += int(models[index] == pair[0])
                st.rerun()
    cards = cards_by_id()
    panes = st.columns(2)
    for letter, pane, model_id, result in zip("AB", panes, models, results):
        revealed = current["guess"] is not None
        title = f"Model {letter}" + (f": {plain(cards[model_id]['display_name'])}" if revealed else "")
        pane.markdown(f"**{title}** · says {result.prediction.label} ({result.prediction.confidence:.0%})")
        pane.image(
            render(image.pixels, result.heatmap, ViewSettings(outline=True), result.lung_mask),
            caption="Grad-CAM of its answer, lungs outlined",
            width="stretch",
        )
        if revealed and "lung_share" in result.verdicts():
            show_verdict(result.verdicts()["lung_share"], pane)
    if current["guess"] is not None:
        cheater = "AB"[models.index(pair[0])]
        right = models[current["guess"]] == pair[0]
        st.markdown(
            f"**{'Right' if right else 'Not this time'}:** model {cheater} is the shortcut exhibit. On one film "
            "either map can look plausible; the giveaway is what it does across many films."
        )
        nih = (get_model_metrics(pair[0]) or {}).get("adult_nih") or {}
        if nih.get("pneumonia_called_pneumonia") is not None:
            st.markdown(
                f"On adult NIH films (adults with and without pneumonia) the exhibit called "
                f"**{nih['pneumonia_called_pneumonia']:.0%}** of the pneumonia films Pneumonia and "
                f"**{nih['normals_called_covid']:.0%}** of the healthy ones COVID-19: in its training data pneumonia "
                "meant a child's film and COVID-19 an adult's, and that is what it learned."
            )
        shares = [r.lung_share for r in results]
        if None not in shares:
            st.caption(
                f"Share of heat inside the lungs on this film: A {shares[0]:.0%}, B {shares[1]:.0%}. "
                f"True class: {test.loc[test['path'] == path, 'label'].iloc[0]}."
            )
