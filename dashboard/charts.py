"""Arrays and dicts in, plotly figures out. No Streamlit here, so figures can be tested alone."""

from __future__ import annotations

import numpy as np
import plotly.express as px
import plotly.graph_objects as go

from dashboard.plain_text import plot_text
from model import config
from model.audit.results import NOT_ANSWERED, UNREADABLE

# No floating toolbar over titles (it covered them, on phones most of all); charts follow the page width.
CHART_CONFIG: dict[str, object] = {"displayModeBar": False, "responsive": True}
CLASS_COLOURS: dict[str, str] = config.CLASS_COLOURS


def _layout(figure: go.Figure, height: int = 320, **kwargs) -> go.Figure:
    figure.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), **kwargs)
    return figure


def probability_bars(probabilities: dict[str, float]) -> go.Figure:
    names = list(probabilities)
    values = [probabilities[n] for n in names]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker_color=[CLASS_COLOURS.get(n, "#888") for n in names],
            text=[f"{v:.1%}" for v in values],
            textposition="auto",
        )
    )
    figure.update_xaxes(range=[0, 1], tickformat=".0%")
    figure.update_yaxes(autorange="reversed")
    return _layout(figure, height=180, title="Class probabilities")


def confusion_figure(matrix: list[list[int]], class_names: list[str], normalised: bool) -> go.Figure:
    values = np.asarray(matrix, dtype=float)
    if normalised:
        values = values / np.maximum(values.sum(axis=1, keepdims=True), 1)
    text = [[f"{v:.1%}" if normalised else f"{int(v)}" for v in row] for row in values]
    figure = go.Figure(
        go.Heatmap(
            z=values,
            x=class_names,
            y=class_names,
            colorscale="Blues",
            text=text,
            texttemplate="%{text}",
            showscale=False,
        )
    )
    figure.update_xaxes(title="Predicted")
    figure.update_yaxes(title="True", autorange="reversed")
    return _layout(figure, height=360, title="Confusion matrix" + (" (row-normalised)" if normalised else " (counts)"))


def _per_class_curves(curves: dict, x: tuple[str, str], y: tuple[str, str], area: tuple[str, str]) -> go.Figure:
    """One line per class; each pair names (curve key, point key), `area` (figure key, legend abbreviation)."""
    figure = go.Figure()
    for name, curve in curves.items():
        figure.add_scatter(
            x=curve[x[0]][x[1]],
            y=curve[y[0]][y[1]],
            mode="lines",
            name=f"{name} ({area[1]} {curve[area[0]]:.3f})",
            line_color=CLASS_COLOURS.get(name),
        )
    return figure


def roc_figure(curves: dict) -> go.Figure:
    figure = _per_class_curves(curves, ("roc", "fpr"), ("roc", "tpr"), ("roc_auc", "AUC"))
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dot", color="gray"), showlegend=False)
    figure.update_xaxes(title="False positive rate (1 - specificity)", range=[0, 1])
    figure.update_yaxes(title="Sensitivity", range=[0, 1.01])
    return _layout(figure, height=360, title="ROC, one class against the rest")


def pr_figure(curves: dict) -> go.Figure:
    figure = _per_class_curves(curves, ("pr", "recall"), ("pr", "precision"), ("average_precision", "AP"))
    figure.update_xaxes(title="Sensitivity (recall)", range=[0, 1])
    figure.update_yaxes(title="PPV (precision)", range=[0, 1.01])
    return _layout(figure, height=360, title="Precision-recall, one class against the rest")


def reliability_figure(calibration: dict) -> go.Figure:
    bins = [b for b in calibration["bins"] if b["count"]]
    figure = go.Figure()
    figure.add_bar(
        x=[(b["low"] + b["high"]) / 2 for b in bins],
        y=[b["accuracy"] for b in bins],
        width=0.09,
        name="accuracy in bin",
        customdata=[b["count"] for b in bins],
        hovertemplate="confidence %{x:.2f}<br>accuracy %{y:.2f}<br>%{customdata} images",
    )
    figure.add_scatter(
        x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dot", color="gray"), name="perfect calibration"
    )
    figure.update_xaxes(title="Confidence of the top class", range=[0, 1])
    figure.update_yaxes(title="Accuracy", range=[0, 1])
    return _layout(
        figure, height=360, title=f"Reliability (ECE {calibration['ece']:.3f}, Brier {calibration['brier']:.3f})"
    )


