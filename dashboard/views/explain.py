"""Explain (home): upload or pick an X-ray, see the prediction, the probabilities and the heatmaps."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.layout import is_phone, pane_width
from dashboard.plain_text import plain
from dashboard.resources import (
    ResourceError,
    get_box_table,
    get_input_gate_report,
    get_metrics,
    get_model,
    get_splits,
    images_available,
    missing_images_note,
    show_resource_error,
)
from dashboard.state import analyse, decode, predict_only, prefetch
from dashboard.texts import SOURCE_WARNING, unfamiliar_sentence
from dashboard.verdicts import show_details, show_verdict
from dashboard.viewer import VIEWER_CONFIG, WINDOW_PRESETS, viewer_figure
from model import config
from model.evaluation.localisation import boxes_on_film
from model.explain import METHODS, method_info
from model.gate.gate import NOT_A_CHEST_XRAY, UNFAMILIAR_SOURCE
from model.image_io import ImageLoadError, LoadedImage, safe_dicom_metadata
from model.overlay import COLORMAPS, ViewSettings, apply_window, encode_png, grid, render, slide
from model.text_safety import spreadsheet_safe

# The viewer's panes: both side by side (a wide screen), or one at a time (a phone's default is the heatmap).
PANE_CHOICES: dict[str, tuple[str, ...]] = {"Side by side": ("film", "heat"), "X-ray": ("film",), "Heatmap": ("heat",)}
# Any file may be chosen: hospital DICOM exports often have no extension, and the loader names what a wrong
# file is (a PDF, an archive, a text) better than a greyed-out file picker does.
UPLOAD_TYPES = None
PREDICTED = "Predicted class"


def upload_ui() -> list[tuple[str, bytes]]:
    files = st.file_uploader(
        "Upload one or more chest X-rays (PNG, JPEG or DICOM)",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key="upload",
        help="Files stay in this browser session's memory; they are never written to disk or logged.",
    )
    return unique_names([(f.name, f.getvalue()) for f in files or []])


def unique_names(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Two uploads with one name both stay reachable: the second becomes 'name (2)', and so on."""
    seen: dict[str, int] = {}
    named = []
    for name, data in files:
        seen[name] = seen.get(name, 0) + 1
        named.append((name if seen[name] == 1 else f"{name} ({seen[name]})", data))
    return named


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


def truth_of(name: str) -> str | None:
    """The true class of a film picked from the dataset (examples, dataset mode); None for an upload."""
    if not images_available():
        return None
    try:
        splits = get_splits()
    except ResourceError:
        return None
    rows = splits.loc[splits["path"] == name, "label"]
    return str(rows.iloc[0]) if len(rows) else None


EXAMPLE_CANDIDATES = 5  # per example, the surest few are tried in turn until one passes the chest-X-ray check


def _answered(path: str) -> bool:
    """Is this dataset film on disk and answered by the chest-X-ray check? (Examples never open a stopped film.)"""
    file = config.data_dir() / path
    return file.is_file() and not predict_only(file.read_bytes(), path).stopped


def example_paths() -> dict[str, str]:
    """One-click examples from the test split: the model's surest right answer per class, and its surest mistake,
    each the surest one that the chest-X-ray check answers."""
    try:
        predictions = get_metrics()["predictions"]
    except ResourceError:
        return {}
    groups: dict[str, list[dict]] = {}
    for name in config.CLASS_NAMES:
        right = [p for p in predictions if p["true"] == name == p["predicted"]]
        groups[f"{name} (model right)"] = sorted(right, key=lambda p: -p["probabilities"][name])
    wrong = sorted(
        (p for p in predictions if p["true"] != p["predicted"]), key=lambda p: -max(p["probabilities"].values())
    )
    examples: dict[str, str] = {}
    for label, candidates in groups.items():
        found = next((p["path"] for p in candidates[:EXAMPLE_CANDIDATES] if _answered(p["path"])), None)
        if found:
            examples[label] = found
    worst = next((p for p in wrong[:EXAMPLE_CANDIDATES] if _answered(p["path"])), None)
    if worst is not None:
        examples[f"{worst['true']} called {worst['predicted']} (model wrong)"] = worst["path"]
    return examples


