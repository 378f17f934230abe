"""How far to trust each heatmap method, read from the chosen model's explanation_quality.json."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.errors import ResourceError, show_resource_error
from dashboard.model_choice import current_card
from dashboard.model_files import get_model_explanation_quality
from dashboard.models_table import registered_models_table
from dashboard.plain_text import plain
from model import config
from model.explain.catalog import label_of
from model.trust.wording import sanity_verdict


def reading(method: str, summary: dict) -> str:
    """A plain-language verdict from the two numbers."""
    above = summary["faithfulness"]["share_beating_random"]
    sanity = sanity_verdict(summary["sanity"]["mean_rank_correlation"])
    return f"**{label_of(method)}** beats a random map on {above:.0%} of images, {sanity.text}."


def bars(rows: list[dict], figure: str) -> list[dict]:
    """One bar per method and layer: the figure and its 95% interval (None where there is none)."""
    return [
        {"label": r["label"], "value": r[figure], "low": (r[f"{figure}_95"] or [None, None])[0],
         "high": (r[f"{figure}_95"] or [None, None])[1]}
        for r in rows
    ]  # fmt: skip


st.title("Explanation quality")
card = current_card() or {"id": config.default_model_id(), "display_name": config.default_model_id()}
st.markdown(f"Model: **{plain(card['display_name'])}** (choose another in the sidebar)")
try:
    quality = get_model_explanation_quality(card["id"])
except ResourceError as error:
    show_resource_error(error)
    st.stop()
if quality is None:
    st.info(
        f"No explanation audit was run for {plain(card['display_name'])}: run "
        f"`python scripts/audit_explanations.py --model {card['id']}` (160-px grey models)."
    )
    registered_models_table()
    st.stop()

st.caption(f"Computed on {quality['computed_on']} by scripts/audit_explanations.py.")
methods = quality["methods"]
st.plotly_chart(charts.faithfulness_figure(methods), width="stretch", config=charts.CHART_CONFIG, key="faith")
st.dataframe(
    pd.DataFrame(
        [
            {
                "method": label_of(m),
                "faithfulness (mean)": s["faithfulness"]["mean_score"],
                "random map (mean)": s["faithfulness"]["mean_random_score"],
                "beats random": s["faithfulness"]["share_beating_random"],
                "deletion AUC": s["faithfulness"]["mean_deletion_auc"],
                "insertion AUC": s["faithfulness"]["mean_insertion_auc"],
                "sanity corr.": s["sanity"]["mean_rank_correlation"],
                "ms/image": s["milliseconds_per_image"],
            }
            for m, s in methods.items()
        ]
    ).style.format(precision=3),
    hide_index=True,
    width="stretch",
)

if all("lung_share" in summary for summary in methods.values()):
    st.subheader("How much of the heat falls on the lungs")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "method": label_of(m),
                    "median share, all": s["lung_share"]["all"]["median"],
                    **{f"median share, true {c}": v["median"] for c, v in s["lung_share"]["by_true_class"].items()},
                }
                for m, s in methods.items()
            ]
        ).style.format(precision=2),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Share of each map's mass inside the lung fields found by the lung segmenter, on the same test images. "
        "The lungs cover roughly a third of a radiograph; a share well below that means the map dwells elsewhere."
    )
    annotated = quality.get("lung_share_on_annotated_images")
    if annotated:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "method": label_of(m),
                        "median share, annotators' mask": annotated[m]["annotated_mask"]["median"],
                        "median share, segmenter's mask": annotated[m]["segmenter_mask"]["median"],
                    }
                    for m in methods
                    if m in annotated
                ]
            ).style.format(precision=2),
            hide_index=True,
            width="stretch",
        )
        st.caption(
            f"On {annotated['n']} adult COVID-19 images with hand-drawn lung masks: how much the figure changes "
            "when the segmenter's mask replaces the annotators'."
        )

radiologists = quality.get("against_radiologists")
st.subheader("Against radiologists")
if not radiologists:
    st.info(
        "No comparison with radiologists in this file: run `python scripts/audit_explanations.py` with the NIH adult "
        "films and their `boxes.csv` present."
    )
else:
    subset = st.radio(
        "Films",
        ["all", "held_out"],
        format_func=lambda k: {
            "all": f"All {radiologists['n_films']} films with a Pneumonia box",
            "held_out": f"The {radiologists['n_held_out']} not used in training",
        }[k],
        horizontal=True,
        key="radiologist_subset",
    )
    st.markdown(
        f"NIH radiologists drew boxes around the pneumonia on {radiologists['n_films']} of the adult NIH films. Each "
        f"method is asked to explain **{radiologists['target_class']}** on those films. **Pointing game**: is the "
        f"map's hottest point inside a box (within {radiologists['tolerance_px']:.0f} px on the "
        f"{radiologists['frame_px']}-px film)? **Heat in the box**: how much of the map's mass falls inside the "
        "boxes, divided by the boxes' share of the film (1 = what a map spread evenly would give)."
    )
    base = radiologists["baselines"][subset]
    rows = [
        {
            "label": label_of(row["method"]) + (f" · {row['layer']}" if row["layer"] else ""),
            **row[subset],
        }
        for row in radiologists["methods"].values()
        if row[subset].get("n")
    ]
    left, right = st.columns(2)
    left.plotly_chart(
        charts.localisation_figure(
            bars(rows, "pointing_game"),
            {
                "random point": base["random_point"]["pointing_game"],
                "centre of the lungs": base["lung_centre"]["pointing_game"],
                "a random point in the lungs": base["uniform_over_lungs"]["pointing_game"],
            },
            "share of films whose peak hits a box",
        ),
        width="stretch",
        config=charts.CHART_CONFIG,
        key="pointing",
    )
    right.plotly_chart(
        charts.localisation_figure(
            bars(rows, "heat_in_box_over_chance"),
            {"even map": 1.0, "even over the lungs": base["uniform_over_lungs"]["heat_in_box_over_chance"]},
            "heat in the boxes ÷ chance",
        ),
        width="stretch",
        config=charts.CHART_CONFIG,
        key="heat_in_box",
    )
    st.caption(
        "Bars: 95% bootstrap intervals over films. Lines: what maps that know nothing of the disease score on the "
        "same films (a random point; a map peaking at the centre of the lungs; a map spread evenly over the film or "
        "over the lungs). A method is only useful to a radiologist where it clearly beats these lines."
    )
    opacity = radiologists.get("opacity") or {}
    if opacity.get("n"):
        auroc = opacity.get("pneumonia_score_auroc_vs_opacity")
        st.markdown(
            f"**How noisy the NIH label is.** Three radiologists re-read {opacity['n']} of these NIH films for an "
            f"airspace opacity: of the films NIH's report text labels pneumonia, "
            f"{opacity['nih_pneumonia_with_opacity']} show one and {opacity['nih_pneumonia_without_opacity']} do "
            f"not; {opacity['nih_normal_with_opacity']} of the re-read normals do. The label agrees with the "
            f"radiologists on {opacity['nih_label_agreement']:.0%} of films."
            + (
                f" The model's Pneumonia probability separates the radiologists' opacity from no opacity with AUROC "
                f"{auroc:.2f} (0.5 = chance; AUROC is the chance that a film with an opacity scores above one "
                "without)."
                if auroc is not None
                else ""
            )
        )

st.subheader("Reading")
for method, summary in methods.items():
    st.markdown("- " + reading(method, summary))
st.caption(
    "Faithfulness: remove (deletion) or reveal (insertion) the pixels a map ranks highest and watch the class "
    "probability; insertion AUC minus deletion AUC, compared with a random ranking. Sanity check (Adebayo et al. "
    f"2018): the top {quality.get('sanity_top_layers', config.SANITY_TOP_LAYERS)} weighted layers are re-initialised; "
    "a map that stays the same (high rank correlation) was not explaining the model. Guided backpropagation is "
    "not offered: it is known to fail this check."
)

registered_models_table()  # every model's headline figures, below the chosen one's
