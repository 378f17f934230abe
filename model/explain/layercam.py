"""LayerCAM (Jiang et al. 2021): element-wise positive gradients, usable on earlier, finer layers."""

from __future__ import annotations

from tf_keras_vis.layercam import Layercam

from model.explain.gradcam import GradcamExplainer


class LayercamExplainer(GradcamExplainer):
    name = "layercam"
    visualiser_class = Layercam
