"""Dataset statistics, read from assets/dataset_stats.json; sample images when the data is present."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.errors import ResourceError, show_resource_error
from dashboard.model_files import get_dataset_stats, get_splits, images_available, missing_images_note
from dashboard.state import decode
from model import config

st.title("Dataset")
try:
    stats = get_dataset_stats()
except ResourceError as error:
    show_resource_error(error)
    st.stop()

st.caption(f"Computed on {stats['computed_on']} ({stats['total_images']:,} images) by scripts/prepare_data.py.")
counts = pd.DataFrame(stats["counts"])
left, right = st.columns([3, 2])
left.plotly_chart(charts.counts_figure(stats["counts"]), width="stretch", config=charts.CHART_CONFIG, key="counts")
right.dataframe(
    counts.pivot_table(index=["label", "source"], columns="split", values="count", fill_value=0)[
        ["train", "val", "test"]
    ],
    width="stretch",
)

st.subheader("Class × source × age group")
by_age = stats.get("by_class_source_age")
if by_age:
    table = pd.DataFrame(by_age).pivot_table(
        index=["label", "source"], columns="age_group", values="count", fill_value=0
    )
    st.dataframe(table, width="stretch")
    st.caption(
        "Children's films are the pediatric set plus the Radiography-Database normals that are copies of them. "
        "Adult pneumonia comes only from the NIH films, whose labels were mined from reports (noisy). Views: "
        + "; ".join(
            f"{source}: " + ", ".join(f"{view} {n}" for view, n in views.items())
            for source, views in stats.get("views_by_source", {}).items()
        )
        + "."
    )
else:
    st.info("This statistics file predates age groups: rerun `python scripts/prepare_data.py`.")

st.subheader("Duplicates")
duplicates = stats["duplicates"]
metrics = st.columns(4)
metrics[0].metric("Confirmed duplicate pairs", f"{duplicates['near_duplicate_pairs']:,}")
metrics[1].metric("Redundant picture copies", f"{duplicates.get('picture_copies_without_patient_grouping', 0):,}")
metrics[2].metric("Pairs across sources", f"{duplicates.get('pairs_across_sources', 0):,}")
metrics[3].metric("Groups crossing splits", duplicates["groups_crossing_splits"])
st.caption(
    f"Method: {duplicates['method']}. {duplicates['groups']:,} groups in all; each group sits wholly in one split, "
    "so no picture (or patient) is in both training and test. Cross-source pairs are Radiography-Database "
    "normals that are pediatric images under another name."
)

st.subheader("Intensity histograms")
st.plotly_chart(
    charts.intensity_histograms(stats["intensity_by_class"]), width="stretch", config=charts.CHART_CONFIG, key="hist"
)
st.caption(
    "Classes differ in exposure before any disease is considered: one of the signals a model can use instead of "
    "the lungs."
)

st.subheader("Sizes and formats")
sizes, formats = st.columns(2)
sizes.dataframe(pd.Series(stats["image_sizes"], name="images").rename_axis("size"), width="stretch")
formats.dataframe(pd.DataFrame(stats["formats_by_class"]).fillna(0).astype(int), width="stretch")

st.subheader("Samples per class")
if not images_available():
    st.info(missing_images_note())
else:
    splits = get_splits()
    per_class = 6
    for label in config.CLASS_NAMES:
        st.markdown(f"**{label}**")
        rows = splits[splits["label"] == label].sample(n=per_class, random_state=config.SEED)
        columns = st.columns(per_class)
        for column, path in zip(columns, rows["path"]):
            data = (config.data_dir() / path).read_bytes()
            column.image(decode(data, path).pixels, caption=path.rsplit("/", 1)[-1], width="stretch", clamp=True)