def examples_ui() -> list[tuple[str, bytes]]:
    """Buttons that open an example film without an upload; the last one chosen stays open."""
    examples = example_paths()
    if not examples:
        return []
    st.caption("Or open an example from the test split:")
    columns = st.columns(len(examples))
    for column, (label, path) in zip(columns, examples.items()):
        if column.button(label, key=f"example_{label}", width="stretch"):
            st.session_state["example_path"] = path
    path = st.session_state.get("example_path")
    return [(path, (config.data_dir() / path).read_bytes())] if path else []


def opened_film() -> list[tuple[str, bytes]]:
    """A film another page opened here (the Archive audit's "Open in Explain"), already read within the size limit."""
    opened = st.session_state.get("opened_film")
    return [opened] if opened else []


def _test_predictions() -> pd.DataFrame | None:
    try:
        metrics = get_metrics()
    except ResourceError:
        return None
    return pd.DataFrame({"path": p["path"], "predicted": p["predicted"]} for p in metrics["predictions"])


def decode_all(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Show one specific error per bad file; return the good ones."""
    good = []
    for name, data in files:
        try:
            decode(data, name)
            good.append((name, data))
        except ImageLoadError as error:  # the loader's message starts with the file's name already
            st.error(plain(f"This file could not be used. {error}"), icon=":material/block:")
    return good


def batch_table_ui(files: list[tuple[str, bytes]]) -> str:
    rows = []
    for name, data in files:
        answer = predict_only(data, name)
        probabilities = answer.prediction.probabilities if answer.prediction else {}
        rows.append(
            {
                "file": name,
                "prediction": answer.prediction.label if answer.prediction else "not answered",
                **{f"P({k})": round(probabilities[k], 4) if probabilities else None for k in config.CLASS_NAMES},
                "warnings": "; ".join(f"{w.code}: {w.message}" for w in answer.warnings),
            }
        )
    table = pd.DataFrame(rows)
    st.subheader(f"{len(rows)} images")
    st.dataframe(table, hide_index=True, width="stretch")
    safe = table.map(spreadsheet_safe)  # a file called "=HYPERLINK(...)" stays text in a spreadsheet
    st.download_button("Download predictions (CSV)", safe.to_csv(index=False).encode(), "predictions.csv", "text/csv")
    return st.selectbox("Inspect", table["file"].tolist(), key="inspect")


def controls_ui(model, image: LoadedImage) -> tuple[dict, ViewSettings]:
    """The analysis choices (method, class, layer) and the view settings, in the sidebar: the films get the page.

    Window and level are shown in the film's own units (DICOM values after the modality table, 0-65535 for a
    16-bit PNG, 0-255 for 8 bits), as a radiologist reads them; the view settings keep the 0-1 display scale."""
    from model.explain.base import convolutional_layers

    bar = st.sidebar
    bar.subheader("Explanation")
    method = bar.selectbox("Method", list(METHODS), format_func=lambda name: METHODS[name].menu_label, key="method")
    uses_layer = METHODS[method].uses_layer
    target = bar.selectbox("Explain the class", [PREDICTED, *config.CLASS_NAMES], key="target")
    layers = convolutional_layers(model)
    layer = bar.selectbox(
        "Layer",
        layers,
        index=len(layers) - 1,
        key="layer",
        disabled=not uses_layer,
        help="CAM methods read one convolutional layer; the last is the usual choice.",
    )
    opacity = bar.slider("Heatmap opacity", 0.0, 1.0, config.DEFAULT_OVERLAY_OPACITY, 0.05, key="opacity")
    colormap = bar.selectbox("Colormap", list(COLORMAPS), key="colormap")
    bar.subheader("Viewer")
    preset = bar.segmented_control("Window", list(WINDOW_PRESETS), default="Full range", key="preset")
    default_level, default_width = WINDOW_PRESETS[preset or "Full range"]
    low, high = sorted(image.own_range)
    span = max(image.own_span, 1e-6)
    step = 1.0 if span >= 50 else span / 100
    film_key = f"{preset}_{low:g}_{high:g}"  # new sliders for a film with other units
    with bar.expander(f"Window / level by hand ({low:g} to {high:g})"):
        level_units = st.slider(
            "Level (centre)", low, high, float(image.to_own_units(default_level)), step, key=f"level_{film_key}"
        )
        width_units = st.slider(
            "Window (width)", span * 0.05, span, span * default_width, step, key=f"width_{film_key}"
        )
    level, width = image.from_own_units(level_units), width_units / span
    invert = bar.toggle("Invert", key="invert")
    outline = bar.toggle(
        "Lung outline", value=True, key="lung_outline", help="Lung fields found by the lung segmenter."
    )
    bar.caption("Scroll to zoom, drag to pan (both panes move together), double-click to reset.")
    choice = {
        "method": method,
        "target": None if target == PREDICTED else target,
        "layer": layer if uses_layer else None,
        "cam_layer": layer,  # the layer every CAM method reads, whichever method is shown
    }
    return choice, ViewSettings(level, width, invert, opacity, colormap, outline)


def abnormality_ui(container, prediction) -> None:
    """1 - P(Normal): the sick-or-healthy signal, which carries over to other hospitals better than the class."""
    abnormal = 1.0 - prediction.probabilities["Normal"]
    container.metric("Abnormal (anything but Normal)", f"{abnormal:.0%}")
    try:
        external = get_metrics().get("external") or {}
    except ResourceError:
        external = {}
    if external.get("abnormal_score_auroc") is not None:
        container.caption(
            f"On {external['n']} films from two hospitals never seen in training, this score told sick from healthy "
            f"with AUROC {external['abnormal_score_auroc']:.2f}; the COVID-19 probability told COVID-19 from the "
            f"rest with {external['auroc']:.2f} (0.5 = chance). Trust it more than the class name on unfamiliar films."
        )


def radiologist_box_key(name: str) -> str | None:
    """The film's name in boxes.csv: a dataset film by its path, an upload by its file name; None without boxes."""
    table = get_box_table()
    if table.empty:
        return None
    prefix = f"{config.NIH_ADULT_SUBDIR}/"
    if name.startswith(prefix):
        return name[len(prefix) :] if (table["image"] == name[len(prefix) :]).any() else None
    base = name.rsplit("/", 1)[-1]
    matches = [image for image in table["image"].unique() if image.rsplit("/", 1)[-1] == base]
    return matches[0] if matches else None


