"""The training variants: what each changes (input recipe, augmentation, adversary, attention penalty, schedule,
width). The runner (model.training.experiments) trains and measures them; the rule (model.training.rule) chooses."""

from __future__ import annotations

from dataclasses import dataclass

from model import config
from model.input_recipe import PLAIN, InputRecipe


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    recipe: InputRecipe = PLAIN
    augmentation: str = "standard"
    label_smoothing: float = config.LABEL_SMOOTHING
    source_adversary: float = 0.0  # gradient-reversal weight of the source head; 0 = no adversary
    max_epochs: int = config.EXPERIMENT_MAX_EPOCHS
    per_class: int = config.EXPERIMENT_IMAGES_PER_CLASS
    patience: int = config.EXPERIMENT_PATIENCE
    attention_penalty: float = 0.0  # weight of the outside-the-lungs CAM penalty; 0 = none
    penalty_ramp_epochs: int = config.ATTENTION_PENALTY_RAMP_EPOCHS
    stage_filters: tuple[int, ...] | None = None  # None = the network's default widths
    abnormality_weight: float = 0.0  # weight of the sick-or-healthy output trained alongside; 0 = none

    def settings(self) -> dict[str, object]:
        return {
            "input": self.recipe.to_json(),
            "augmentation": self.augmentation,
            "label_smoothing": self.label_smoothing,
            "source_adversary": self.source_adversary,
            "epochs_max": self.max_epochs,
            "early_stopping_patience": self.patience,
            "images_per_class_per_epoch": self.per_class,
            "sampling": "balanced per class, and per source within a class",
            "attention_penalty": self.attention_penalty,
            "penalty_ramp_epochs": self.penalty_ramp_epochs if self.attention_penalty > 0 else None,
            "stage_filters": list(self.stage_filters) if self.stage_filters else None,
            "abnormality_output_weight": self.abnormality_weight,
        }


# Round two: the schedule of round one stopped while validation was still rising (best epochs 11-14 of 14).
LONG = {
    "max_epochs": config.EXPERIMENT_LONG_EPOCHS,
    "per_class": config.EXPERIMENT_LONG_IMAGES_PER_CLASS,
    "patience": config.EXPERIMENT_LONG_PATIENCE,
}


# Round 3: right for the right reasons (model.training.attention_penalty), on round two's schedule.
RIGHT_REASONS = {"augmentation": "acquisition", "attention_penalty": 2.0, **LONG}

VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("a_baseline", "Today's recipe on the new data (adult NIH films in training): the honest baseline."),
        Variant(
            "b_lung_focus",
            "Lung-focused input: CLAHE, then only the segmenter's lung fields with a margin "
            "(a safe box where the mask is implausible).",
            recipe=InputRecipe(clahe=True, lung_focus=True),
        ),
        Variant(
            "c_acquisition",
            "Acquisition-style augmentation: resolution down-up, noise, blur, JPEG, tone curves, "
            "collimation bands, burned-in markers.",
            augmentation="acquisition",
        ),
        Variant(
            "d_lung_focus_acquisition",
            "Lung-focused input and acquisition-style augmentation together, with "
            "stronger label smoothing for the noisy NIH labels.",
            recipe=InputRecipe(clahe=True, lung_focus=True),
            augmentation="acquisition",
            label_smoothing=0.1,
        ),
        Variant("a2_baseline_long", "Variant a on the longer schedule.", **LONG),
        Variant(
            "b2_lung_focus_long",
            "Variant b (CLAHE, lung fields only) on the longer schedule.",
            recipe=InputRecipe(clahe=True, lung_focus=True),
            **LONG,
        ),
        Variant(
            "c2_acquisition_long",
            "Variant c (acquisition augmentation) on the longer schedule.",
            augmentation="acquisition",
            **LONG,
        ),
        Variant(
            "e2_source_adversary_long",
            "A gradient-reversal head that tries to tell the origin of Normal and Pneumonia films, pushing the "
            "features to forget it; acquisition augmentation; longer schedule.",
            augmentation="acquisition",
            source_adversary=0.3,
            **LONG,
        ),
        # Round 3: look where a radiologist looks.
        Variant(
            "f3_right_reasons",
            "Right for the right reasons: the class-activation mass outside the dilated lung fields is penalised "
            "during training (weight ramped to 2 over five epochs); acquisition augmentation; longer schedule.",
            **RIGHT_REASONS,
        ),
        Variant(
            "g3_lungs_right_reasons",
            "Lungs-only input (CLAHE, the film outside the dilated lung fields suppressed) and the right-reasons "
            "penalty; acquisition augmentation; longer schedule.",
            recipe=InputRecipe(clahe=True, lung_focus=True),
            **RIGHT_REASONS,
        ),
        Variant(
            "h3_wide_right_reasons",
            "A 1.5x wider network (24-48-96-192 filters) with the right-reasons penalty and acquisition "
            "augmentation; longer schedule.",
            stage_filters=(24, 48, 96, 192),
            **RIGHT_REASONS,
        ),
        Variant(
            "i3_right_reasons_abnormality",
            "Variant f3 with a sick-or-healthy output trained alongside the classes on the same pooled features, "
            "each origin's sick and healthy films weighted alike, so the shared features must carry what separates "
            "sick from healthy inside every source; the output is kept as the model's abnormality head.",
            abnormality_weight=config.ABNORMALITY_OUTPUT_WEIGHT,
            **RIGHT_REASONS,
        ),
    )
}
