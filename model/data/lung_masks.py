"""The annotated lung-mask images (lung_masks/: image, mask, index.csv) as arrays: what the segmenter trains on and
what the explanation audit checks its lung shares against."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
from tqdm import tqdm

from model import config
from model.image_io import load_image_file
from model.preprocessing import to_model_input


@dataclass
class MaskData:
    images: np.ndarray  # (N, S, S, 1) float32 in [0, 1]
    masks: np.ndarray  # (N, S, S, 1) float32 {0, 1}
    names: list[str]


def load_mask_dataset(root: Path, size: int = config.SEGMENTER_IMAGE_SIZE) -> MaskData:
    index = pd.read_csv(root / "index.csv")
    images, masks = [], []
    for row in tqdm(index.itertuples(), total=len(index), desc="Reading lung masks", unit="img"):
        images.append(to_model_input(load_image_file(root / row.image).pixels, size))
        mask = cv2.imread(str(root / row.mask), cv2.IMREAD_GRAYSCALE)
        masks.append(
            (cv2.resize(mask, (size, size), interpolation=cv2.INTER_NEAREST) > 127).astype(np.float32)[..., None]
        )
    return MaskData(np.stack(images), np.stack(masks), index["image"].tolist())
