"""Explain (home): upload or pick an X-ray, see the prediction, the probabilities and the heatmaps."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.resources import (
    ResourceError,
    get_metrics,
    get_model,
    get_splits,
    images_available,
    missing_images_note,
    show_resource_error,
)
from dashboard.state import analyse, decode, predict_only
from dashboard.texts import SOURCE_WARNING
from model import config
from model.image_io import ImageLoadError, safe_dicom_metadata
from model.lungs import mask_outline
from model.overlay import COLORMAPS, apply_window, draw_outline, encode_png, overlay_heatmap

UPLOAD_TYPES = ["png", "jpg", "jpeg", "dcm", "dicom"]
PREDICTED = "Predicted class"


def upload_ui() -> list[tuple[str, bytes]]:
    files = st.file_uploader(
        "Upload one or more chest X-rays (PNG, JPEG or DICOM)", type=UPLOAD_TYPES,
        accept_multiple_files=True, key="upload",
        help="Files stay in this browser session's memory; they are never written to disk or logged.",
    )
    return [(f.name, f.getvalue()) for f in files or []]


def dataset_ui() -> list[tuple[str, bytes]]:
    if not images_available():
        st.info(missing_images_note())
        return []
    splits = get_splits()
    predictions = _test_predictions()
    columns = st.columns(5)
    split = columns[0].selectbox("Split", ["test", "val", "train"], key="ds_split")
    label = columns[1].selectbox("True class", ["any", *config.CLASS_NAMES], key="ds_label")
    source = columns[2].selectbox("Source", ["any", *sorted(splits["source"].unique())], key="ds_source")
    rows = splits[splits["split"] == split]
    if split == "test" and predictions is not None:
        predicted = columns[3].selectbox("Predicted class", ["any", *config.CLASS_NAMES], key="ds_pred")
        outcome = columns[4].selectbox("Model was", ["any", "correct", "wrong"], key="ds_outcome")
        rows = rows.merge(predictions, on="path", how="inner")
        if predicted != "any":
            rows = rows[rows["predicted"] == predicted]
        if outcome != "any":
            rows = rows[(rows["predicted"] == rows["label"]) == (outcome == "correct")]
    else:
        columns[3].caption("Predicted-class and correct/wrong filters apply to the test split.")
    if label != "any":
        rows = rows[rows["label"] == label]
    if source != "any":
        rows = rows[rows["source"] == source]
    if rows.empty:
        st.warning("No image matches these filters.")
        return []
    paths = rows["path"].tolist()
    if st.button("Random image", icon=":material/casino:", key="ds_random"):
        st.session_state["ds_path"] = rows.sample(1)["path"].iloc[0]
    if st.session_state.get("ds_path") not in paths:
        st.session_state["ds_path"] = paths[0]
    path = st.selectbox(f"Image ({len(paths)} match)", paths, key="ds_path")
    return [(path, (config.data_dir() / path).read_bytes())]


def _test_predictions() -> pd.DataFrame | None:
    try:
        metrics = get_metrics()
    except ResourceError:
        return None
    return pd.DataFrame(
        {"path": p["path"], "predicted": max(p["probabilities"], key=p["probabilities"].get)} for p in metrics["predictions"]
    )


def decode_all(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Show one specific error per bad file; return the good ones."""
    good = []
    for name, data in files:
        try:
            decode(data, name)
            good.append((name, data))
        except ImageLoadError as error:
            st.error(f"**{name}** could not be used: {error}", icon=":material/block:")
    return good


def batch_table_ui(files: list[tuple[str, bytes]]) -> str:
    rows = []
    for name, data in files:
        probabilities = predict_only(data, name)
        rows.append({"file": name, "prediction": max(probabilities, key=probabilities.get),
                     **{f"P({k})": round(v, 4) for k, v in probabilities.items()}})
    table = pd.DataFrame(rows)
    st.subheader(f"{len(rows)} images")
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button("Download predictions (CSV)", table.to_csv(index=False).encode(), "predictions.csv", "text/csv")
    return st.selectbox("Inspect", table["file"].tolist(), key="inspect")


def controls_ui(model) -> dict:
    from model.explain import EXPLAINERS, convolutional_layers

    columns = st.columns([2, 2, 2, 2, 2])
    labels = {name: cls.label for name, cls in EXPLAINERS.items()}
    method = columns[0].selectbox("Method", list(labels), format_func=labels.get, key="method")
    target = columns[1].selectbox("Explain the class", [PREDICTED, *config.CLASS_NAMES], key="target")
    layers = convolutional_layers(model)
    layer = columns[2].selectbox("Layer", layers, index=len(layers) - 1, key="layer",
                                 disabled=not EXPLAINERS[method].uses_layer,
                                 help="CAM methods read one convolutional layer; the last is the usual choice.")
    opacity = columns[3].slider("Heatmap opacity", 0.0, 1.0, config.DEFAULT_OVERLAY_OPACITY, 0.05, key="opacity")
    colormap = columns[4].selectbox("Colormap", list(COLORMAPS), key="colormap")
    with st.expander("Viewer: window / level, invert, lung outline"):
        view = st.columns(4)
        level = view[0].slider("Level (centre)", 0.0, 1.0, 0.5, 0.01, key="level")
        width = view[1].slider("Window (width)", 0.05, 1.0, 1.0, 0.01, key="width")
        invert = view[2].checkbox("Invert", key="invert")
        outline = view[3].checkbox("Show lung outline", value=True, key="lung_outline",
                                   help="Lung fields found by the lung segmenter, drawn over the heatmap.")
    return {"outline": outline, "method": method, "target": None if target == PREDICTED else target,
            "layer": layer if EXPLAINERS[method].uses_layer else None, "opacity": opacity,
            "colormap": colormap, "level": level, "width": width, "invert": invert}