def training_curves(history: list[dict]) -> go.Figure:
    epochs = [h["epoch"] for h in history]
    figure = go.Figure()
    figure.add_scatter(x=epochs, y=[h["loss"] for h in history], name="training loss (augmented)")
    figure.add_scatter(x=epochs, y=[h["val_loss"] for h in history], name="validation loss")
    figure.add_scatter(
        x=epochs, y=[h["val_balanced_accuracy"] for h in history], name="validation balanced accuracy", yaxis="y2"
    )
    figure.update_layout(
        yaxis=dict(title="loss"),
        yaxis2=dict(
            title="balanced accuracy",
            overlaying="y",
            side="right",
            range=[0, 1],
            tickmode="linear",
            tick0=0,
            dtick=0.2,
            showgrid=False,
        ),
    )
    figure.update_xaxes(title="epoch")
    return _layout(figure, height=340, title="Training history", legend=dict(orientation="h", y=-0.25))


def intensity_histograms(intensity_by_class: dict) -> go.Figure:
    figure = go.Figure()
    for name, summary in intensity_by_class.items():
        edges = np.asarray(summary["bin_edges"])
        centres = (edges[:-1] + edges[1:]) / 2
        figure.add_scatter(
            x=centres,
            y=summary["density"],
            mode="lines",
            name=f"{name} (mean {summary['mean']:.2f}, sd {summary['std']:.2f})",
            line_color=CLASS_COLOURS.get(name),
            fill="tozeroy",
            opacity=0.5,
        )
    figure.update_xaxes(title="pixel intensity (0 = black, 1 = white)")
    figure.update_yaxes(title="share of pixels")
    return _layout(figure, height=360, title="Pixel-intensity histograms per class (raw images)")


def counts_figure(counts: list[dict]) -> go.Figure:
    import pandas as pd

    table = pd.DataFrame(counts)
    figure = px.bar(
        table,
        x="split",
        y="count",
        color="label",
        pattern_shape="source",
        barmode="stack",
        color_discrete_map=CLASS_COLOURS,
        category_orders={"split": ["train", "val", "test"], "label": list(config.CLASS_NAMES)},
    )
    return _layout(figure, height=360, title="Images per split, class and source")


def faithfulness_figure(summary: dict) -> go.Figure:
    """Per method: mean faithfulness score, with the random map's score drawn as a marked floor on each bar.

    Random maps score near zero, so a second bar would be invisible; a labelled marker always shows.
    """
    from model.explain.catalog import label_of

    methods = list(summary)
    labels = [label_of(m) for m in methods]
    scores = [summary[m]["faithfulness"]["mean_score"] for m in methods]
    floors = [summary[m]["faithfulness"]["mean_random_score"] for m in methods]
    figure = go.Figure()
    figure.add_bar(x=labels, y=scores, name="the method's maps", text=[f"{v:+.2f}" for v in scores])
    figure.add_scatter(
        x=labels,
        y=floors,
        mode="markers+text",
        marker=dict(symbol="line-ew-open", size=44, color="#d62728", line=dict(width=3, color="#d62728")),
        text=[f"random {v:+.2f}" for v in floors],
        textposition="top center",
        name="a random map (the floor)",
    )
    figure.update_yaxes(title="insertion AUC − deletion AUC", rangemode="tozero")
    return _layout(
        figure,
        height=340,
        title="Faithfulness: higher is better; the red line is what a random map scores",
        legend=dict(orientation="h", y=-0.15),
    )


OUTCOME_COLOURS: dict[str, str] = {**CLASS_COLOURS, NOT_ANSWERED: "#999999", UNREADABLE: "#444444"}


