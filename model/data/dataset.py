"""Arrays for one split, from the preprocessed cache or, failing that, straight from the images.

Training and evaluation read the same preprocessed inputs the dashboard
computes for an upload (model.preprocessing), so nothing differs between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from model import config
from model.data.manifest import load_splits
from model.image_io import load_image_file
from model.preprocessing import to_model_input


@dataclass
class SplitArrays:
    """Model inputs (N, S, S, 1) float32 in [0, 1], integer labels, and the table rows they came from."""

    images: np.ndarray
    labels: np.ndarray
    table: pd.DataFrame


def label_indices(labels: pd.Series) -> np.ndarray:
    return labels.map({name: i for i, name in enumerate(config.CLASS_NAMES)}).to_numpy(dtype=np.int64)


def select_rows(
    split: str, representatives_only: bool, limit_per_class: int | None = None, seed: int = config.SEED
) -> pd.DataFrame:
    """Rows of the split table; optionally one image per duplicate group and a per-class cap (random, seeded)."""
    table = load_splits()
    rows = table[table["split"] == split]
    if representatives_only:
        rows = rows[rows["representative"]]
    if limit_per_class is not None:
        shuffled = rows.sample(frac=1.0, random_state=seed)
        rows = shuffled.groupby("label").head(limit_per_class)
    return rows.sort_values("path").reset_index(drop=True)


def load_inputs(rows: pd.DataFrame, data_root: Path | None = None, use_cache: bool = True) -> np.ndarray:
    """Model inputs for the given rows: from cache/ when it has them all, else read and preprocess each image."""
    cache_file = config.image_cache_path()
    if use_cache and cache_file.is_file():
        cached = np.load(cache_file)
        where = {path: i for i, path in enumerate(cached["paths"])}
        if all(path in where for path in rows["path"]):
            images = cached["images"][[where[path] for path in rows["path"]]]
            return (images.astype(np.float32) / 255.0)[..., None]
    root = data_root or config.data_dir()
    inputs = np.zeros((len(rows), config.IMAGE_SIZE, config.IMAGE_SIZE, 1), dtype=np.float32)
    for i, path in enumerate(tqdm(rows["path"], desc="Preprocessing images", unit="img")):
        # Round-trip through uint8 exactly as the cache does, so both paths give identical inputs.
        model_input = to_model_input(load_image_file(root / path).pixels)
        inputs[i] = np.round(model_input * 255.0) / 255.0
    return inputs


def load_split(
    split: str, representatives_only: bool = False, limit_per_class: int | None = None, use_cache: bool = True
) -> SplitArrays:
    rows = select_rows(split, representatives_only, limit_per_class)
    return SplitArrays(images=load_inputs(rows, use_cache=use_cache), labels=label_indices(rows["label"]), table=rows)
