"""Where the film comes from: uploads, one-click examples, the dataset, a film another page opened; decoding
every file with one sentence for each bad one; the table of a batch."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import handoff
from dashboard.errors import ResourceError
from dashboard.model_choice import current_model_id
from dashboard.model_files import chosen_metrics, get_splits, images_available, missing_images_note
from dashboard.plain_text import plain
from dashboard.state import decode, predict_only
from model import config
from model.image_io import ImageLoadError
from model.text_safety import spreadsheet_safe

# Any file may be chosen: hospital DICOM exports often have no extension, and the loader names what a wrong
# file is (a PDF, an archive, a text) better than a greyed-out file picker does.
UPLOAD_TYPES = None
SESSION_FILMS_KEY = "session_film_hashes"  # the distinct films this session has uploaded, for its quota


def upload_ui() -> list[tuple[str, bytes]]:
    files = st.file_uploader(
        "Upload one or more chest X-rays (PNG, JPEG or DICOM)",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key="upload",
        help="Files stay in this browser session's memory; they are never written to disk or logged.",
    )
    return within_quotas(unique_names([(f.name, f.getvalue()) for f in files or []]))


def within_quotas(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The files of one upload within the session's quotas (config.MAX_FILES_PER_UPLOAD, MAX_FILMS_PER_SESSION);
    what is left out is named in one sentence, never dropped silently."""
    from dashboard.film_cache import FilmCache

    kept, left_out = files[: config.MAX_FILES_PER_UPLOAD], [name for name, _ in files[config.MAX_FILES_PER_UPLOAD :]]
    if left_out:
        st.warning(
            f"{len(files)} files were uploaded at once; the first {config.MAX_FILES_PER_UPLOAD} are opened. Upload "
            f"the other {len(left_out)} ({plain(', '.join(left_out[:3]))}{', …' if len(left_out) > 3 else ''}) "
            "in another batch, or audit a whole folder with scripts/audit_archive.py."
        )
    seen: set[str] = st.session_state.setdefault(SESSION_FILMS_KEY, set())
    allowed, refused = [], []
    for name, data in kept:
        digest = FilmCache.key(data)  # films counted as the cache keys them: by content
        if digest in seen or len(seen) < config.MAX_FILMS_PER_SESSION:
            seen.add(digest)
            allowed.append((name, data))
        else:
            refused.append(name)
    if refused:
        st.error(
            f"This session has opened {config.MAX_FILMS_PER_SESSION} different films, its limit; "
            f"{plain(', '.join(refused[:3]))}{' and others' if len(refused) > 3 else ''} not opened. Reload the page "
            "to start a new session, or audit a whole folder with scripts/audit_archive.py."
        )
    return allowed


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
        predictions = chosen_metrics(current_model_id())["predictions"]
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
            handoff.choose(handoff.FilmToOpen(path))
    return opened_film()


def opened_film() -> list[tuple[str, bytes]]:
    """The film an example button or another page opened here (the Evaluation gallery, the Archive audit)."""
    film = handoff.waiting_film()
    return [film.read()] if film is not None else []


def _test_predictions() -> pd.DataFrame | None:
    try:
        metrics = chosen_metrics(current_model_id())
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
                **{f"P({k})": round(v, 4) for k, v in probabilities.items()},
                "warnings": "; ".join(f"{w.code}: {w.message}" for w in answer.warnings),
            }
        )
    table = pd.DataFrame(rows)
    st.subheader(f"{len(rows)} images")
    st.dataframe(table, hide_index=True, width="stretch")
    safe = table.map(spreadsheet_safe)  # a file called "=HYPERLINK(...)" stays text in a spreadsheet
    st.download_button("Download predictions (CSV)", safe.to_csv(index=False).encode(), "predictions.csv", "text/csv")
    names = table["file"].tolist()
    seen = st.session_state.get("inspect_seen", [])
    added = [name for name in names if name not in seen]
    if added:  # a new upload opens at once: the newest film is the one a person wants to see
        st.session_state["inspect"] = added[-1]
    st.session_state["inspect_seen"] = names
    return st.selectbox("Inspect", names, key="inspect")