def box_verdict(result, key: str):
    """Whether the map's peak hits the radiologist's box of the class it explains (the Pneumonia box, mostly)."""
    from model.evaluation.localisation import box_mask, boxes_on_film, pointing_hit
    from model.trust.wording import radiologist_box_verdict

    size = config.BOX_FRAME_SIZE
    boxes = boxes_on_film(get_box_table(), key, size, size)
    findings = [b for b in boxes if b[4] == result.target_class] or boxes
    hit = pointing_hit(result.heatmap, box_mask(findings, size, size), config.POINTING_TOLERANCE_PX)
    return radiologist_box_verdict(hit, result.target_class, findings[0][4], config.POINTING_TOLERANCE_PX)


def method_requests(choice: dict) -> list[tuple[str, str | None]]:
    """(method, layer) for every method: CAM methods on the layer chosen in the sidebar, the others on none."""
    return [(method, choice["cam_layer"] if info.uses_layer else None) for method, info in METHODS.items()]


def download_stem(name: str) -> str:
    """A file name for downloads about this film: its own name without extension or folders."""
    return name.rsplit(".", 1)[0].replace("/", "_")


def warnings_ui(result, name: str) -> bool:
    """Show the gate's warnings above the result; True when the page should go on to the prediction."""
    for warning in result.warnings:
        if warning.code == NOT_A_CHEST_XRAY:
            message = warning.message
            if result.prediction is not None:  # explained anyway (teaching, or a dataset film): say so, truthfully
                message = message.replace(
                    "No prediction is given.",
                    "It is explained anyway, for teaching: the answer below is what the model would say, not one to "
                    "trust.",
                )
            st.error(plain(message), icon=":material/block:")
        elif warning.code == UNFAMILIAR_SOURCE:
            st.warning(plain(warning.message), icon=":material/travel_explore:")
        else:
            st.info(plain(warning.message), icon=":material/info:")
    if result.prediction is not None:
        return True
    st.caption("For teaching, you can still see what the model would say and where it would look.")
    return st.button("Explain anyway (teaching)", key=f"anyway_{name}", icon=":material/school:")


