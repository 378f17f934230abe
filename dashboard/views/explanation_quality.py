"""How far to trust each heatmap method, read from assets/explanation_quality.json."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.resources import ResourceError, get_explanation_quality, show_resource_error
from model import config
from model.explain.catalog import label_of
from model.trust.wording import sanity_verdict


def reading(method: str, summary: dict) -> str:
    """A plain-language verdict from the two numbers."""
    above = summary["faithfulness"]["share_beating_random"]
    sanity = sanity_verdict(summary["sanity"]["mean_rank_correlation"])
    return f"**{label_of(method)}** beats a random map on {above:.0%} of images, {sanity.text}."


st.title("Explanation quality")
try:
    quality = get_explanation_quality()
except ResourceError as error:
    show_resource_error(error)
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