def trust_text(faithfulness: dict | None) -> str:
    if not faithfulness:
        return ""
    verdict = ("beats a random map" if faithfulness["beats_random"]
               else "**does not beat a random map**: do not read much into it")
    return (f"Faithfulness {faithfulness['score']:+.3f} (insertion {faithfulness['insertion_auc']:.2f} − deletion "
            f"{faithfulness['deletion_auc']:.2f}) vs random {faithfulness['random_score']:+.3f}: this map {verdict}.")


def lung_text(share: float | None) -> str:
    if share is None:
        return "Lung segmenter not available: no lung share for this map."
    reading = ("most of the heat is on the lungs" if share >= config.LUNG_SHARE_MOSTLY_INSIDE else
               "**much of the heat lies outside the lungs**: labels, edges or body outline may be driving the answer")
    return f"Share of heat inside the lungs (outlined): **{share:.0%}**, {reading}."


def detail_ui(name: str, data: bytes, options: dict) -> None:
    from model.explain import EXPLAINERS

    image = decode(data, name)
    with st.spinner("Explaining…"):
        result = analyse(data, name, options["method"], options["target"], options["layer"])
    shown = apply_window(image.pixels, options["level"], options["width"], options["invert"])
    overlay = overlay_heatmap(shown, result["heatmap"], options["opacity"], options["colormap"])
    if options["outline"] and result["lung_mask"] is not None:
        overlay = draw_outline(overlay, mask_outline(result["lung_mask"], *shown.shape))
    method_label = EXPLAINERS[options["method"]].label

    headline = st.columns([3, 2])
    confidence = result["probabilities"][result["prediction"]]
    headline[0].markdown(f"### Prediction: **{result['prediction']}** ({confidence:.1%})")
    headline[0].caption(f"{name} · {image.size[0]}×{image.size[1]} px · {image.source_format}, {image.bit_depth}-bit"
                        + ("".join(f" · {note}" for note in image.notes)))
    headline[1].plotly_chart(charts.probability_bars(result["probabilities"]), width="stretch", key="probs")

    left, right = st.columns(2)
    left.plotly_chart(charts.image_figure(shown, "X-ray"), width="stretch", key="xray")
    layer_note = f" on layer {result['layer']}" if result["layer"] else ""
    right.plotly_chart(charts.image_figure(overlay, f"{method_label} for {result['target_class']}{layer_note}"),
                       width="stretch", key="overlay")
    st.markdown(trust_text(result["faithfulness"]) + f" Computed in {result['seconds'] * 1000:.0f} ms.")
    st.markdown(lung_text(result["lung_share"]))
    st.caption(EXPLAINERS[options["method"]].description)

    report = {"file": name, "prediction": result["prediction"], "probabilities": result["probabilities"],
              "method": options["method"], "layer": result["layer"], "target_class": result["target_class"],
              "faithfulness": result["faithfulness"], "lung_share": result["lung_share"],
              "model_file": config.MODEL_PATH.name}
    downloads = st.columns(3)
    stem = name.rsplit(".", 1)[0].replace("/", "_")
    downloads[0].download_button("Download overlay (PNG)", encode_png(overlay), f"{stem}_{options['method']}.png", "image/png")
    downloads[1].download_button("Download report (JSON)", json.dumps(report, indent=1), f"{stem}_report.json", "application/json")
    if image.source_format == "DICOM":
        with downloads[2].expander("DICOM technical tags"):
            st.caption("Patient-identifying tags are never shown.")
            st.json(safe_dicom_metadata(data))

    if st.toggle("Compare all methods side by side", key="compare"):
        compare_ui(name, data, shown, options)


def compare_ui(name: str, data: bytes, shown, options: dict) -> None:
    from model.explain import EXPLAINERS

    columns = st.columns(len(EXPLAINERS))
    for column, (method, explainer) in zip(columns, EXPLAINERS.items()):
        layer = options["layer"] if explainer.uses_layer else None
        with st.spinner(f"{explainer.label}…"):
            result = analyse(data, name, method, options["target"], layer)
        column.image(overlay_heatmap(shown, result["heatmap"], options["opacity"], options["colormap"]),
                     caption=explainer.label, width="stretch")
        faith = result["faithfulness"]
        lungs = "" if result["lung_share"] is None else f" · {result['lung_share']:.0%} in lungs"
        column.caption(f"faithfulness {faith['score']:+.3f} vs random {faith['random_score']:+.3f}" + lungs
                       + ("" if faith["beats_random"] else " — **not above random**")
                       + f" · {result['seconds'] * 1000:.0f} ms")


st.title("Explain a chest X-ray")
st.caption(SOURCE_WARNING)
# The input widgets come first, so the page is usable while TensorFlow and the model load.
mode = st.radio("Image source", ["Upload", "Dataset"], horizontal=True, key="mode")
files = upload_ui() if mode == "Upload" else dataset_ui()
try:
    model = get_model()
except ResourceError as error:
    show_resource_error(error)
    st.stop()
files = decode_all(files)
if not files:
    st.stop()
chosen = batch_table_ui(files) if len(files) > 1 else files[0][0]
options = controls_ui(model)
detail_ui(chosen, dict(files)[chosen], options)
