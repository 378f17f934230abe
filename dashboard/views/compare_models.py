"""Compare models: one film, one method, two or three models side by side in one linked viewer."""

from __future__ import annotations

import streamlit as st

from dashboard.analysis_engine import get_model
from dashboard.errors import ResourceError, show_resource_error
from dashboard.explain.pickers import decode_all, truth_of, unique_names
from dashboard.explain.radiologist import film_boxes, radiologist_box_key
from dashboard.film_cache import FilmCache
from dashboard.film_viewer import ViewerInput, ViewerPane, film_viewer
from dashboard.layout import is_phone
from dashboard.model_choice import card_label, current_model_id
from dashboard.model_files import get_box_table, images_available
from dashboard.plain_text import plain
from dashboard.registry_cards import cards_by_id
from dashboard.state import analyse_models, decode
from dashboard.verdicts import show_verdict
from model import config
from model.evaluation.localisation import peak_hits_film_boxes
from model.explain import METHODS
from model.trust.agreement import pairwise_overlap
from model.trust.model_comparison import ModelView, models_disagreement
from model.trust.wording import radiologist_box_verdict

MAX_MODELS = 3

st.title("Compare models on one film")
st.caption(
    "The same film through two or three models, with the same explanation method: where each looks, what each "
    "answers, and where they disagree. Zoom or pan one pane and the others follow."
)
cards = cards_by_id()
if len(cards) < 2:
    st.info("Only one model is registered. Add another with `python scripts/add_model.py PATH --id ID --classes ...`.")
    st.stop()


def default_models() -> list[str]:
    """The session's model and a teaching exhibit (or the next model): the pair that teaches most."""
    first = current_model_id()
    exhibits = [i for i, c in cards.items() if c.get("teaching_exhibit") and i != first]
    others = [i for i in cards if i != first]
    return [first, (exhibits or others)[0]]


def box_films() -> list[str]:
    """Dataset films a radiologist boxed (nih_adult/...), for the film picker."""
    table = get_box_table()
    if table.empty or not images_available():
        return []
    return [f"{config.NIH_ADULT_SUBDIR}/{image}" for image in sorted(table["image"].unique())]


chosen_ids = st.multiselect(
    "Models (two or three)",
    list(cards),
    default=default_models(),
    max_selections=MAX_MODELS,
    format_func=lambda model_id: card_label(cards[model_id]),
    key="compare_models",
)
# Only the methods every chosen model can run (an ONNX model without verified gradients has no Grad-CAM).
missing: dict[str, str] = {}
for model_id in chosen_ids:
    try:
        for method_name, reason in get_model(model_id).unavailable:
            missing.setdefault(method_name, f"{cards[model_id]['display_name']}: {reason}")
    except ResourceError as error:
        show_resource_error(error)
        st.stop()
offered = [name for name in METHODS if name not in missing]
if st.session_state.get("compare_method") not in offered:
    st.session_state.pop("compare_method", None)
controls = [st.container() for _ in range(3)] if is_phone() else st.columns([2, 2, 1])
method = controls[0].selectbox(
    "Method", offered, format_func=lambda name: METHODS[name].menu_label, key="compare_method"
)
for method_name, reason in missing.items():
    controls[0].caption(plain(f"{METHODS[method_name].label} is not offered: {reason}."))
source = controls[1].radio("Film from", ["A film a radiologist boxed", "Upload"], horizontal=True, key="compare_source")
anyway = controls[2].toggle(
    "Explain anyway", key="compare_anyway", help="Teaching: explain a film even where the chest-X-ray check stops it."
)
if source == "Upload":
    upload = st.file_uploader("Upload a chest X-ray (PNG, JPEG or DICOM)", key="compare_upload")
    files = unique_names([(upload.name, upload.getvalue())] if upload else [])
else:
    films = box_films()
    if not films:
        st.info("No radiologist-boxed films found (nih_adult/ with boxes.csv): upload a film instead.")
        files = []
    else:
        path = st.selectbox("Film", films, key="compare_film")
        files = [(path, (config.data_dir() / path).read_bytes())]
files = decode_all(files)
if len(chosen_ids) < 2 or not files:
    st.info("Choose two or three models and a film.")
    st.stop()

name, data = files[0]
image = decode(data, name)
with st.spinner("Explaining through each model…"):
    results = analyse_models(data, name, method, chosen_ids, anyway)
box_key = radiologist_box_key(name)
boxes = film_boxes(box_key, *image.pixels.shape[:2])
mask = next((r.lung_mask for r in results if r.lung_mask is not None), None)
phone = is_phone()
titles = [
    f"{cards[i]['display_name']} · {r.prediction.label} {r.prediction.confidence:.0%}"
    if r.prediction is not None
    else f"{cards[i]['display_name']} · not answered"
    for i, r in zip(chosen_ids, results)
]
film_viewer(
    ViewerInput(
        film_id=FilmCache.key(data),
        image=image,
        panes=tuple(ViewerPane(f"model{i}", title, r.heatmap) for i, (title, r) in enumerate(zip(titles, results))),
        lung_mask=mask,
        boxes=boxes,
        phone=phone,
    ),
    key="compare_viewer",
)
truth = truth_of(name)
if truth is not None:
    st.markdown(f"True class of this film: **{truth}**" + (" · dashed magenta: the radiologist's box" if boxes else ""))

columns = st.columns(len(results)) if not phone else [st.container() for _ in results]
views = []
for column, model_id, result in zip(columns, chosen_ids, results):
    card = cards[model_id]
    column.markdown(
        f"**{plain(card['display_name'])}**"
        + (" :orange-badge[teaching exhibit]" if card.get("teaching_exhibit") else "")
    )
    if result.prediction is None:
        column.warning(" ".join(w.message for w in result.warnings) or "Not answered.")
        views.append(ModelView(plain(card["display_name"]), None, None, None))
        continue
    answer = " · ".join(f"{label} {p:.0%}" for label, p in result.prediction.probabilities.items())
    if result.prediction.abnormality is not None:
        answer += f"  \nAbnormal (any disease, its separate output): **{result.prediction.abnormality:.0%}**"
    column.markdown(answer)
    share = "—" if result.lung_share is None else f"{result.lung_share:.0%}"
    peak = {True: "inside", False: "outside", None: "—"}[result.peak_in_lungs]
    column.markdown(f"Heat inside the lungs: **{share}** · hottest point: **{peak}** the lungs")
    if box_key and result.heatmap is not None:
        hit, finding = peak_hits_film_boxes(result.heatmap, get_box_table(), box_key, result.target_class)
        verdict = radiologist_box_verdict(hit, result.target_class, finding, config.POINTING_TOLERANCE_PX)
        show_verdict(verdict, column)
    for warning in result.warnings:
        column.caption(warning.message)
    views.append(
        ModelView(plain(card["display_name"]), result.prediction.label, result.lung_share, result.peak_in_lungs)
    )

st.subheader("Where they disagree")
maps = {plain(cards[i]["display_name"]): r.heatmap for i, r in zip(chosen_ids, results) if r.heatmap is not None}
for verdict in models_disagreement(views, pairwise_overlap(maps) if len(maps) > 1 else None):
    show_verdict(verdict)
st.caption(
    f"{METHODS[method].label} of each model's own answer, on its last convolutional layer. Lung share: the share of "
    "the map's heat inside the lung fields the segmenter found (about a third of a film is lung)."
)
