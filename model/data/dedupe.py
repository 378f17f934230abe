"""Exact and near-duplicate detection: a perceptual hash proposes, a correlation confirms.

The curated data repeats pictures inside `COVID/` and across the Radiography
normals and the pediatric normals, under other names and re-encoded. A DCT
perceptual hash (imagehash.phash) survives resizing and recompression, but 64
bits cannot tell two children's radiographs apart, so hash neighbours are only
candidates; a pair is a duplicate when the normalised 32x32 thumbnails also
correlate strongly. Confirmed pairs are joined into duplicate groups
(union-find), and images of one patient are joined too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def phash_bits(gray_u8: np.ndarray) -> np.uint64:
    """64-bit perceptual hash of a grayscale uint8 image, packed into one integer."""
    import imagehash
    from PIL import Image

    bits = imagehash.phash(Image.fromarray(gray_u8)).hash.flatten()
    return np.uint64(int("".join("1" if b else "0" for b in bits), 2))


def hamming_pairs(hashes: np.ndarray, threshold: int, chunk: int = 512) -> np.ndarray:
    """All index pairs (i < j) whose hashes differ in at most `threshold` bits, shape (n, 3): i, j, distance."""
    hashes = np.asarray(hashes, dtype=np.uint64)
    found: list[np.ndarray] = []
    for start in range(0, len(hashes), chunk):
        block = hashes[start : start + chunk]
        distance = np.bitwise_count(block[:, None] ^ hashes[None, :])
        rows, cols = np.nonzero(distance <= threshold)
        rows = rows + start
        keep = rows < cols
        found.append(np.stack([rows[keep], cols[keep], distance[rows[keep] - start, cols[keep]]], axis=1))
    return np.concatenate(found) if found else np.empty((0, 3), dtype=np.int64)


def thumbnail_vector(gray: np.ndarray, size: int) -> np.ndarray:
    """A zero-mean, unit-variance vector of the image at size x size: the input of the correlation check."""
    import cv2

    small = cv2.resize(gray.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA).ravel()
    return ((small - small.mean()) / (small.std() + 1e-6)).astype(np.float32)


def confirm_pairs(pairs: np.ndarray, thumbnails: np.ndarray, min_correlation: float) -> tuple[np.ndarray, np.ndarray]:
    """Keep the candidate pairs whose thumbnails correlate at least `min_correlation`; also return every correlation."""
    if len(pairs) == 0:
        return pairs, np.empty(0, dtype=np.float32)
    correlation = np.einsum("ij,ij->i", thumbnails[pairs[:, 0]], thumbnails[pairs[:, 1]]) / thumbnails.shape[1]
    return pairs[correlation >= min_correlation], correlation


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def duplicate_groups(
    size: int, pairs: Iterable[tuple[int, int]], same_patient: Sequence[str] | None = None
) -> np.ndarray:
    """A group id per item: items joined by a pair, or sharing a patient key, share a group.

    Group ids are 0..k-1 in order of first appearance, so they are stable for a stable input order.
    """
    sets = UnionFind(size)
    for a, b in pairs:
        sets.union(int(a), int(b))
    if same_patient is not None:
        first_of: dict[str, int] = {}
        for index, key in enumerate(same_patient):
            sets.union(first_of.setdefault(key, index), index)
    roots = [sets.find(i) for i in range(size)]
    renumber: dict[int, int] = {}
    return np.array([renumber.setdefault(root, len(renumber)) for root in roots], dtype=np.int64)
