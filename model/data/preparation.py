"""The data-preparation pipeline: read every image once, dedupe, split, summarise, cache.

One pass over the images computes everything that needs pixels (perceptual
hash, size, format, intensity histogram, the preprocessed model input); the
rest works on the table. Outputs: `assets/splits.csv`, `assets/dataset_stats.json`
(committed: names, labels and figures only) and a cache of preprocessed arrays
under `cache/` (never committed: it is derived from the images).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from model import config
from model.data.dedupe import confirm_pairs, duplicate_groups, hamming_pairs, phash_bits, thumbnail_vector
from model.data.manifest import (
    LabelledFolder,
    age_groups_from_duplicates,
    build_manifest,
    nih_rows,
    pediatric_folders,
    radiography_folders,
)
from model.data.splitting import assign_splits, mark_representatives
from model.data.stats import IntensityAccumulator, build_stats
from model.image_io import ImageLoadError, load_image_file
from model.preprocessing import to_model_input


def _folders(
    radiography_dir: Path, pediatric_dir: Path, nih_dir: Path | None
) -> tuple[Path, list[LabelledFolder], list]:
    dirs = [d.resolve() for d in (radiography_dir, pediatric_dir, nih_dir) if d is not None]
    root = Path(os.path.commonpath([d.parent for d in dirs]))
    rad, ped = (d.relative_to(root).as_posix() for d in dirs[:2])
    extra = nih_rows(root, nih_dir.resolve().relative_to(root).as_posix()) if nih_dir is not None else []
    return root, radiography_folders(rad) + pediatric_folders(ped), extra


def prepare_dataset(
    radiography_dir: Path, pediatric_dir: Path, nih_dir: Path | None = None, show_pairs_dir: Path | None = None
) -> dict[str, object]:
    """Without `nih_dir` (a user without the NIH adults) the table holds the two public releases only."""
    data_root, folders, extra_rows = _folders(radiography_dir, pediatric_dir, nih_dir)
    table = build_manifest(data_root, folders, extra_rows)

    hashes = np.zeros(len(table), dtype=np.uint64)
    sizes: list[tuple[int, int]] = []
    formats: list[str] = []
    thumbnails = np.zeros((len(table), config.DUPLICATE_THUMBNAIL_SIZE**2), dtype=np.float32)
    inputs = np.zeros((len(table), config.IMAGE_SIZE, config.IMAGE_SIZE), dtype=np.uint8)
    intensity: dict[str, IntensityAccumulator] = defaultdict(IntensityAccumulator)
    unreadable: list[str] = []
    for index, row in enumerate(tqdm(table.itertuples(), total=len(table), desc="Reading images", unit="img")):
        try:
            image = load_image_file(data_root / row.path)
        except ImageLoadError as error:
            unreadable.append(str(error))
            sizes.append((0, 0))
            formats.append("unreadable")
            continue
        gray_u8 = np.round(image.pixels * 255).astype(np.uint8)
        hashes[index] = phash_bits(gray_u8)
        thumbnails[index] = thumbnail_vector(image.pixels, config.DUPLICATE_THUMBNAIL_SIZE)
        sizes.append(image.size)
        formats.append(image.source_format)
        intensity[row.label].add(image.pixels)
        inputs[index] = np.round(to_model_input(image.pixels)[..., 0] * 255).astype(np.uint8)

    readable = np.array([f != "unreadable" for f in formats])
    candidates = hamming_pairs(hashes[readable], config.DUPLICATE_HAMMING_CANDIDATE)
    pairs, correlation = confirm_pairs(candidates, thumbnails[readable], config.DUPLICATE_MIN_CORRELATION)
    readable_index = np.flatnonzero(readable)
    pairs_global = [(readable_index[a], readable_index[b]) for a, b, _ in pairs]
    table["duplicate_group"] = duplicate_groups(len(table), pairs_global, same_patient=table["patient"].tolist())
    table = table[readable].reset_index(drop=True)
    table["age_group"] = age_groups_from_duplicates(table)
    keep = readable_index
    table["split"] = assign_splits(table)
    table["representative"] = mark_representatives(table)

    if show_pairs_dir is not None:
        _write_pair_sheets(show_pairs_dir, candidates, correlation, readable_index, inputs)

    config.ASSETS_DIR.mkdir(exist_ok=True)
    table.to_csv(config.SPLITS_PATH, index=False)
    stats = build_stats(
        table, dict(intensity), [sizes[i] for i in keep], [formats[i] for i in keep], duplicate_pairs=len(pairs)
    )
    stats["unreadable_files"] = unreadable
    picture_groups = duplicate_groups(len(readable_index), [(a, b) for a, b, _ in pairs])
    sources = table["source"].to_numpy()
    stats["duplicates"]["candidate_pairs"] = int(len(candidates))
    stats["duplicates"]["picture_copies_without_patient_grouping"] = int(len(picture_groups) - len(set(picture_groups)))
    stats["duplicates"]["pairs_across_sources"] = int(sum(sources[a] != sources[b] for a, b, _ in pairs))
    stats["duplicates"]["confirmed_pairs_by_hamming_distance"] = {
        int(d): int((pairs[:, 2] == d).sum())
        for d in range(config.DUPLICATE_HAMMING_CANDIDATE + 1)
        if (pairs[:, 2] == d).any()
    }
    config.DATASET_STATS_PATH.write_text(json.dumps(stats, indent=1))

    config.CACHE_DIR.mkdir(exist_ok=True)
    np.savez(config.image_cache_path(), paths=table["path"].to_numpy(dtype=str), images=inputs[keep])
    return {
        "images": len(table),
        "unreadable": len(unreadable),
        "duplicates": stats["duplicates"],
        "split_counts": {f"{s}/{label}": int(n) for (s, label), n in table.groupby(["split", "label"]).size().items()},
        "sources": {str(k): int(v) for k, v in table["source"].value_counts().items()},
        "age_groups": {str(k): int(v) for k, v in table["age_group"].value_counts().items()},
    }


def _write_pair_sheets(
    out_dir: Path, candidates: np.ndarray, correlation: np.ndarray, index: np.ndarray, inputs: np.ndarray
) -> None:
    """Candidate pairs side by side in bands of thumbnail correlation, to choose the threshold by eye (local only)."""
    import cv2

    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for low, high in ((0.99, 1.01), (0.97, 0.99), (0.95, 0.97), (0.93, 0.95)):
        chosen = np.flatnonzero((correlation >= low) & (correlation < high))
        chosen = chosen[rng.permutation(len(chosen))[:8]]
        if len(chosen) == 0:
            continue
        rows = [np.hstack([inputs[index[a]], inputs[index[b]]]) for a, b, _ in candidates[chosen]]
        cv2.imwrite(str(out_dir / f"pairs_correlation_{low:.2f}-{high:.2f}.png"), np.vstack(rows))
