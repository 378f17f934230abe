"""Archive audit: what scripts/audit_archive.py found over a whole folder of films, and which films to look at."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import charts, handoff
from dashboard.errors import ResourceError
from dashboard.model_files import get_audit
from dashboard.plain_text import plain
from model import config
from model.audit.results import (
    AuditResultsError,
    allowed_audit_folder,
    available_groupings,
    counts,
    film_bytes,
    film_roots,
    films_to_review,
    lung_shares,
    methods_in,
    prediction_mix,
    thumbnail_path,
)
from model.audit.schema import MethodColumns
from model.explain.catalog import label_of
from model.pacs.settings import PacsError


def pacs_film(key: str) -> handoff.FilmToOpen:
    """A PACS row's film, fetched from the PACS this server is configured for (never from an address in a row)."""
    from dashboard.explain.pacs_picker import pacs_client
    from model.pacs.values import parse_key

    client, ref = pacs_client(), parse_key(key)
    if client is None or ref is None:
        raise PacsError("This row's film is in a PACS, and this server has no PACS configured (CXR_DICOMWEB_URL).")
    return handoff.FilmToOpen(f"pacs-{ref.sop_uid[-24:]}.dcm", client.retrieve(ref))


def _short(path: str) -> str:
    """The last two path parts: enough to find a film, short enough for a phone."""
    parts = Path(path).parts
    return str(Path(*parts[-2:])) if len(parts) >= 2 else path


st.title("Archive audit")
st.caption(
    "Run the model over a whole archive with `python scripts/audit_archive.py FOLDER --out DIR`, then open DIR here: "
    "the answers by folder or device, where the heatmaps look, and the films that need a person's eye."
)
# Keyed, not given a value: a widget whose default changes between runs would be rebuilt and lose the typed path.
st.session_state.setdefault("audit_dir", str(config.AUDIT_DEFAULT_OUT))
typed = st.text_input("Audit output folder", key="audit_dir")
try:
    folder = str(allowed_audit_folder(typed))
    table = get_audit(folder)
except AuditResultsError as error:
    st.error(plain(str(error)), icon=":material/block:")
    st.stop()
except ResourceError as error:
    st.info(plain(str(error)))
    st.stop()

found = counts(table)
columns = st.columns(5)
columns[0].metric("Films", f"{found['films']:,}")
columns[1].metric("Answered", f"{found['answered']:,}")
columns[2].metric("Not answered", f"{found['not_answered']:,}", help="The chest-X-ray check stopped these films.")
columns[3].metric("With input warnings", f"{found['with_warnings']:,}")
columns[4].metric("Unreadable", f"{found['unreadable']:,}")

groupings = available_groupings(table)
by = st.radio("Group answers by", list(groupings), format_func=groupings.get, horizontal=True, key="audit_group")
mix = prediction_mix(table, by)
if by == "folder":
    mix["group"] = mix["group"].map(_short)
st.plotly_chart(charts.prediction_mix_figure(mix, groupings[by]), width="stretch", config=charts.CHART_CONFIG)

shares = lung_shares(table)
if len(shares):
    shares["method"] = shares["method"].map(label_of)
    st.plotly_chart(charts.lung_share_figure(shares), width="stretch", config=charts.CHART_CONFIG)
    st.caption(
        "Only films whose lung outline is plausible count here. A map spread at random would put about as much heat "
        "inside the lungs as the lungs' share of the film (typically 30–40%)."
    )

st.subheader("Films to look at")
review = films_to_review(table)
if review.empty:
    st.success("No film carries an input warning or a map off the lungs.")
else:
    st.caption(f"{len(review)} films carry an input warning or a heatmap that sits off the lungs.")
    shown = review[["path", "prediction", "reason"]].assign(path=review["path"].map(_short))
    st.dataframe(shown, hide_index=True, width="stretch", height=min(38 + 35 * len(shown), 400))
    review = review.reset_index(drop=True)
    row_id = st.selectbox(
        "Film", list(review.index), format_func=lambda i: _short(review.at[i, "path"]), key="audit_film"
    )
    row = review.loc[row_id]
    choice = str(row["path"])
    method = next(iter(methods_in(table)), None)
    thumbnail = thumbnail_path(Path(folder), row.get(MethodColumns(method).thumbnail, "")) if method else None
    left, right = st.columns([1, 2])
    if thumbnail is not None:
        left.image(str(thumbnail), caption=f"{label_of(method)} as audited", width="stretch")
    right.text(f"{Path(choice).name} — answer: {row['prediction'] or 'not answered'}; {row['reason']}.")
    if right.button("Open in Explain", icon=":material/search:", key="audit_open"):
        try:  # read by the row's own path, through the upload's size limit; decoded by the normal loader
            film = (
                pacs_film(choice)  # a PACS instance: fetched again from the configured PACS
                if choice.startswith("dicomweb:")
                else handoff.FilmToOpen(Path(choice).name, film_bytes(choice, roots=film_roots(Path(folder))))
            )
        except (AuditResultsError, PacsError) as error:
            right.error(plain(str(error)), icon=":material/block:")
        else:
            handoff.open_in_explain(film)

errors = table[table["error"].fillna("") != ""]
if len(errors):
    st.subheader("Unreadable files")
    st.dataframe(errors[["path", "error"]].assign(path=errors["path"].map(_short)), hide_index=True, width="stretch")
