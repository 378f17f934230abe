"""One film in detail: the gate's warnings, the linked viewer, the prediction and abnormality score, the verdicts,
the radiologist's box where there is one, the downloads."""

from __future__ import annotations

import json

import streamlit as st

from dashboard import charts
from dashboard.explain.compare import compare_ui
from dashboard.explain.controls import ExplainChoice, download_stem
from dashboard.explain.pickers import truth_of
from dashboard.layout import is_phone, pane_width
from dashboard.model_choice import current_card, current_model_id
from dashboard.plain_text import plain
from dashboard.resources import (
    ResourceError,
    get_box_table,
    get_input_gate_report,
    get_model_abnormality_head,
    get_model_metrics,
)
from dashboard.state import analyse, decode, dicom_tags, prefetch
from dashboard.texts import unfamiliar_sentence
from dashboard.verdicts import show_details, show_verdict
from dashboard.viewer import VIEWER_CONFIG, viewer_figure
from model import config
from model.evaluation.localisation import boxes_on_film
from model.explain import method_info
from model.gate.gate import NOT_A_CHEST_XRAY, UNFAMILIAR_SOURCE
from model.overlay import ViewSettings, apply_window, encode_png, render, slide
from model.trust.wording import lungs_hidden_verdict

# The viewer's panes: both side by side (a wide screen), or one at a time (a phone's default is the heatmap).
PANE_CHOICES: dict[str, tuple[str, ...]] = {"Side by side": ("film", "heat"), "X-ray": ("film",), "Heatmap": ("heat",)}


def _external_auroc(figures: dict, score: str) -> float | None:
    return ((figures.get("external") or {}).get(score) or {}).get("auroc")


def lungs_hidden_ui(container, prediction) -> None:
    """The lungs-hidden test beside the answer, where lung masks were found (model.trust.lungs_hidden)."""
    if prediction.lungs_hidden is None or prediction.lungs_only is None:
        return
    hidden = prediction.lungs_hidden
    show_verdict(
        lungs_hidden_verdict(
            prediction.label, hidden.label, hidden.probabilities[hidden.label], prediction.lungs_only.label
        ),
        container,
    )


def abnormality_ui(container, prediction) -> None:
    """The sick-or-healthy signal, which carries over to other hospitals better than the class: the model's own
    abnormality head where it has one, else 1 - P(Normal)."""
    if prediction.abnormality is not None:
        container.metric("Abnormal (any disease)", f"{prediction.abnormality:.0%}")
        try:
            figures = get_model_abnormality_head(current_model_id()) or {}
        except ResourceError:
            figures = {}
        head, classes = _external_auroc(figures, "head"), _external_auroc(figures, "one_minus_normal")
        text = (
            "A separate output, fitted on films of every source to tell sick from healthy whatever the disease, "
            "each collection's sick and healthy films weighted alike so that knowing the collection does not help."
        )
        if head is not None:
            n = (figures["external"]["head"] or {}).get("n")
            text += (
                f" On {n} films from two hospitals never seen in training it told sick from healthy with AUROC "
                f"{head:.2f}"
                + (f" (the class probabilities, read as 1 − P(Normal): {classes:.2f})" if classes is not None else "")
                + "; 0.5 is chance, 1 is perfect. Trust it more than the class name on unfamiliar films, and "
                "neither alone."
            )
        container.caption(text)
        return
    if config.HEALTHY_CLASS not in prediction.probabilities:
        return  # a model without a Normal class has no sick-or-healthy score to show
    abnormal = 1.0 - prediction.probabilities[config.HEALTHY_CLASS]
    container.metric("Abnormal (anything but Normal)", f"{abnormal:.0%}")
    try:
        external = (get_model_metrics(current_model_id()) or {}).get("external") or {}
    except ResourceError:
        external = {}
    if external.get("abnormal_score_auroc") is not None:
        container.caption(
            f"On {external['n']} films from two hospitals never seen in training, this score told sick from healthy "
            f"with AUROC {external['abnormal_score_auroc']:.2f}; the COVID-19 probability told COVID-19 from the "
            f"rest with {external['auroc']:.2f} (0.5 = chance). Trust it more than the class name on unfamiliar films."
        )


def radiologist_box_key(name: str) -> str | None:
    """The film's name in boxes.csv, or None where no radiologist boxed it (or the NIH folder is absent)."""
    from model.evaluation.localisation import box_image_for

    table = get_box_table()
    return None if table.empty else box_image_for(table, name)


def box_verdict(result, key: str):
    """Whether the map's peak hits the radiologist's box of the class it explains (the Pneumonia box, mostly)."""
    from model.evaluation.localisation import peak_hits_film_boxes
    from model.trust.wording import radiologist_box_verdict

    hit, finding = peak_hits_film_boxes(result.heatmap, get_box_table(), key, result.target_class)
    return radiologist_box_verdict(hit, result.target_class, finding, config.POINTING_TOLERANCE_PX)


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


