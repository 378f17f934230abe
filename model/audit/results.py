"""Reading an audit's output folder back: every Parquet part as one table, and what is already done."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from model import config
from model.audit.schema import MethodColumns
from model.audit.schema import methods_in as schema_methods_in


class AuditResultsError(ValueError):
    """The folder holds no audit (or an unreadable one)."""


def allowed_audit_folder(text: str, roots: list[Path] | None = None) -> Path:
    """The audit folder a page may open: inside one of the configured roots (after resolving links), else an error
    that names the roots and the setting that adds one."""
    roots = roots if roots is not None else config.audit_roots()
    folder = Path(text).expanduser()
    if not folder.is_absolute():
        folder = config.REPO_ROOT / folder
    resolved = folder.resolve()
    for root in roots:
        if resolved == root.resolve() or root.resolve() in resolved.parents:
            return resolved
    raise AuditResultsError(
        f"Audit folders are opened only under {', '.join(str(r) for r in roots)}; add a root with "
        f"${config.AUDIT_ROOTS_ENV}."
    )


def film_roots(audit_folder: Path | None = None) -> list[Path]:
    """Where an audit row's film may be read from by the page: the audit roots, the shared data and the audit's own
    folder. A row's `path` is data in a file anyone could have written, not an instruction to read any file."""
    return [*config.audit_roots(), config.data_dir(), *([Path(audit_folder)] if audit_folder is not None else [])]