def detail_ui(name: str, data: bytes, choice: dict, view: ViewSettings) -> None:
    image = decode(data, name)
    anyway_key = f"explain_anyway::{name}"
    with st.spinner("Explaining…"):
        result = analyse(
            data, name, choice["method"], choice["target"], choice["layer"], st.session_state.get(anyway_key, False)
        )
    if not warnings_ui(result, name) and result.prediction is None:
        st.text(f"{name} · {image.size[0]}×{image.size[1]} px · {image.source_format}")
        return
    if result.prediction is None:  # the button was just pressed: remember it for this film, then compute
        st.session_state[anyway_key] = True
        st.rerun()
    others = [request for request in method_requests(choice) if request[0] != choice["method"]]
    prefetch(data, name, others, choice["target"], st.session_state.get(anyway_key, False))
    shown = apply_window(image.pixels, view.level, view.width, view.invert)  # the film as the viewer draws it
    prediction = result.prediction

    phone = is_phone()
    films, side = st.columns([3, 1])
    box_key = radiologist_box_key(name)
    show_boxes = box_key is not None and films.toggle(
        "Radiologist's box",
        value=truth_of(name) is not None,  # on for dataset films, off for uploads (matched by name only)
        key=f"boxes::{name}",
        help="Boxes NIH radiologists drew around findings on this film (evaluation data: never shown to the model).",
    )
    shown_panes = films.segmented_control(
        "Show",
        list(PANE_CHOICES),
        default="Heatmap" if phone else "Side by side",
        key="panes",
        label_visibility="collapsed",
        help="On a small screen, look at one pane at a time; zoom and window stay the same.",
    )
    panes = PANE_CHOICES[shown_panes or ("Heatmap" if phone else "Side by side")]
    films.plotly_chart(
        viewer_figure(
            shown,
            image.pixels,
            result.heatmap,
            result.title,
            view.colormap,
            view.opacity,
            result.lung_mask if view.outline else None,
            units=image.own_range,
            panes=panes,
            pane_width_px=pane_width(len(panes), phone),
            boxes=boxes_on_film(get_box_table(), box_key, *image.pixels.shape[:2]) if show_boxes else None,
        ),
        width="stretch",
        key="viewer",
        config=VIEWER_CONFIG,
    )
    side.markdown(f"#### Prediction: **{prediction.label}** ({prediction.confidence:.1%})")
    truth = truth_of(name)
    if truth is not None:
        right = truth == prediction.label
        side.markdown(f"True class: **{truth}** " + (":green-badge[right]" if right else ":red-badge[wrong]"))
    side.plotly_chart(
        charts.probability_bars(prediction.probabilities), width="stretch", config=charts.CHART_CONFIG, key="probs"
    )
    abnormality_ui(side, prediction)
    try:
        side.caption(unfamiliar_sentence(get_input_gate_report()))
    except ResourceError:
        pass
    side.text(
        f"{name}\n{image.size[0]}×{image.size[1]} px · {image.source_format}, {image.bit_depth}-bit"
        + "".join(f"\n{note}" for note in image.notes)
    )
    verdicts = list(result.verdicts().values())
    if show_boxes and result.heatmap is not None:
        verdicts.append(box_verdict(result, box_key))
    for verdict in verdicts:
        show_verdict(verdict)
    show_details(verdicts)
    st.caption(f"{method_info(choice['method']).description} Computed in {result.seconds * 1000:.0f} ms.")

    own_units = {
        "level": float(image.to_own_units(view.level)),
        "width": image.own_span * view.width,
        "range": list(image.own_range),
    }
    report = {"file": name, **result.to_json(), "view": {**view.to_json(), "window_in_image_units": own_units}}
    downloads = st.columns(3)
    stem = download_stem(name)
    captions = [
        f"{result.title} - model: {prediction.label} ({prediction.confidence:.0%})",
        f"{name[:60]} - {config.MODEL_PATH.name}",
    ]

    def slide_png() -> bytes:  # built when someone clicks, not on every rerun (a full-resolution slide is costly)
        overlay = render(image.pixels, result.heatmap, view, result.lung_mask)
        return encode_png(slide(shown, overlay, captions, view.colormap))

    downloads[0].download_button("Download slide (PNG)", slide_png, f"{stem}_{choice['method']}.png", "image/png")
    downloads[1].download_button(
        "Download report (JSON)", json.dumps(report, indent=1), f"{stem}_report.json", "application/json"
    )
    if image.source_format == "DICOM":
        with downloads[2].expander("DICOM technical tags"):
            st.caption("Patient-identifying tags are never shown.")
            st.json(safe_dicom_metadata(data))

    if st.toggle("Compare all methods side by side", key="compare"):
        compare_ui(name, data, image.pixels, choice, view)


