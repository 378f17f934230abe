"""Register your own model (Keras 3 .keras or ONNX .onnx) so the dashboard and the tools can explain it beside ours.

Usage: python scripts/add_model.py PATH --id ID --classes A,B,... [--size N] [--channels 1|3]
       [--recipe plain|clahe|lung_focus|clahe,lung_focus] [--scaling unit|byte|symmetric|imagenet|xrv]
       [--output softmax|sigmoid|logits] [--name TEXT] [--trained-on TEXT] [--date YYYY-MM-DD]
       [--exhibit] [--description TEXT] [--replace] [--no-figures]

ONNX files (PyTorch's `torch.onnx.export`, tf2onnx): NCHW or NHWC, any input and output names, fixed or dynamic
batch; --scaling says how the model expects its pixels (from 0-1 films: unit 0-1, byte 0-255, symmetric -1..1,
imagenet mean/std, xrv torchxrayvision's -1024..1024); --output defaults to what the graph ends in (softmax,
sigmoid, else logits, which get a softmax). Gradient methods are offered when the graph's TensorFlow translation
agrees with ONNX Runtime at admission; occlusion, RISE and Score-CAM always.

Checks the file (Keras 3 .keras, safe mode: no code inside, one square image input of 1 or 3 channels, one
softmax/sigmoid output as wide as --classes, a spatial convolution for the CAMs), runs one prediction, writes
assets/models/ID/ (the file, its card model.json, a LiteRT export) and, where the classes are the shared data's
(COVID-19,Normal,Pneumonia), its metrics and explanation audit. --size and --channels default to the model's own.
A refused model gets one sentence (exit 2) and leaves nothing in assets/models/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from model import config
from model.input_recipe import InputRecipe
from model.registration import register
from model.registry.admission import ModelRefused, check_file, load_safely
from model.registry.card import CardError, ModelCard

RECIPE_STEPS = ("clahe", "lung_focus")


def parse_recipe(text: str) -> InputRecipe:
    steps = {step.strip() for step in text.split(",") if step.strip()} - {"plain"}
    unknown = steps - set(RECIPE_STEPS)
    if unknown:
        raise CardError(f"Unknown recipe step(s) {', '.join(sorted(unknown))}: use plain, clahe, lung_focus.")
    return InputRecipe(**{step: step in steps for step in RECIPE_STEPS})


def build_card(args: argparse.Namespace) -> ModelCard:
    """The card from the arguments; size and channels not given are read from the model itself."""
    size, channels = args.size, args.channels
    model_format = config.MODEL_SUFFIXES.get(args.path.suffix)
    if model_format is None:
        raise ModelRefused(
            f"{args.path.name}: the registry takes {', '.join(config.MODEL_SUFFIXES)} files "
            "(a PyTorch model: export it to ONNX with torch.onnx.export)."
        )
    extra: dict[str, object] = {"model_format": model_format, "scaling": args.scaling}
    if model_format == "onnx":
        from model.registry.onnx_admission import describe_input, load_proto, output_kind

        proto = load_proto(args.path)
        found = describe_input(proto, args.path.name)
        size = size if size is not None else found.size
        channels = channels if channels is not None else found.channels
        if size is None:
            raise ModelRefused(f"{args.path.name} takes images of any size: give the size it was trained at (--size).")
        extra.update(layout=found.layout, output=args.output or output_kind(proto))
    elif args.output not in (None, "softmax", "sigmoid"):
        raise ModelRefused("A Keras model must end in softmax or sigmoid; --output logits is for ONNX files.")
    if size is None or channels is None:
        check_file(args.path)
        shape = tuple(load_safely(args.path).input_shape)
        if len(shape) == 4:
            size = size if size is not None else shape[1]
            channels = channels if channels is not None else shape[3]
        else:  # the admission check words this case
            size, channels = size or 160, channels or 1
    return ModelCard(
        id=args.id,
        display_name=args.name or args.id,
        classes=tuple(c.strip() for c in args.classes.split(",")),
        input_size=int(size or 0),
        channels=int(channels or 0),
        recipe=parse_recipe(args.recipe),
        trained_on=args.trained_on,
        date=args.date or dt.date.today().isoformat(),
        teaching_exhibit=args.exhibit,
        description=args.description,
        **extra,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--id", required=True)
    parser.add_argument("--classes", required=True, help="class names in output order, comma-separated")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--channels", type=int, default=None, choices=(1, 3))
    parser.add_argument("--recipe", default="plain", help="input recipe the model was trained with")
    parser.add_argument("--scaling", default="unit", choices=tuple(config.INPUT_SCALINGS), help="pixel scaling")
    parser.add_argument("--output", default=None, choices=config.MODEL_OUTPUTS, help="what the output vector is")
    parser.add_argument("--name", default="", help="display name (default: the id)")
    parser.add_argument("--trained-on", default="", help="what the model was trained on, in words")
    parser.add_argument("--date", default="", help="when it was trained (default: today)")
    parser.add_argument("--exhibit", action="store_true", help="a teaching exhibit (for example a shortcut model)")
    parser.add_argument("--description", default="")
    parser.add_argument("--replace", action="store_true", help="replace a registered model of the same id")
    parser.add_argument("--no-figures", action="store_true", help="skip the metrics and the explanation audit")
    args = parser.parse_args()
    try:
        card = build_card(args)
        entry = register(args.path, card, replace=args.replace, figures=not args.no_figures)
    except (ModelRefused, CardError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Registered {entry.id} in {entry.folder}. Use it with --model {entry.id} or pick it in the dashboard.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
