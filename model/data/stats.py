"""Figures about the dataset that the dashboard shows without needing the images.

Accumulates, image by image, what `assets/dataset_stats.json` holds: counts per
class x split x source, duplicates, sizes and formats, and per-class intensity
histograms with mean and standard deviation (of the raw pixels, before any
normalisation, because the differences between sources are the point).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model import config


@dataclass
class IntensityAccumulator:
    """Running histogram, mean and std of pixel intensities in [0, 1]."""

    bins: int = config.INTENSITY_HISTOGRAM_BINS
    counts: np.ndarray = field(init=False)
    total: float = 0.0
    total_sq: float = 0.0
    pixels: int = 0

    def __post_init__(self) -> None:
        self.counts = np.zeros(self.bins, dtype=np.int64)

    def add(self, gray: np.ndarray) -> None:
        self.counts += np.histogram(gray, bins=self.bins, range=(0.0, 1.0))[0]
        self.total += float(gray.sum(dtype=np.float64))
        self.total_sq += float(np.square(gray, dtype=np.float64).sum())
        self.pixels += gray.size

    def summary(self) -> dict[str, object]:
        mean = self.total / max(self.pixels, 1)
        std = float(np.sqrt(max(self.total_sq / max(self.pixels, 1) - mean**2, 0.0)))
        density = self.counts / max(self.counts.sum(), 1)
        return {
            "bin_edges": np.linspace(0, 1, self.bins + 1).round(6).tolist(),
            "density": density.round(6).tolist(),
            "mean": round(mean, 6),
            "std": round(std, 6),
        }


def build_stats(
    table: pd.DataFrame,
    intensity: dict[str, IntensityAccumulator],
    sizes: list[tuple[int, int]],
    formats: list[str],
    duplicate_pairs: int,
) -> dict[str, object]:
    """Assemble the JSON document from the split table and the per-image readings."""
    counts = (
        table.groupby(["label", "split", "source", "age_group"])
        .size()
        .reset_index(name="count")
        .to_dict(orient="records")
    )
    group_sizes = table.groupby("duplicate_group").size()
    by_class_format: dict[str, Counter] = defaultdict(Counter)
    for label, image_format in zip(table["label"], formats):
        by_class_format[label][image_format] += 1
    size_counter = Counter(f"{w}x{h}" for w, h in sizes)
    cross_split = table.groupby("duplicate_group")["split"].nunique().gt(1).sum()
    return {
        "schema_version": config.DATASET_STATS_SCHEMA_VERSION,
        "computed_on": "all images listed in assets/splits.csv",
        "class_names": list(config.CLASS_NAMES),
        "total_images": int(len(table)),
        "counts": counts,
        "duplicates": {
            "method": "64-bit pHash candidates (Hamming <= "
            f"{config.DUPLICATE_HAMMING_CANDIDATE}) confirmed by 32x32 thumbnail correlation >= "
            f"{config.DUPLICATE_MIN_CORRELATION}; images of one pediatric patient also grouped",
            "near_duplicate_pairs": int(duplicate_pairs),
            "groups": int(group_sizes.size),
            "groups_with_copies": int((group_sizes > 1).sum()),
            "images_in_groups_with_copies": int(group_sizes[group_sizes > 1].sum()),
            "redundant_copies": int(len(table) - group_sizes.size),
            "groups_crossing_splits": int(cross_split),
            "groups_mixing_labels": int(table.groupby("duplicate_group")["label"].nunique().gt(1).sum()),
        },
        "by_class_source_age": (
            table.groupby(["label", "source", "age_group"]).size().reset_index(name="count").to_dict(orient="records")
        ),
        "views_by_source": {
            str(source): {str(view): int(n) for view, n in rows["view"].value_counts().items()}
            for source, rows in table.groupby("source")
        },
        "image_sizes": dict(size_counter.most_common(20)),
        "formats_by_class": {label: dict(counter) for label, counter in by_class_format.items()},
        "intensity_by_class": {label: acc.summary() for label, acc in sorted(intensity.items())},
    }
