"""Score-CAM (Wang et al. 2020), the faster variant: gradient-free, from the strongest channels only."""

from __future__ import annotations

import functools

import keras
import numpy as np
from tf_keras_vis.scorecam import Scorecam

from model import config
from model.explain.base import Explainer
from model.explain.traced import score_cam_maps


class ScorecamExplainer(Explainer):
    name = "scorecam"

    def __init__(self, model, max_channels: int = config.SCORECAM_MAX_CHANNELS, reference: bool = False) -> None:
        super().__init__(model, reference=reference)
        self.max_channels = max_channels

    @functools.cached_property
    def _visualiser(self) -> Scorecam:
        # tf-keras-vis calls model.predict() without verbose=0; its progress bars would flood logs and the CLI.
        keras.config.disable_interactive_logging()
        return Scorecam(self.model, clone=True)

    def _compute(self, images: np.ndarray, score, layer: str | None) -> np.ndarray:
        # tf-keras-vis refuses a channel budget above the layer's width: early layers can be narrow.
        if not self.reference:
            targets = np.asarray(score.indices, dtype=np.int64)
            return score_cam_maps(self.network, images, targets, layer, self.max_channels)
        channels = int(self.model.get_layer(layer).output.shape[-1])
        return self._visualiser(
            score,
            images,
            penultimate_layer=layer,
            seek_penultimate_conv_layer=False,
            max_N=min(self.max_channels, channels),
            normalize_cam=False,
        )
