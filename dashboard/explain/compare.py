"""Compare-all: every method on one film, the region most of them share, and each verdict worded once."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.explain.controls import ExplainChoice, download_stem
from dashboard.state import analyse, prefetch
from dashboard.verdicts import show_details, show_verdict
from model import config
from model.explain import METHODS
from model.overlay import ViewSettings, encode_png, grid, render


def compare_ui(
    name: str, data: bytes, pixels, choice: ExplainChoice, view: ViewSettings, heading: list[str] | None = None
) -> None:
    """`heading`: the lines that label the downloaded picture (film and model); the class and answer are added."""
    from model.trust.agreement import agreement, consensus_region, pairwise_overlap
    from model.trust.wording import agreement_verdict, grouped

    anyway = st.session_state.get(f"explain_anyway::{name}", False)
    wanted = choice.requests(anyway)
    prefetch(data, name, wanted, background=False)
    columns = st.columns(len(wanted))
    maps, pictures, verdicts, rows = {}, [], {}, []
    lung_mask = None
    for column, request in zip(columns, wanted):
        info = METHODS[request.method]
        with st.spinner(f"{info.label}…"):
            result = analyse(data, name, request)
        maps[info.label] = result.heatmap
        answer = result.prediction
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
    probabilities = ", ".join(f"{label} {p:.0%}" for label, p in answer.probabilities.items()) if answer else ""
    summary = f"Each map explains: {result.target_class} - answer: {answer.label} ({probabilities})" if answer else ""
    st.download_button(
        "Download all methods (PNG)",
        encode_png(grid(pictures, [METHODS[r.method].menu_label for r in wanted], lines=[*(heading or []), summary])),
        f"{stem}_all_methods.png",
        "image/png",
        key="download_grid",
    )