def prediction_mix_figure(mix, group_label: str) -> go.Figure:
    """Stacked horizontal bars: films per group, coloured by what the model answered. Group names (folders, DICOM
    device fields) and answers come from audit rows: escaped, since Plotly renders HTML in labels."""
    mix = mix.assign(group=mix["group"].map(plot_text), outcome=mix["outcome"].map(plot_text))
    figure = px.bar(
        mix,
        x="films",
        y="group",
        color="outcome",
        orientation="h",
        color_discrete_map=OUTCOME_COLOURS,
        labels={"group": group_label, "films": "films", "outcome": "answer"},
    )
    figure.update_yaxes(autorange="reversed", title=None)
    figure.update_xaxes(title=None)  # the title says films; an axis title here collided with the legend below
    rows = max(mix["group"].nunique(), 1)
    return _layout(
        figure,
        height=min(170 + 28 * rows, 900),
        title=f"Films and answers by {group_label.lower()}",
        barmode="stack",
        legend=dict(orientation="h", yanchor="top", y=-0.25, x=0, title=None),  # below: never clipped, phone-wide
    )


def lung_share_figure(shares) -> go.Figure:
    """Box plots of the share of heat inside the lungs, per predicted class and method (escaped: from audit rows)."""
    shares = shares.assign(prediction=shares["prediction"].map(plot_text), method=shares["method"].map(plot_text))
    figure = px.box(
        shares,
        x="prediction",
        y="lung_share",
        color="method",
        points=False,
        labels={"lung_share": "share of heat inside the lungs", "prediction": "answer"},
    )
    figure.update_yaxes(range=[0, 1], tickformat=".0%")
    return _layout(figure, height=340, title="Where the maps look, per answer and method")


def localisation_figure(rows: list[dict], baselines: dict[str, float], value_label: str) -> go.Figure:
    """Bars per method (with 95% intervals) and the baselines as labelled dashed lines, so the floor always shows.

    rows: {"label", "value", "low", "high"}; baselines: label -> value on the same scale.
    """
    figure = go.Figure(
        go.Bar(
            x=[r["label"] for r in rows],
            y=[r["value"] for r in rows],
            error_y=dict(
                type="data",
                symmetric=False,
                array=[(r["high"] - r["value"]) if r.get("high") is not None else 0 for r in rows],
                arrayminus=[(r["value"] - r["low"]) if r.get("low") is not None else 0 for r in rows],
            ),
            marker_color="#1f77b4",
            text=[f"{r['value']:.2f}" for r in rows],
            textposition="inside",
            name="explanation method",
        )
    )
    # Baselines can sit at nearly the same height: their labels go to alternate ends so they never overprint.
    positions = ("top left", "top right", "bottom right")
    for (label, value), dash, position in zip(baselines.items(), ("dash", "dot", "dashdot"), positions):
        figure.add_hline(
            y=value,
            line_dash=dash,
            line_color="#d62728",
            annotation_text=f"{label}: {value:.2f}",
            annotation_position=position,
            annotation_bgcolor="rgba(255,255,255,0.8)",
        )
    figure.update_yaxes(title=value_label, rangemode="tozero")
    return _layout(figure, height=340, showlegend=False)


def reader_scores_figure(rows: list[dict], model_label: str) -> go.Figure:
    """Pointing game per reader (groups) and method (bars) for one model, with each reader's chance (a uniformly
    random point on the same marks: one value per reader, whatever the method) as a dark line across the group."""
    readers = list(dict.fromkeys(r["reader"] for r in rows))
    shown = [plot_text(reader) for reader in readers]
    figure = go.Figure()
    for method in dict.fromkeys(r["method_label"] for r in rows):
        mine = {r["reader"]: r["pointing_game"] for r in rows if r["method_label"] == method}
        figure.add_bar(
            x=shown,
            y=[mine.get(reader) for reader in readers],
            name=plot_text(method),
            hovertemplate="%{x}: %{y:.0%}<extra>" + plot_text(method) + "</extra>",
        )
    chance = {r["reader"]: r["chance"] for r in rows}
    figure.add_scatter(
        x=shown,
        y=[chance[reader] for reader in readers],
        mode="markers",
        name="chance",
        marker=dict(symbol="line-ew-open", size=60, color="#222", line=dict(width=3, color="#222")),
        hovertemplate="%{x}: chance %{y:.0%}<extra></extra>",
    )
    figure.update_yaxes(range=[0, 1], tickformat=".0%", title="peak on the reader's marks")
    return _layout(
        figure,
        height=340,
        barmode="group",
        title=f"{plot_text(model_label)}: pointing game by reader",
        legend=dict(orientation="h", y=-0.2),
    )
