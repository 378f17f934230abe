"""Score-CAM (Wang et al. 2020), the faster variant: gradient-free, from the strongest channels only."""

from __future__ import annotations

import keras
import numpy as np
from tf_keras_vis.scorecam import Scorecam

from model import config
from model.explain.base import Explainer


class ScorecamExplainer(Explainer):
    name = "scorecam"

    def __init__(self, model, max_channels: int = config.SCORECAM_MAX_CHANNELS, reference: bool = True) -> None:
        super().__init__(model, reference=True)  # no traced path yet: tf-keras-vis computes Score-CAM
        self.max_channels = max_channels
        self._visualiser = Scorecam(model, clone=True)
        # tf-keras-vis calls model.predict() without verbose=0; its progress bars would flood logs and the CLI.
        keras.config.disable_interactive_logging()

    def _compute(self, images: np.ndarray, score, layer: str | None) -> np.ndarray:
        # tf-keras-vis refuses a channel budget above the layer's width: early layers can be narrow.
        channels = int(self.model.get_layer(layer).output.shape[-1])
        return self._visualiser(
            score,
            images,
            penultimate_layer=layer,
            seek_penultimate_conv_layer=False,
            max_N=min(self.max_channels, channels),
            normalize_cam=False,
        )
