"""Group-aware, stratified train/validation/test split.

Whole duplicate groups are assigned to one side, so a picture and its copy can
never be on both sides of the split; within each (class, source) stratum the
groups are shuffled with a fixed seed and filled up to the target fractions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model import config


def assign_splits(
    table: pd.DataFrame,
    fractions: dict[str, float] = config.SPLIT_FRACTIONS,
    seed: int = config.SEED,
) -> pd.Series:
    """Return a split name per row of `table` (needs label, source, duplicate_group)."""
    if abs(sum(fractions.values()) - 1.0) > 1e-9:
        raise ValueError(f"Split fractions must sum to 1, got {fractions}.")
    rng = np.random.default_rng(seed)
    names = list(fractions)
    bounds = np.cumsum([fractions[name] for name in names])

    groups = table.groupby("duplicate_group", sort=True)
    # A group's stratum is that of its most common (label, source) pair.
    stratum_of = groups.apply(lambda g: g[["label", "source"]].value_counts().idxmax(), include_groups=False)
    size_of = groups.size()

    split_of_group: dict[int, str] = {}
    for stratum in sorted(set(stratum_of)):
        members = stratum_of.index[stratum_of == stratum].to_numpy()
        members = members[rng.permutation(len(members))]
        sizes = size_of.loc[members].to_numpy()
        # Midpoint rule: a group goes to the split in which the middle of its images falls.
        midpoints = (np.cumsum(sizes) - sizes / 2) / sizes.sum()
        for group, position in zip(members, midpoints):
            split_of_group[int(group)] = names[min(int(np.searchsorted(bounds, position)), len(names) - 1)]
    return table["duplicate_group"].map(split_of_group).rename("split")


def mark_representatives(table: pd.DataFrame) -> pd.Series:
    """True for the first image (by path) of each duplicate group: evaluation counts each picture once."""
    first = table.sort_values("path").groupby("duplicate_group")["path"].transform("first")
    return (table["path"] == first.reindex(table.index)).rename("representative")
