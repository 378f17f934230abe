"""Register your own Keras model so the dashboard and the tools can explain it beside ours.

Usage: python scripts/add_model.py PATH --id ID --classes A,B,... [--size N] [--channels 1|3]
       [--recipe plain|clahe|lung_focus|clahe,lung_focus] [--name TEXT] [--trained-on TEXT] [--date YYYY-MM-DD]
       [--exhibit] [--description TEXT] [--replace] [--no-figures]

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
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--id", required=True)
    parser.add_argument("--classes", required=True, help="class names in output order, comma-separated")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--channels", type=int, default=None, choices=(1, 3))
    parser.add_argument("--recipe", default="plain", help="input recipe the model was trained with")
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