def detail_ui(name: str, data: bytes, choice: ExplainChoice, view: ViewSettings) -> None:
    image = decode(data, name)
    anyway_key = f"explain_anyway::{name}"
    with st.spinner("Explaining…"):
        result = analyse(data, name, choice.request(st.session_state.get(anyway_key, False)))
    if not warnings_ui(result, name):  # no answer, and "explain anyway" not pressed
        st.text(f"{name} · {image.size[0]}×{image.size[1]} px · {image.source_format}")
        return
    if result.prediction is None:  # the button was just pressed: remember it for this film, then compute
        st.session_state[anyway_key] = True
        st.rerun()
    anyway = st.session_state.get(anyway_key, False)
    prefetch(data, name, [r for r in choice.requests(anyway) if r.method != choice.method])
    shown = apply_window(image.pixels, view.level, view.width, view.invert)  # the film as the viewer draws it
    prediction = result.prediction

    phone = is_phone()
    # The answer first (above the film, also on a phone), then the viewer across the page's width, then the verdicts.
    answer, chart = (st.container(), st.container()) if phone else st.columns([1, 1])
    answer.markdown(f"#### Prediction: **{prediction.label}** ({prediction.confidence:.1%})")
    truth = truth_of(name)
    if truth is not None:
        right = truth == prediction.label
        answer.markdown(f"True class: **{truth}** " + (":green-badge[right]" if right else ":red-badge[wrong]"))
    abnormality_ui(answer, prediction)
    lungs_hidden_ui(answer, prediction)
    chart.plotly_chart(
        charts.probability_bars(prediction.probabilities), width="stretch", config=charts.CHART_CONFIG, key="probs"
    )
    box_key = radiologist_box_key(name)
    options = st.columns([1, 3]) if box_key is not None and not phone else [st.container(), st.container()]
    show_boxes = box_key is not None and options[0].toggle(
        "Radiologist's box",
        value=truth is not None,  # on for dataset films, off for uploads (matched by name only)
        key=f"boxes::{name}",
        help="Boxes NIH radiologists drew around findings on this film (evaluation data: never shown to the model).",
    )
    shown_panes = options[1].segmented_control(
        "Show",
        list(PANE_CHOICES),
        default="Heatmap" if phone else "Side by side",
        key="panes",
        label_visibility="collapsed",
        help="On a small screen, look at one pane at a time; zoom and window stay the same.",
    )
    panes = PANE_CHOICES[shown_panes or ("Heatmap" if phone else "Side by side")]
    st.plotly_chart(
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
    verdicts = list(result.verdicts().values())
    if show_boxes and result.heatmap is not None:
        verdicts.append(box_verdict(result, box_key))
    judged, about = (st.container(), st.container()) if phone else st.columns([2, 1])
    for verdict in verdicts:
        show_verdict(verdict, judged)
    show_details(verdicts, judged)
    try:
        about.caption(unfamiliar_sentence(get_input_gate_report(), with_held_out=False))
    except ResourceError:
        pass
    about.text(
        f"{name}\n{image.size[0]}×{image.size[1]} px · {image.source_format}, {image.bit_depth}-bit"
        + "".join(f"\n{note}" for note in image.notes)
    )
    st.caption(f"{method_info(choice.method).description} Computed in {result.seconds * 1000:.0f} ms.")

    own_units = {
        "level": float(image.to_own_units(view.level)),
        "width": image.own_span * view.width,
        "range": sorted(image.own_range),  # low to high, also for MONOCHROME1 films (where white is the low value)
    }
    report = {"file": name, **result.to_json(), "view": {**view.to_json(), "window_in_image_units": own_units}}
    downloads = st.columns(3)
    stem = download_stem(name)
    card = current_card() or {"display_name": current_model_id()}
    probabilities = ", ".join(f"{label} {p:.0%}" for label, p in prediction.probabilities.items())
    captions = [
        f"{name[:80]} - model: {card['display_name']}",
        f"{result.title} - answer: {prediction.label} ({probabilities})"
        + (f"; abnormal (any disease) {prediction.abnormality:.0%}" if prediction.abnormality is not None else ""),
        *(verdict.text for verdict in verdicts),
    ]

    def slide_png() -> bytes:  # built when someone clicks, not on every rerun (a full-resolution slide is costly)
        overlay = render(image.pixels, result.heatmap, view, result.lung_mask)
        return encode_png(slide(shown, overlay, captions, view.colormap))

    downloads[0].download_button("Download slide (PNG)", slide_png, f"{stem}_{choice.method}.png", "image/png")
    downloads[1].download_button(
        "Download report (JSON)", json.dumps(report, indent=1), f"{stem}_report.json", "application/json"
    )
    if image.source_format == "DICOM":
        with downloads[2].expander("DICOM technical tags"):
            st.caption("Patient-identifying tags are never shown.")
            st.json(dicom_tags(data, name))

    if st.toggle("Compare all methods side by side", key="compare"):
        compare_ui(name, data, image.pixels, choice, view, captions[:1])
