"""Readers: every reader's marks against every model's maps, and readers against each other.

Scores use the Explanation quality page's definitions (model.readings.scores): a map hits when its peak is within
8 px of the reader's marks in the 224-px frame; chance is the hit rate of a uniformly random point. NIH's
radiologists' boxes are the read-only reader "NIH radiologists (boxes.csv)".
"""

from __future__ import annotations

import itertools

import pandas as pd
import streamlit as st

from dashboard import charts, handoff
from dashboard.layout import is_phone
from dashboard.model_choice import card_label, current_model_id
from dashboard.plain_text import plain
from dashboard.reading.maps import score_all
from dashboard.reading.store import reading_store
from dashboard.registry_cards import cards_by_id
from model import config
from model.explain import METHODS
from model.explain.catalog import label_of
from model.readings.agreement import reader_agreement
from model.readings.reader_maps import FilmUnavailable, read_film
from model.readings.scores import films_missed_most

SCORES_KEY = "reader_scores"


def percent_of(value: float | None) -> float | None:
    """A share as the percent the tables show (None stays empty)."""
    return None if value is None else 100 * value


(st.subheader if is_phone() else st.title)("Readers")
st.caption(
    "Where readers see the finding, against where each model's maps look and against each other. A map hits when "
    f"its hottest point lies within {config.POINTING_TOLERANCE_PX:.0f} px of a reader's marks in the "
    f"{config.BOX_FRAME_SIZE}-px frame (the Explanation quality page's pointing game); chance is what a uniformly "
    "random point scores on the same marks. Films read as 'no finding' are counted, not scored."
)
store = reading_store()
if store is None:
    st.stop()
readers = store.readers()
if not readers:
    st.info(
        "No readings yet: mark films on Explain or in the Reader study, or import a CSV with "
        "`python scripts/readings.py import FILE.csv --reader NAME`."
    )
    st.stop()
st.dataframe(
    pd.DataFrame(
        {
            "Reader": [r.name for r in readers],
            "Films read": [r.films_read for r in readers],
            "Kind": ["read-only source" if r.read_only else "reader" for r in readers],
        }
    ),
    hide_index=True,
)

cards = cards_by_id()
columns = [st.container()] * 3 if is_phone() else st.columns(3)
chosen_readers = columns[0].multiselect(
    "Readers", [r.name for r in readers], default=[r.name for r in readers][:4], key="readers_chosen"
)
chosen_models = columns[1].multiselect(
    "Models",
    list(cards),
    default=[current_model_id()] if current_model_id() in cards else list(cards)[:1],
    format_func=lambda model_id: card_label(cards[model_id]),
    key="readers_models",
)
chosen_methods = columns[2].multiselect(
    "Methods",
    list(METHODS),
    default=[config.DEFAULT_EXPLAINER],
    format_func=label_of,
    key="readers_methods",
    help="Each method's maps are computed once per film and model, then kept.",
)
readings_by_reader = {name: store.readings(reader=name) for name in chosen_readers}

if st.button(
    "Score",
    type="primary",
    icon=":material/calculate:",
    disabled=not (chosen_readers and chosen_models and chosen_methods),
):
    st.session_state[SCORES_KEY] = score_all(readings_by_reader, chosen_models, chosen_methods, cards)

scored = st.session_state.get(SCORES_KEY)
if scored:
    rows = scored["rows"]

    table = pd.DataFrame(
        {
            "Reader": [r["reader"] for r in rows],
            "Model": [r["model"] for r in rows],
            "Method": [r["method_label"] for r in rows],
            "Films": [r["films"] for r in rows],
            "Pointing game": [percent_of(r["pointing_game"]) for r in rows],
            "Chance": [percent_of(r["chance"]) for r in rows],
            "Heat in marks": [percent_of(r["heat_in_marks"]) for r in rows],
            "Marks' share of film": [percent_of(r["marks_share"]) for r in rows],
            "Heat ÷ share": [r["heat_over_chance"] for r in rows],
        }
    )
    percent = st.column_config.NumberColumn(format="%.0f%%")
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "Pointing game": percent,
            "Chance": percent,
            "Heat in marks": percent,
            "Marks' share of film": percent,
            "Heat ÷ share": st.column_config.NumberColumn(format="%.1f×"),
        },
    )
    for model_id in dict.fromkeys(r["model"] for r in rows):
        label = cards[model_id]["display_name"] if model_id in cards else model_id
        st.plotly_chart(
            charts.reader_scores_figure([r for r in rows if r["model"] == model_id], label),
            width="stretch",
            config=charts.CHART_CONFIG,
        )
    for problem in scored["problems"][:10]:
        st.caption(f"Not scored: {plain(problem)}")

    st.subheader("Films where maps and readers disagree most")
    for missed in films_missed_most(rows):
        line = st.columns([4, 2, 1]) if not is_phone() else [st.container()] * 3
        line[0].text(missed.name)
        line[1].caption(f"{missed.missed} of {missed.maps} maps missed the readers' marks")
        if line[2].button("Open", key=f"open_{missed.sha256[:16]}", icon=":material/open_in_new:"):
            film = store.film(missed.sha256)
            try:  # from where the store last saw its bytes, checked against its key
                data = read_film(film)
            except FilmUnavailable as error:
                line[2].error(plain(str(error)))
            else:
                handoff.open_in_explain(handoff.FilmToOpen(film.name, data))

if len(chosen_readers) >= 2:
    st.subheader("Readers against each other")
    pairs = []
    for first, second in itertools.combinations(chosen_readers, 2):
        agreement = reader_agreement(readings_by_reader[first], readings_by_reader[second])
        pairs.append(
            {
                "Readers": f"{first} · {second}",
                "Films both read": agreement["films_both_read"],
                "Mean IoU of marks": agreement["mean_iou"],
                "First's marks hit by second": percent_of(agreement["first_marks_hit_by_second"]),
                "Second's marks hit by first": percent_of(agreement["second_marks_hit_by_first"]),
                "Cohen's κ (finding / none)": agreement["kappa_finding"],
            }
        )
    st.dataframe(
        pd.DataFrame(pairs),
        hide_index=True,
        column_config={
            "Mean IoU of marks": st.column_config.NumberColumn(format="%.2f"),
            "First's marks hit by second": st.column_config.NumberColumn(format="%.0f%%"),
            "Second's marks hit by first": st.column_config.NumberColumn(format="%.0f%%"),
            "Cohen's κ (finding / none)": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    st.caption(
        "IoU: overlap of two readers' marks on films both marked (in the 224-px frame). A mark is hit when "
        "its centre lies inside the other reader's marks. κ is undefined where both always said the same."
    )
