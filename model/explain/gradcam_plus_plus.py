"""Grad-CAM++ (Chattopadhay et al. 2018): higher-order gradient weights, better for several instances."""

from __future__ import annotations

from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus

from model.explain.gradcam import GradcamExplainer


class GradcamPlusPlusExplainer(GradcamExplainer):
    name = "gradcam++"
    visualiser_class = GradcamPlusPlus