def compare_ui(name: str, data: bytes, pixels, choice: dict, view: ViewSettings) -> None:
    from model.trust.agreement import agreement, consensus_region, pairwise_overlap
    from model.trust.wording import agreement_verdict, grouped

    anyway = st.session_state.get(f"explain_anyway::{name}", False)
    wanted = method_requests(choice)
    prefetch(data, name, wanted, choice["target"], anyway, background=False)
    columns = st.columns(len(METHODS))
    maps, pictures, verdicts, rows = {}, [], {}, []
    lung_mask = None
    for column, (method, layer) in zip(columns, wanted):
        info = METHODS[method]
        with st.spinner(f"{info.label}…"):
            result = analyse(data, name, method, choice["target"], layer, anyway)
        maps[info.label] = result.heatmap
        lung_mask = result.lung_mask if result.lung_mask is not None else lung_mask
        pictures.append(render(pixels, result.heatmap, view, result.lung_mask))
        column.image(pictures[-1], caption=info.menu_label, width="stretch")
        found = result.verdicts()
        verdicts.update({f"{info.label}: {kind}": verdict for kind, verdict in found.items()})
        rows.append(
            {
                "method": info.menu_label,
                "heat in lungs": None if result.lung_share is None else f"{result.lung_share:.0%}",
                "peak in lungs": {True: "yes", False: "no", None: "—"}[result.peak_in_lungs],
                "faithfulness margin": (
                    None
                    if result.faithfulness is None
                    else f"{result.faithfulness.score - result.faithfulness.random_score:+.2f}"
                ),
                "time": f"{result.seconds * 1000:.0f} ms",
            }
        )
    overlaps = pairwise_overlap(maps)
    weakest = min(overlaps, key=overlaps.get)
    verdict = agreement_verdict(agreement(maps), weakest, overlaps[weakest])
    show_verdict(verdict)
    shared = consensus_region(maps)
    left, right = st.columns([1, 2])
    left.image(render(pixels, shared.astype("float32"), view, lung_mask), width="stretch")
    left.caption(
        f"Where at least {len(maps) // 2 + 1} of the {len(maps)} methods put their hottest "
        f"{config.AGREEMENT_TOP_FRACTION:.0%} ({shared.mean():.0%} of the film)"
    )
    right.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    # Each sentence once, with the methods it applies to.
    for text_verdict, names in grouped(verdicts):
        methods = sorted({n.split(":")[0] for n in names})
        right.caption(f"**{', '.join(methods)}** — {text_verdict.text}")
    show_details([verdict])
    stem = download_stem(name)
    st.download_button(
        "Download all methods (PNG)",
        encode_png(grid(pictures, [info.menu_label for info in METHODS.values()])),
        f"{stem}_all_methods.png",
        "image/png",
        key="download_grid",
    )


st.title("Explain a chest X-ray")
st.caption(SOURCE_WARNING)
# The input widgets come first, so the page is usable while TensorFlow and the model load.
mode = st.sidebar.radio("Film from", ["Upload", "Dataset"], horizontal=True, key="mode")
if mode == "Upload":
    files = upload_ui()
    if files:  # a new upload replaces an example or a film opened from another page
        st.session_state.pop("example_path", None)
        st.session_state.pop("opened_film", None)
    else:
        files = opened_film()
    if not files and images_available():
        files = examples_ui()
        if files:
            st.session_state.pop("opened_film", None)
else:
    files = dataset_ui()
try:
    model = get_model()
except ResourceError as error:
    show_resource_error(error)
    st.stop()
files = decode_all(files)
if not files:
    st.stop()
chosen = batch_table_ui(files) if len(files) > 1 else files[0][0]
choice, view = controls_ui(model, decode(dict(files)[chosen], chosen))
detail_ui(chosen, dict(files)[chosen], choice, view)