def _inside(path: Path, roots: list[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved == root.resolve() or root.resolve() in resolved.parents for root in roots)


def film_bytes(path: str, limit: int | None = None, roots: list[Path] | None = None) -> bytes:
    """An audited film's bytes for the Explain page, read only inside `roots` (film_roots()) and through the
    loader's own checks (a regular file within the upload's size limit); AuditResultsError says why not."""
    from model.image_io import ImageLoadError, read_film_file

    film, roots = Path(path), roots or film_roots()
    if not film.is_absolute() or not _inside(film, roots):
        raise AuditResultsError(
            f"{film.name} is not readable from this server (the audit saw it at a path this server does not have or "
            f"does not serve; films are opened under {', '.join(str(r) for r in roots)}, and "
            f"${config.AUDIT_ROOTS_ENV} adds a root): open the audit where the archive is mounted."
        )
    try:
        return read_film_file(film, limit)
    except ImageLoadError as error:
        raise AuditResultsError(str(error)) from None


def thumbnail_path(out: Path, name: object) -> Path | None:
    """A row's thumbnail, by its base name inside the audit's thumbnail folder (an absolute or '../' name in a row
    would otherwise point anywhere); None when there is none."""
    base = Path(str(name or "")).name
    if not base or base in (".", ".."):
        return None
    path = thumbnails_folder(out) / base
    return path if path.is_file() and _inside(path, [thumbnails_folder(out)]) else None


def rows_folder(out: Path) -> Path:
    return Path(out) / config.AUDIT_ROWS_FOLDER


def thumbnails_folder(out: Path) -> Path:
    return Path(out) / config.AUDIT_THUMBNAILS_FOLDER


def load_audit(out: Path) -> pd.DataFrame:
    """All rows of an audit, one per film; a film audited twice (two runs) keeps its latest row."""
    parts = sorted(rows_folder(out).glob("*.parquet"), key=lambda p: p.stat().st_mtime)
    if not parts:
        raise AuditResultsError(f"{out}: no audit here (no Parquet files under {config.AUDIT_ROWS_FOLDER}/).")
    tables = []
    for part in parts:
        try:
            tables.append(pd.read_parquet(part))
        except Exception:  # a part cut short (the job was killed while writing it): its films count as not done
            continue
    if not tables:
        raise AuditResultsError(f"{out}: none of the audit's Parquet files can be read.")
    return pd.concat(tables, ignore_index=True).drop_duplicates("path", keep="last").reset_index(drop=True)


def audited_paths(out: Path) -> set[str]:
    """Paths with a row already (films that failed included: a rerun does not retry them; delete their rows to)."""
    try:
        return set(load_audit(out)["path"])
    except AuditResultsError:
        return set()


def audit_models(out: Path) -> set[str]:
    """The registry ids of the models whose rows the folder holds (empty for none, or rows from before ids)."""
    try:
        table = load_audit(out)
    except AuditResultsError:
        return set()
    return set(table["model"].dropna().astype(str)) - {""} if "model" in table else set()


def methods_in(table: pd.DataFrame) -> list[str]:
    """The explanation methods an audit ran, from its columns."""
    return schema_methods_in(table.columns)


GROUPINGS: dict[str, str] = {
    "folder": "Folder",
    "manufacturer": "DICOM manufacturer",
    "device_model": "DICOM device model",
    "view": "DICOM view position",
}


def available_groupings(table: pd.DataFrame) -> dict[str, str]:
    """The groupings this audit can show: folder always, DICOM fields only where some film has them."""
    return {
        column: label
        for column, label in GROUPINGS.items()
        if column == "folder" or (column in table and (table[column].fillna("") != "").any())
    }


NOT_ANSWERED = "Not answered"  # the chest-X-ray check stopped the film
UNREADABLE = "Unreadable"


def outcome(table: pd.DataFrame) -> pd.Series:
    """Per film: its prediction, or NOT_ANSWERED (stopped by the gate) or UNREADABLE."""
    answered = table["prediction"].fillna("")
    return answered.where(answered != "", NOT_ANSWERED).where(table["error"].fillna("") == "", UNREADABLE)


def counts(table: pd.DataFrame) -> dict[str, int]:
    """The audit's headline numbers: films, answered, not answered, with input warnings, unreadable."""
    outcomes = outcome(table)
    return {
        "films": len(table),
        "answered": int((~outcomes.isin([NOT_ANSWERED, UNREADABLE])).sum()),
        "not_answered": int((outcomes == NOT_ANSWERED).sum()),
        "with_warnings": int((table["warning_codes"].fillna("") != "").sum()),
        "unreadable": int((outcomes == UNREADABLE).sum()),
    }


def prediction_mix(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """Films per (group, outcome): the long table the stacked bars draw; blank groups read '(not recorded)'."""
    groups = table[by].fillna("").replace("", "(not recorded)")
    counts = pd.DataFrame({"group": groups, "outcome": outcome(table)}).value_counts().rename("films")
    return counts.reset_index().sort_values(["group", "outcome"], ignore_index=True)


def lung_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Long table (prediction, method, lung_share) over answered films with a plausible lung outline."""
    usable = table[(table["prediction"].fillna("") != "") & table["lung_mask_plausible"].fillna(False).astype(bool)]
    frames = [
        pd.DataFrame(
            {
                "prediction": usable["prediction"],
                "method": method,
                "lung_share": usable[MethodColumns(method).lung_share],
            }
        )
        for method in methods_in(table)
    ]
    shares = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["prediction", "method", "lung_share"])
    )
    return shares.dropna(subset=["lung_share"])


def films_to_review(table: pd.DataFrame) -> pd.DataFrame:
    """Answered or stopped films with an input warning, or whose map sits off the lungs ('bad' lung-share level)."""
    readable = table[table["error"].fillna("") == ""]
    off_lungs = pd.Series(False, index=readable.index)
    for method in methods_in(table):
        off_lungs |= readable[MethodColumns(method).level].fillna("") == "bad"
    flagged = readable[(readable["warning_codes"].fillna("") != "") | off_lungs].copy()
    flagged["reason"] = [
        "; ".join(filter(None, [codes.replace(";", ", ").replace("_", " "), "heat off the lungs" if off else ""]))
        for codes, off in zip(flagged["warning_codes"].fillna(""), off_lungs[flagged.index])
    ]
    return flagged
