"""A miniature copy of the data layout, made of synthetic radiographs, for end-to-end pipeline tests.

Same folder names and index files as the public releases (and ../shared/data), a few films per class and source,
so data preparation, training and evaluation run in seconds without any real image.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from model import config
from tests.conftest import synthetic_radiograph


def _write(path: Path, gray: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.round(gray * 255).astype(np.uint8))


def _film(seed: int, label: int) -> np.ndarray:
    """A synthetic film whose class leaves a visible mark (a bright blob in one lung for the two diseases).

    Random structures of its own make each film a different picture, so the duplicate finder keeps them apart.
    """
    image = synthetic_radiograph(224, 224, seed=seed)
    rng = np.random.default_rng(1000 + seed)
    for _ in range(6):
        centre = tuple(int(v) for v in rng.integers(10, 214, 2))
        axes = tuple(int(v) for v in rng.integers(8, 60, 2))
        cv2.ellipse(image, centre, axes, float(rng.uniform(0, 180)), 0, 360, float(rng.uniform(0, 1)), -1)
    if label:
        centre = (70, 120) if label == 1 else (150, 120)
        cv2.circle(image, centre, 18, 0.9, -1)
    return image


def make_data_root(root: Path, per_folder: int = 6) -> Path:
    """Radiography COVID/Normal, pediatric train/test NORMAL/PNEUMONIA, NIH adults and an external set."""
    seed = 0
    for folder, label in (("COVID", 1), ("Normal", 0)):
        for i in range(per_folder):
            _write(root / config.RADIOGRAPHY_SUBDIR / folder / f"{folder}-{i + 1}.png", _film(seed := seed + 1, label))
    for part in ("train", "test"):
        for folder, label in (("NORMAL", 0), ("PNEUMONIA", 2)):
            for i in range(per_folder // 2):
                name = f"person{seed + 1}_bacteria_{i}.jpeg" if label else f"IM-{seed + 1:04d}-0001.jpeg"
                _write(root / config.PEDIATRIC_SUBDIR / part / folder / name, _film(seed := seed + 1, label))
    # A Radiography "Normal" that is a copy of a pediatric film: the pipeline must call it a child's.
    child = root / config.PEDIATRIC_SUBDIR / "train" / "NORMAL"
    copy_source = sorted(child.iterdir())[0]
    _write(root / config.RADIOGRAPHY_SUBDIR / "Normal" / "Normal-999.png", cv2.imread(str(copy_source), 0) / 255.0)
    lines = ["image,label,patient,age,sex,view,nih_labels"]
    for i in range(per_folder * 2):
        label = "normal" if i % 2 == 0 else "pneumonia"
        patient = f"nih-{i // 2}"  # each patient has one normal and one pneumonia film
        _write(root / config.NIH_ADULT_SUBDIR / label / f"{i:08d}_000.png", _film(seed := seed + 1, 2 * (i % 2)))
        lines.append(f"{label}/{i:08d}_000.png,{label},{patient},50,F,{'AP' if i % 3 else 'PA'},x")
    (root / config.NIH_ADULT_SUBDIR / config.INDEX_FILENAME).write_text("\n".join(lines) + "\n")
    lines = ["image,source,label,patient,view"]
    for i in range(8):
        label = "COVID-19" if i % 2 else "Normal"
        _write(root / config.EXTERNAL_SUBDIR / "hospital" / f"e{i}.png", _film(seed := seed + 1, int(i % 2)))
        lines.append(f"hospital/e{i}.png,{'a' if i < 4 else 'b'},{label},p{i},")
    (root / config.EXTERNAL_SUBDIR / config.INDEX_FILENAME).write_text("\n".join(lines) + "\n")
    return root
