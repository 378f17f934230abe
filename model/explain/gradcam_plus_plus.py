"""Grad-CAM++ (Chattopadhay et al. 2018): higher-order gradient weights, better for several instances."""
from __future__ import annotations

from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus

from model.explain.gradcam import GradcamExplainer


class GradcamPlusPlusExplainer(GradcamExplainer):
    name = "gradcam++"
    label = "Grad-CAM++"
    description = "Like Grad-CAM, but weights positive gradients pixel by pixel, so several regions can light up."
    visualiser_class = GradcamPlusPlus
