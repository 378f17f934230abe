"""Duplicate grouping and the split: no group may ever straddle two splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.data.dedupe import confirm_pairs, duplicate_groups, hamming_pairs, phash_bits, thumbnail_vector
from model.data.manifest import SOURCE_PEDIATRIC, patient_key
from model.data.splitting import assign_splits, mark_representatives
from tests.conftest import synthetic_radiograph


def test_hamming_pairs_finds_only_close_hashes():
    hashes = np.array([0b0000, 0b0011, 0b1111_0000, 0b0001], dtype=np.uint64)
    pairs = {(int(a), int(b)): int(d) for a, b, d in hamming_pairs(hashes, threshold=2)}
    assert pairs == {(0, 1): 2, (0, 3): 1, (1, 3): 1}


def test_recompressed_copy_is_a_duplicate_but_another_image_is_not():
    import cv2

    original = synthetic_radiograph(seed=1)
    u8 = np.round(original * 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", cv2.resize(u8, (200, 200)), [cv2.IMWRITE_JPEG_QUALITY, 40])
    copy = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)
    other = np.round(np.rot90(synthetic_radiograph(seed=2)) * 255).astype(np.uint8)
    hashes = np.array([phash_bits(u8), phash_bits(copy), phash_bits(other)], dtype=np.uint64)
    thumbs = np.stack([thumbnail_vector(image / 255.0, 32) for image in (u8, copy, other)])
    confirmed, _ = confirm_pairs(hamming_pairs(hashes, 64), thumbs, 0.97)
    assert {(int(a), int(b)) for a, b, _ in confirmed} == {(0, 1)}


def test_groups_join_pairs_transitively_and_by_patient():
    groups = duplicate_groups(6, [(0, 1), (1, 2)], same_patient=["a", "b", "c", "d", "e", "d"])
    assert groups[0] == groups[1] == groups[2]
    assert groups[3] == groups[5] != groups[4]
    assert len(set(groups)) == 3


def test_pediatric_patient_keys():
    assert patient_key(SOURCE_PEDIATRIC, "person12_bacteria_3.jpeg") == patient_key(
        SOURCE_PEDIATRIC, "person12_virus_9.jpeg"
    )
    assert patient_key(SOURCE_PEDIATRIC, "IM-0115-0001.jpeg") == patient_key(SOURCE_PEDIATRIC, "IM-0115-0002.jpeg")
    assert patient_key(SOURCE_PEDIATRIC, "IM-0115-0001.jpeg") != patient_key(SOURCE_PEDIATRIC, "IM-0116-0001.jpeg")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_duplicate_group_crosses_splits(seed):
    rng = np.random.default_rng(seed)
    n = 600
    table = pd.DataFrame(
        {
            "path": [f"img{i:04d}.png" for i in range(n)],
            "label": rng.choice(["COVID-19", "Normal", "Pneumonia"], n),
            "source": rng.choice(["a", "b"], n),
            "duplicate_group": rng.integers(0, 250, n),  # many groups with several members
        }
    )
    table["split"] = assign_splits(table, seed=seed)
    assert table.groupby("duplicate_group")["split"].nunique().max() == 1
    shares = table["split"].value_counts(normalize=True)
    assert abs(shares["train"] - 0.7) < 0.08 and abs(shares["test"] - 0.2) < 0.08
    assert (assign_splits(table, seed=seed) == table["split"]).all(), "split must be deterministic"


def test_one_representative_per_group():
    table = pd.DataFrame({"path": ["b", "a", "c"], "duplicate_group": [0, 0, 1]})
    assert mark_representatives(table).tolist() == [False, True, True]
