"""Run every explanation method over a sample of the test split and summarise how far to trust each.

Writes what the dashboard's Explanation-quality page reads: per method, the
faithfulness of its maps against random maps, the model-randomisation sanity
check, and the time per image.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from model import config
from model.data.dataset import load_split
from model.evaluation.attention import explain_in_batches
from model.explain.catalog import label_of
from model.explain.registry import EXPLAINERS, get_explainer
from model.inference import predict_probabilities
from model.lungs import dice, peak_inside, predict_lung_masks, share_inside
from model.provenance import sha256_of
from model.trust.faithfulness import faithfulness
from model.trust.sanity import passes_sanity_check, randomisation_correlations, randomised_copy


def _describe(values: list[float]) -> dict[str, float]:
    array = np.asarray(values, dtype=float)
    return {
        "mean": float(array.mean()),
        "median": float(np.median(array)),
        "p10": float(np.percentile(array, 10)),
        "p90": float(np.percentile(array, 90)),
    }


def annotated_mask_check(model, segmenter, batch_size: int = 8, recipe=None) -> dict[str, object]:
    """On the annotated lung_masks images: lung share with the annotators' mask against the segmenter's."""
    from model.data.lung_masks import load_mask_dataset

    data = load_mask_dataset(config.data_dir() / config.LUNG_MASKS_SUBDIR, size=config.IMAGE_SIZE)
    from model.input_recipe import classifier_inputs, load_recipe

    predicted = predict_lung_masks(segmenter, data.images)
    data.images = classifier_inputs(data.images, recipe or load_recipe(), segmenter, predicted)
    targets = predict_probabilities(model, data.images).argmax(axis=1)
    annotated = data.masks[..., 0] > 0.5
    result: dict[str, object] = {
        "n": len(data.names),
        "segmenter_dice_at_classifier_size": float(np.mean([dice(p, a) for p, a in zip(predicted, annotated)])),
    }
    for name in EXPLAINERS:
        maps = explain_in_batches(model, name, data.images, targets, batch_size=batch_size)
        result[name] = {
            "annotated_mask": _describe([share_inside(m, a) for m, a in zip(maps, annotated)]),
            "segmenter_mask": _describe([share_inside(m, p) for m, p in zip(maps, predicted)]),
        }
    return result


def audit(
    model,
    per_class: int,
    sanity_per_class: int,
    batch_size: int = 8,
    segmenter=None,
    recipe=None,
    model_path: Path | None = None,
) -> dict[str, object]:
    """Every method on a sample of the test split, for a network of the project's shape and its input `recipe`
    (default: the shipped recipe); `model_path` names the file the figures describe (default: the shipped one)."""
    from model.input_recipe import classifier_inputs, load_recipe

    test = load_split("test", representatives_only=True, limit_per_class=per_class)
    lung_masks = predict_lung_masks(segmenter, test.images) if segmenter is not None else None
    # Explain what the shipped classifier sees (its recipe may equalise contrast or keep only the lungs).
    test.images = classifier_inputs(test.images, recipe or load_recipe(), segmenter, lung_masks)
    targets = predict_probabilities(model, test.images).argmax(axis=1)
    randomised = randomised_copy(model)
    sanity_rows = np.concatenate(
        [np.flatnonzero(test.labels == c)[:sanity_per_class] for c in range(len(config.CLASS_NAMES))]
    )

    methods: dict[str, object] = {}
    for name in tqdm(EXPLAINERS, desc="Methods", unit="method"):
        explainer = get_explainer(model, name)
        explainer(test.images[:1], targets[:1])  # warm-up: the first call traces the graph
        started = time.perf_counter()
        maps = explain_in_batches(model, name, test.images, targets, batch_size=batch_size)
        map_seconds = (time.perf_counter() - started) / len(maps)
        scores = [
            faithfulness(model, image, heat, int(t))
            for image, heat, t in tqdm(
                zip(test.images, maps, targets), total=len(maps), desc=f"{name} faithfulness", leave=False
            )
        ]
        correlations = randomisation_correlations(
            model, randomised, name, test.images[sanity_rows], targets[sanity_rows]
        )
        per_class_share = {
            config.CLASS_NAMES[c]: float(
                np.mean([s.beats_random for s, label in zip(scores, test.labels) if label == c])
            )
            for c in range(len(config.CLASS_NAMES))
            if np.any(test.labels == c)
        }
        methods[name] = {
            "label": label_of(name),
            "faithfulness": {
                "mean_score": float(np.mean([s.score for s in scores])),
                "mean_random_score": float(np.mean([s.random_score for s in scores])),
                "share_beating_random": float(np.mean([s.beats_random for s in scores])),
                "share_beating_random_by_true_class": per_class_share,
                "mean_deletion_auc": float(np.mean([s.deletion_auc for s in scores])),
                "mean_insertion_auc": float(np.mean([s.insertion_auc for s in scores])),
                "mean_random_deletion_auc": float(np.mean([s.random_deletion_auc for s in scores])),
                "mean_random_insertion_auc": float(np.mean([s.random_insertion_auc for s in scores])),
                "score_distribution": _describe([s.score for s in scores]),
                "score_minus_random_distribution": _describe([s.score - s.random_score for s in scores]),
            },
            "sanity": {
                "mean_rank_correlation": float(correlations.mean()),
                "rank_correlations": [round(float(c), 4) for c in correlations],
                "share_passing": float(np.mean([passes_sanity_check(float(c)) for c in correlations])),
            },
            "milliseconds_per_image": 1000 * map_seconds,
        }
        if lung_masks is not None:
            shares = np.array([share_inside(m, k) for m, k in zip(maps, lung_masks)])
            methods[name]["lung_share"] = {
                "all": _describe(shares.tolist()),
                "peak_in_lungs": float(np.mean([peak_inside(m, k) for m, k in zip(maps, lung_masks)])),
                "by_true_class": {
                    config.CLASS_NAMES[c]: _describe(shares[test.labels == c].tolist())
                    for c in range(len(config.CLASS_NAMES))
                    if np.any(test.labels == c)
                },
            }
    annotated = None
    if segmenter is not None and (config.data_dir() / config.LUNG_MASKS_SUBDIR).is_dir():
        annotated = annotated_mask_check(model, segmenter, batch_size, recipe)
    return {
        "schema_version": config.EXPLANATION_QUALITY_SCHEMA_VERSION,
        "lung_share_on_annotated_images": annotated,
        "computed_on": (
            f"{len(test.labels)} test-split images ({per_class} per true class, seeded sample; one per "
            f"duplicate group), sanity check on {len(sanity_rows)} of them; target = predicted class"
        ),
        "model_file": (model_path or config.MODEL_PATH).name,
        "model_sha256": sha256_of(model_path or config.MODEL_PATH),
        "sanity_top_layers": config.SANITY_TOP_LAYERS,
        "sanity_max_correlation": config.SANITY_MAX_CORRELATION,
        "faithfulness_steps": config.FAITHFULNESS_STEPS,
        "methods": methods,
    }


def model_audit(
    entry,
    segmenter=None,
    per_class: int = config.EXPLANATION_AUDIT_PER_CLASS,
    sanity_per_class: int = config.EXPLANATION_AUDIT_SANITY_PER_CLASS,
) -> dict[str, object]:
    """The whole explanation_quality.json of a registered model (project-shaped): every method on the test sample,
    then, with a segmenter, the radiologists' boxes on the last convolution and the last of the stage before it.
    The one path scripts/audit_explanations.py and add_model.py both take."""
    from model.evaluation.attention import radiologist_section
    from model.network import keras_model_of
    from model.network.keras_network import convolutional_layers
    from model.registry import load_registered

    loaded, recipe = load_registered(entry).network, entry.card.recipe
    network = keras_model_of(loaded) or loaded  # Keras: the bare model (tf-keras-vis and cloning need it)
    report = audit(
        network, per_class, sanity_per_class, segmenter=segmenter, recipe=recipe, model_path=entry.model_path
    )
    report["model_id"] = entry.id
    if segmenter is not None:
        if keras_model_of(loaded) is not None:
            layers = convolutional_layers(network)[-3::2][::-1]
        else:  # an ONNX graph: its Conv tensors, as Keras' Conv2D layers
            convs = {n.output[0] for n in loaded.proto().graph.node if n.op_type == "Conv"}
            layers = [name for name in loaded.spatial_layers() if name in convs][-3::2][::-1]
        report["against_radiologists"] = radiologist_section(network, recipe, segmenter, list(EXPLAINERS), layers)
    return report
