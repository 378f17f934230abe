"""The archive audit as a Ray Data pipeline: list -> decode (parallel tasks) -> audit (actor pool) -> Parquet.

Embedded local Ray by default (nothing to start); `address` joins an existing cluster unchanged. Films already in
the output folder are skipped, so a stopped job resumes where its written parts end. The source is a folder, a CSV
of paths, or a PACS (PacsSource: its instances keyed dicomweb:STUDY/SERIES/SOP, fetched in the decode tasks).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from model import config
from model.audit.pacs_fetch import PacsSource
from model.audit.results import audit_models, audited_paths, rows_folder, thumbnails_folder
from model.audit.sources import AuditSourceError, archive_paths
from model.pacs.settings import PacsError


@dataclass
class AuditRun:
    listed: int  # films the source names
    skipped: int  # already in the output
    audited: int  # rows written by this run
    seconds: float

    @property
    def films_per_second(self) -> float:
        return self.audited / self.seconds if self.seconds > 0 else 0.0


def run_audit(
    source: Path | PacsSource,
    out: Path,
    address: str | None = None,
    workers: int = 1,
    batch_size: int = config.AUDIT_BATCH_SIZE,
    methods: tuple[str, ...] = config.AUDIT_METHODS,
    with_faithfulness: bool = False,
    thumbnails: bool = True,
    limit: int | None = None,
    model: str | None = None,
) -> AuditRun:
    import ray

    from model.audit.auditor import FilmAuditor
    from model.audit.decode import decode_batch

    started = time.perf_counter()
    from model.registry import RegistryError, resolve

    try:  # checked here: a worker failing to load it would be retried, not reported
        entry = resolve(model)
    except RegistryError as error:
        raise AuditSourceError(str(error)) from None
    if not entry.model_path.is_file():
        raise AuditSourceError(f"The classifier {entry.model_path} is missing; the audit needs the model file.")
    out = Path(out).absolute()
    earlier = audit_models(out)
    if earlier - {entry.id}:
        raise AuditSourceError(
            f"{out} holds an audit by model {', '.join(sorted(earlier))}; audit with model {entry.id} into another "
            "--out folder (a resumed audit must use one model)."
        )
    listed = _items(source)
    listed = listed[:limit] if limit else listed
    done = audited_paths(out)
    todo = [item for item in listed if item["path"] not in done]
    if not todo:
        return AuditRun(len(listed), len(listed), 0, time.perf_counter() - started)
    start_ray(address, workers)
    # Locally, the workers share this machine's cores; on a cluster each actor's num_cpus slot is its share.
    threads = max(1, (os.cpu_count() or 1) // workers) if address is None else 1
    rows_folder(out).mkdir(parents=True, exist_ok=True)
    dataset = ray.data.from_items(todo, override_num_blocks=_blocks(len(todo), batch_size))
    # Decoding asks for less than a CPU so Ray keeps it a separate task pool (not fused into the model actors):
    # files decode in parallel while the actors run the networks.
    # A PACS's address and sign-in reach the decode tasks through their runtime environment (only the password
    # file's path where one was given).
    reach = {"runtime_env": {"env_vars": source.worker_environment()}} if isinstance(source, PacsSource) else {}
    dataset = dataset.map_batches(decode_batch, batch_size=batch_size, batch_format="numpy", num_cpus=0.5, **reach)
    dataset = dataset.map_batches(
        FilmAuditor,
        fn_constructor_kwargs={
            "thumbnails": str(thumbnails_folder(out)) if thumbnails else None,
            "methods": tuple(methods),
            "with_faithfulness": with_faithfulness,
            "threads": threads,
            "model": str(model) if model is not None else None,
        },
        batch_size=batch_size,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=1,
    )
    dataset.write_parquet(str(rows_folder(out)), min_rows_per_file=batch_size)
    return AuditRun(len(listed), len(listed) - len(todo), len(todo), time.perf_counter() - started)


def _items(source: Path | PacsSource) -> list[dict[str, str]]:
    """What to audit, as Ray items: a folder's or CSV's paths, or a PACS's instances (keys and SOP classes)."""
    if isinstance(source, PacsSource):
        try:
            return source.items()
        except PacsError as error:
            raise AuditSourceError(str(error)) from None
    return [{"path": path, "sop_class": ""} for path in archive_paths(source)]


def _blocks(films: int, batch_size: int) -> int:
    """Blocks of about one batch: small enough to spread over workers, written as they finish (resumable)."""
    return max(1, -(-films // batch_size))


def start_ray(address: str | None, workers: int) -> None:
    """Join `address`, or start an embedded Ray sized to this machine with one spare CPU slot for decoding."""
    import ray

    if ray.is_initialized():
        return
    if address:
        ray.init(address=address, log_to_driver=False)
        return
    ray.init(
        num_cpus=max(os.cpu_count() or 1, workers + 1),
        object_store_memory=config.AUDIT_LOCAL_OBJECT_STORE_BYTES,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
    )
