"""What each explanation method is, for people: name, label, description, whether it reads a layer, and whether
it passed the model-randomisation sanity check in the shipped audit.

Importable without TensorFlow, so pages and tools can list the methods before (or without) loading a model.
Adding a method is one module (an `Explainer` subclass; a CAM method overrides only `cam_weights`) and one entry
here naming that module: the registry, the CLI's `--method`, the dashboard's pickers and the audits all read this
table. A test keeps the sanity verdicts in step with the explanation audit (`explanation_quality.json`).
"""

from __future__ import annotations

from dataclasses import dataclass

from model import config


@dataclass(frozen=True)
class MethodInfo:
    name: str
    label: str
    description: str
    uses_layer: bool
    passes_sanity: bool  # from the audit: does the map change when the model's top layers are randomised?
    module: str = ""  # the module whose Explainer subclass has this name (model.explain.registry imports it)
    # What the network must offer (model.network.base.Capabilities): "layers", "gradients"; () = forward passes only.
    needs: tuple[str, ...] = ()

    @property
    def menu_label(self) -> str:
        """The label as a picker shows it: methods that failed the sanity check carry the mark everywhere."""
        return self.label if self.passes_sanity else f"{self.label} (fails sanity check)"


METHODS: dict[str, MethodInfo] = {
    info.name: info
    for info in (
        MethodInfo(
            "gradcam",
            "Grad-CAM",
            "Weights each feature map of a convolutional layer by the average gradient of the class score.",
            uses_layer=True,
            passes_sanity=True,
            module="model.explain.gradcam",
            needs=("layers", "gradients"),
        ),
        MethodInfo(
            "gradcam++",
            "Grad-CAM++",
            "Like Grad-CAM, but weights positive gradients pixel by pixel, so several regions can light up.",
            uses_layer=True,
            passes_sanity=True,
            module="model.explain.gradcam_plus_plus",
            needs=("layers", "gradients"),
        ),
        MethodInfo(
            "layercam",
            "LayerCAM",
            "Weights every location by its own positive gradient; gives finer maps on earlier layers.",
            uses_layer=True,
            passes_sanity=True,
            module="model.explain.layercam",
            needs=("layers", "gradients"),
        ),
        MethodInfo(
            "scorecam",
            "Score-CAM",
            "Masks the image with each of the strongest feature maps and weights them by how much the class "
            f"score rises (top {config.SCORECAM_MAX_CHANNELS} channels). Uses no gradients.",
            uses_layer=True,
            passes_sanity=True,
            module="model.explain.scorecam",
            needs=("layers",),
        ),
        MethodInfo(
            "smoothgrad",
            "SmoothGrad",
            f"Gradient of the class score with respect to each pixel, averaged over {config.SMOOTHGRAD_SAMPLES} "
            "noisy copies of the image. Pixel-level, so it shows edges and texture rather than regions.",
            uses_layer=False,
            passes_sanity=False,
            module="model.explain.smoothgrad",
            needs=("gradients",),
        ),
        MethodInfo(
            "occlusion",
            "Occlusion",
            "Hides one square patch at a time and maps how much the class probability drops. Uses only forward "
            "passes, so it explains any model.",
            uses_layer=False,
            passes_sanity=True,
            module="model.explain.occlusion",
        ),
        MethodInfo(
            "rise",
            "RISE",
            f"Shows the model {config.RISE_MASKS} randomly masked copies of the film and weights each pixel by the "
            "class probability of the copies that kept it. Forward passes only: it explains any model.",
            uses_layer=False,
            passes_sanity=True,
            module="model.explain.rise",
        ),
    )
}


def method_names() -> list[str]:
    return list(METHODS)


def method_info(name: str) -> MethodInfo:
    if name not in METHODS:
        raise KeyError(f"Unknown explanation method {name!r}; choose one of {', '.join(METHODS)}.")
    return METHODS[name]


def label_of(name: str) -> str:
    """A method's label, or the name itself for a method this version does not know (an older audit file)."""
    return METHODS[name].label if name in METHODS else name
