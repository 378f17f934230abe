"""A batch of paths to prepared films: read, hashed and decoded, a bad file becoming a row with its error.

The Ray job maps this over the archive in parallel tasks; it takes and returns plain column dicts of numpy arrays
(Ray Data's batch format), so it runs the same without Ray.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model import config
from model.audit.schema import DEVICE_COLUMNS
from model.gate.features import prepare_film
from model.image_io import (
    ImageLoadError,
    is_dicom,
    load_image_bytes,
    looks_like_bare_dicom,
    read_film_file,
    safe_dicom_metadata,
)
from model.provenance import sha256_of_bytes

RASTER_COLUMNS = ("colourfulness", "log_aspect", "dynamic_range")
# DICOM attributes an audit groups by; read through image_io's allow-list, so no patient tag can reach the output.


def decode_batch(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """{'path'[, 'sop_class']} -> one row per path: hash, format, size, device fields, model input and raster
    statistics, error. PACS instances (dicomweb: keys) are fetched a few at a time (DICOMWEB_FETCH_CONCURRENCY)."""
    paths = [str(path) for path in batch["path"]]
    classes = [str(c) for c in batch["sop_class"]] if "sop_class" in batch else [""] * len(paths)
    if any(path.startswith("dicomweb:") for path in paths):
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(config.DICOMWEB_FETCH_CONCURRENCY) as pool:
            rows = list(pool.map(decode_one, paths, classes))
    else:
        rows = [decode_one(path) for path in paths]
    side = config.IMAGE_SIZE
    return (
        {
            **{key: np.array([row[key] for row in rows]) for key in rows[0] if key != "model_input"},
            "model_input": np.stack([row["model_input"] for row in rows]).reshape(len(rows), side, side, 1),
        }
        if rows
        else {"path": np.array([], dtype=str)}
    )


def decode_one(path: str, sop_class: str = "") -> dict[str, object]:
    side = config.IMAGE_SIZE
    row: dict[str, object] = {
        "path": path,
        "folder": str(Path(path).parent),
        "sha256": "",
        "error": "",
        "source_format": "",
        "bit_depth": 0,
        "width": 0,
        "height": 0,
        "study_uid": "",
        "series_uid": "",
        "sop_uid": "",
        **{column: "" for column in DEVICE_COLUMNS},
        **{column: 0.0 for column in RASTER_COLUMNS},
        "model_input": np.zeros((side, side, 1), np.float32),
    }
    name = Path(path).name
    try:
        if path.startswith("dicomweb:"):
            from model.audit.pacs_fetch import fetch_instance
            from model.pacs.values import parse_key

            ref = parse_key(path)
            if ref is not None:
                row.update(folder="", study_uid=ref.study_uid, series_uid=ref.series_uid, sop_uid=ref.sop_uid)
                name = ref.sop_uid
            data = fetch_instance(path, sop_class)  # a permanent fault is a row; the PACS gone ends the job
        else:
            data = read_film_file(path)  # stat before a byte is read: devices, pipes and huge files become rows
    except ImageLoadError as error:
        return {**row, "error": str(error)}
    row["sha256"] = sha256_of_bytes(data)
    try:
        image = load_image_bytes(data, name, config.AUDIT_WORKING_SIDE)  # only the model's input is needed
        film = prepare_film(image)
    except ImageLoadError as error:
        return {**row, "error": str(error)}
    except MemoryError:
        return {**row, "error": f"{name}: not enough memory to decode this file."}
    except Exception as error:  # one strange file must not end an archive-wide job
        return {**row, "error": f"{name}: could not be decoded ({type(error).__name__})."}
    if is_dicom(data) or looks_like_bare_dicom(data):
        tags = safe_dicom_metadata(data)
        row.update({column: tags.get(keyword, "") for column, keyword in DEVICE_COLUMNS.items()})
    width, height = image.original_size or image.size
    row.update(
        source_format=image.source_format,
        bit_depth=int(image.bit_depth),
        width=int(width),
        height=int(height),
        model_input=film.model_input.astype(np.float32),
        **{column: float(film.raster[column]) for column in RASTER_COLUMNS},
    )
    return row
