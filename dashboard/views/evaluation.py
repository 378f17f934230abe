"""Evaluation on the test split, read from the chosen model's metrics.json."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, handoff
from dashboard.errors import ResourceError, show_resource_error
from dashboard.model_choice import current_card
from dashboard.model_files import (
    get_model_abnormality_head,
    get_model_lungs_hidden,
    get_model_metrics,
    images_available,
    metrics_describe_shipped_model,
    missing_images_note,
)
from dashboard.models_table import registered_models_table
from dashboard.other_hospitals import other_hospitals_section
from dashboard.plain_text import plain
from dashboard.state import decode, overlay_analyses
from dashboard.texts import SOURCE_WARNING
from dashboard.verdicts import show_verdict
from model import config
from model.evaluation.metrics import ppv_npv_at_prevalence
from model.overlay import render
from model.registry import registered
from model.trust.wording import baseline_verdict, shortcut_verdict


def _share(figures: dict | None) -> str:
    return "" if not figures else f"{figures['survive']:.0%}"


def metrics_table(overall: dict) -> pd.DataFrame:
    intervals = overall.get("intervals_95", {})
    rows = []
    for name, figures in overall["per_class"].items():
        low, high = intervals.get(f"sensitivity/{name}", (None, None))
        rows.append(
            {
                "class": name,
                "sensitivity": figures["sensitivity"],
                "sensitivity 95% CI": f"{low:.3f}–{high:.3f}" if low is not None else "",
                "specificity": figures["specificity"],
                "PPV (precision)": figures["precision"],
                "NPV": figures["npv"],
                "F1": figures["f1"],
                "support": figures["support"],
                "ROC AUC": overall["curves"].get(name, {}).get("roc_auc"),
            }
        )
    return pd.DataFrame(rows)


st.title("Evaluation")
card = current_card() or {"id": config.default_model_id(), "display_name": config.default_model_id()}
st.markdown(f"Model: **{plain(card['display_name'])}** (choose another in the sidebar)")
try:
    metrics = get_model_metrics(card["id"])
except ResourceError as error:
    show_resource_error(error)
    st.stop()
if metrics is None:
    st.info(
        f"No metrics were computed for {plain(card['display_name'])}: its classes are not the data's labels, or run "
        f"`python scripts/evaluate.py --model {card['id']}`."
    )
    registered_models_table()
    st.stop()

st.caption(f"Computed on the {metrics['computed_on']}. Generated {metrics['generated']} for {metrics['model_file']}.")
if not metrics_describe_shipped_model(metrics["model_sha256"], registered(card["id"]).model_path):
    st.warning(
        f"The model file has changed since these metrics were computed: run "
        f"`python scripts/evaluate.py --model {card['id']}`."
    )
st.warning(SOURCE_WARNING, icon=":material/warning:")

overall = metrics["overall"]
baseline = metrics["baseline"]
intervals = overall["intervals_95"]
top = st.columns(4)
top[0].metric(
    "Accuracy",
    f"{overall['accuracy']:.3f}",
    help=f"95% CI {intervals['accuracy'][0]:.3f}–{intervals['accuracy'][1]:.3f}",
)
top[1].metric(
    "Macro-F1",
    f"{overall['macro_f1']:.3f}",
    help=f"95% CI {intervals['macro_f1'][0]:.3f}–{intervals['macro_f1'][1]:.3f}",
)
top[2].metric("Trivial baseline accuracy", f"{baseline['accuracy']:.3f}")
top[3].metric("Trivial baseline macro-F1", f"{baseline['macro_f1']:.3f}")
st.caption(
    f"95% bootstrap intervals: accuracy {intervals['accuracy'][0]:.3f}–{intervals['accuracy'][1]:.3f}, macro-F1 "
    f"{intervals['macro_f1'][0]:.3f}–{intervals['macro_f1'][1]:.3f}. {baseline['description']}"
)
baseline_reading = baseline_verdict(overall["macro_f1"], baseline["macro_f1"])
if baseline_reading.level == "bad":
    show_verdict(baseline_reading)
st.dataframe(metrics_table(overall).style.format(precision=3), hide_index=True, width="stretch")

try:
    head = get_model_abnormality_head(card["id"])
except ResourceError as error:  # a damaged head file: said, and the rest of the page still shown
    show_resource_error(error)
    head = None
other_hospitals_section(metrics, head)

st.subheader("What a call is worth at another prevalence")
prevalence = st.slider(
    "Prevalence of the class among the people tested", 0.001, 0.5, 0.05, 0.001, format="%.3f", key="prevalence"
)
rows = []
for name, figures in overall["per_class"].items():
    ppv, npv = ppv_npv_at_prevalence(figures["sensitivity"], figures["specificity"], prevalence)
    rows.append({"class": name, "PPV at this prevalence": ppv, "NPV at this prevalence": npv})
st.dataframe(pd.DataFrame(rows).style.format(precision=3), hide_index=True, width="stretch")
st.caption("Sensitivity and specificity from the test split, combined with the prevalence you choose (Bayes' rule).")

normalised = st.toggle("Normalise confusion-matrix rows", value=True, key="normalise")
left, right = st.columns(2)
left.plotly_chart(
    charts.confusion_figure(overall["confusion_matrix"], metrics["class_names"], normalised),
    width="stretch",
    config=charts.CHART_CONFIG,
    key="cm",
)
right.plotly_chart(
    charts.reliability_figure(overall["calibration"]), width="stretch", config=charts.CHART_CONFIG, key="rel"
)
calibration = overall["calibration"]
st.caption(
    f"Reliability: when the model says 80%, is it right about 80% of the time? ECE (expected calibration error) "
    f"{calibration['ece']:.3f} is the average gap between confidence and accuracy over the bins (0 = perfectly "
    f"honest confidence); the Brier score {calibration['brier']:.3f} is the mean squared distance between the "
    "probabilities and the true class (0 = certain and right; always answering a third for each class scores "
    "0.67)."
)
left, right = st.columns(2)
left.plotly_chart(charts.roc_figure(overall["curves"]), width="stretch", config=charts.CHART_CONFIG, key="roc")
right.plotly_chart(charts.pr_figure(overall["curves"]), width="stretch", config=charts.CHART_CONFIG, key="pr")
st.caption(
    "ROC curve, one class against the rest: AUROC is the chance that a film of that class gets a higher score "
    "than a film of another class (0.5 = a coin toss, 1 = perfect ranking). The precision-recall curve shows what "
    "share of the films called that class really are it, at each sensitivity."
)

st.subheader("By source")
by_source = []
for source, figures in metrics["by_source"].items():
    row = {
        "source": source,
        "images": figures["n"],
        "accuracy": f"{figures['accuracy']:.3f}",
        "macro-F1 (classes present)": f"{figures['macro_f1']:.3f}",
    }
    for name, f in figures["per_class"].items():
        row[f"sensitivity {name}"] = f"{f['sensitivity']:.3f}" if f["support"] else "— (none)"
    by_source.append(row)
st.dataframe(pd.DataFrame(by_source), hide_index=True, width="stretch")
st.caption(
    "A source holds only some classes (no COVID-19 among the children): its macro-F1 averages the classes it has."
)

st.subheader("Model beside the trivial baseline")
st.dataframe(
    pd.DataFrame(
        [
            {
                "model": "CNN (shipped)",
                "accuracy": overall["accuracy"],
                "macro-F1": overall["macro_f1"],
                **{f"sensitivity {n}": f["sensitivity"] for n, f in overall["per_class"].items()},
            },
            {
                "model": "32×32 logistic regression",
                "accuracy": baseline["accuracy"],
                "macro-F1": baseline["macro_f1"],
                **{f"sensitivity {n}": f["sensitivity"] for n, f in baseline["per_class"].items()},
            },
        ]
    ).style.format(precision=3),
    hide_index=True,
    width="stretch",
)

st.subheader("Shortcut test: does it need the lungs?")
shortcut = metrics.get("shortcut_test")
if not shortcut:
    st.info(
        "No shortcut test in this metrics file: train the lung segmenter "
        "(`python scripts/train_lung_segmenter.py`), then rerun `python scripts/evaluate.py`."
    )
else:
    variants = shortcut["variants"]
    show_verdict(shortcut_verdict(variants["lungs removed"]["macro_f1"], variants["only lungs"]["macro_f1"]))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "input": variant,
                    "accuracy": figures["accuracy"],
                    "macro-F1": figures["macro_f1"],
                    **{f"sensitivity {n}": f["sensitivity"] for n, f in figures["per_class"].items()},
                }
                for variant, figures in shortcut["variants"].items()
            ]
        ).style.format(precision=3),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "The same test images three ways: whole; with the lung fields (found by the lung segmenter) set to "
        "black; and with everything but the lungs set to black. Chance is about 0.33."
    )

st.subheader("Answers that survive with the lungs hidden")
try:
    hidden = get_model_lungs_hidden(card["id"])
except ResourceError as error:
    show_resource_error(error)
    hidden = None
if not hidden:
    st.info(
        "The lungs-hidden test was not run for this model: "
        + plain(f"python scripts/audit_lungs_hidden.py --model {card['id']}")
    )
else:
    survive = hidden["lungs_hidden"]
    disease = [figures for name, figures in survive["by_class"].items() if name != config.HEALTHY_CLASS]
    n_disease = sum(f["n"] for f in disease)
    st.metric(
        "Disease answers unchanged with the lungs hidden",
        f"{sum(f['n'] * f['survive'] for f in disease) / max(n_disease, 1):.0%}",
        help=f"Of {n_disease} test films answered with a disease; lower is better. A {config.HEALTHY_CLASS} answer "
        "should survive: with the lungs hidden there is nothing abnormal to see.",
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "answered": name,
                    "films": figures["n"],
                    "same answer, lungs hidden": f"{figures['survive']:.0%}",
                    "same answer, only lungs shown": _share(hidden["lungs_only"]["by_class"].get(name)),
                }
                for name, figures in survive["by_class"].items()
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        plain(
            f"Each of {survive['n']} test films was sent again with its lung fields filled with the film's mean "
            "(and again with everything but the lungs filled). An answer that survives without the lungs is read "
            "from something else: borders, labels, the view, the hospital (after Maguolo & Nanni). Explain shows "
            "this test beside every answer."
        )
    )

if metrics.get("training_history"):
    history = metrics["training_history"]
    st.plotly_chart(
        charts.training_curves(history["epochs"]), width="stretch", config=charts.CHART_CONFIG, key="history"
    )
    st.caption(
        f"Best epoch {history['best_epoch']} (weights kept); {history['seconds'] / 60:.0f} min of training "
        "on 2 CPU cores."
    )

st.subheader("Test images the model got wrong")
if not images_available():
    st.info(missing_images_note())
else:
    wrong = [p for p in metrics["predictions"] if p["predicted"] != p["true"]]
    st.caption(
        f"{len(wrong)} of {len(metrics['predictions'])} test images are misclassified; the most confident mistakes "
        "first, with Grad-CAM for the predicted class."
    )
    wrong.sort(key=lambda p: -max(p["probabilities"].values()))
    per_page = 8
    pages = max(1, -(-len(wrong) // per_page))
    page = st.number_input(f"Page (of {pages})", 1, pages, 1, key="wrong_page") if pages > 1 else 1
    shown = wrong[(page - 1) * per_page : page * per_page]
    films = [((config.data_dir() / record["path"]).read_bytes(), record["path"]) for record in shown]
    results = overlay_analyses(films)  # one batch for the whole page of mistakes
    for start in range(0, len(shown), 4):
        columns = st.columns(4)
        for column, record, (data, _), result in zip(
            columns, shown[start : start + 4], films[start : start + 4], results[start : start + 4]
        ):
            column.image(
                render(decode(data, record["path"]).pixels, result.heatmap),
                width="stretch",
                caption=f"true {record['true']}, said {result.prediction.label} ({result.prediction.confidence:.0%})",
            )
            if column.button("Open in Explain", key=f"open_{record['path']}", icon=":material/search:"):
                handoff.open_in_explain(handoff.FilmToOpen(record["path"]))

registered_models_table()  # every model's headline figures, below the chosen one's
