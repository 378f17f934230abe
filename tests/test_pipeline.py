"""The pipeline end to end on a miniature synthetic data layout: prepare -> train one tiny epoch -> evaluate."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from model import config
from tests.synthetic_data import make_data_root


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """Every path the pipeline writes, moved into tmp_path; the data root is a synthetic copy of the layout."""
    root = make_data_root(tmp_path / "data")
    assets = tmp_path / "assets"
    assets.mkdir()
    monkeypatch.setenv(config.DATA_DIR_ENV, str(root))
    monkeypatch.setattr(config, "SPLITS_PATH", assets / "splits.csv")
    monkeypatch.setattr(config, "DATASET_STATS_PATH", assets / "dataset_stats.json")
    monkeypatch.setattr(config, "ASSETS_DIR", assets)
    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(config, "MODEL_RECIPE_PATH", assets / "absent_recipe.json")
    monkeypatch.setattr(config, "SEGMENTER_PATH", assets / "absent_segmenter.keras")
    return root


@pytest.fixture
def prepared(sandbox):
    from model.data.preparation import prepare_dataset

    summary = prepare_dataset(
        sandbox / config.RADIOGRAPHY_SUBDIR, sandbox / config.PEDIATRIC_SUBDIR, sandbox / config.NIH_ADULT_SUBDIR
    )
    return sandbox, summary, pd.read_csv(config.SPLITS_PATH, keep_default_na=False)


def test_preparation_reads_every_source_and_groups_nih_patients(prepared):
    _, summary, table = prepared
    assert set(summary["sources"]) == {"radiography-db", "pediatric-guangzhou", "nih-chestxray14"}
    nih = table[table["source"] == "nih-chestxray14"]
    assert len(nih) == 12 and set(nih["age_group"]) == {"adult"} and set(nih["view"]) == {"AP", "PA"}
    # Both films of one patient (one normal, one pneumonia) land on the same side of the split.
    assert nih.groupby("patient")["split"].nunique().max() == 1
    assert table.groupby("duplicate_group")["split"].nunique().max() == 1
    # The Radiography "Normal" that copies a child's film is a child's film.
    copy = table[table["path"].str.endswith("Normal-999.png")].iloc[0]
    assert copy["age_group"] == "child"
    stats = json.loads(config.DATASET_STATS_PATH.read_text())
    assert stats["schema_version"] == config.DATASET_STATS_SCHEMA_VERSION
    assert {"label", "source", "age_group", "count"} <= set(stats["by_class_source_age"][0])
    assert config.image_cache_path().is_file()


def test_external_films_never_enter_the_split(prepared):
    _, _, table = prepared
    assert not table["path"].str.startswith(config.EXTERNAL_SUBDIR).any()


def test_one_tiny_training_epoch_per_augmentation(prepared):
    from model.data.dataset import load_split
    from model.training.loop import train

    train_data = load_split("train")
    val_data = load_split("val", representatives_only=True)
    if len(val_data.labels) == 0:
        val_data = train_data
    for augmentation in ("standard", "acquisition"):
        result = train(train_data, val_data, max_epochs=1, per_class=4, augmentation=augmentation, log=lambda _: None)
        assert len(result.history) == 1 and result.best_epoch == 1
        probabilities = np.asarray(result.model(train_data.images[:3], training=False))
        assert probabilities.shape == (3, len(config.CLASS_NAMES))
        assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def _two_right_reasons_epochs(train_data, **extra):
    """Two tiny epochs with the attention penalty, on two box-shaped lung fields that stand in for the segmenter's."""
    from model.training.attention_penalty import lung_weights
    from model.training.loop import train

    size = train_data.images.shape[1]
    masks = np.zeros((len(train_data.labels), size, size), dtype=bool)
    masks[:, size // 5 : 4 * size // 5, size // 8 : 3 * size // 8] = True
    masks[:, size // 5 : 4 * size // 5, 5 * size // 8 : 7 * size // 8] = True
    return train(
        train_data,
        train_data,
        max_epochs=2,
        per_class=4,
        attention_penalty=1.0,
        penalty_ramp_epochs=1,
        lung_weights=lung_weights(masks),
        log=lambda _: None,
        **extra,
    )


def test_a_tiny_epoch_with_the_attention_penalty(prepared):
    from model.data.dataset import load_split

    train_data = load_split("train")
    result = _two_right_reasons_epochs(train_data)
    assert [set(r) >= {"outside_lung_share"} for r in result.history] == [True, True]
    assert 0.0 <= result.history[-1]["outside_lung_share"] <= 1.0
    assert result.best_epoch == 2, "an epoch before the penalty reaches full weight is never kept"


def test_a_tiny_epoch_with_the_abnormality_output_trained_alongside(prepared):
    from model.abnormality_head import from_dense
    from model.data.dataset import load_split
    from model.inference import features_and_probabilities
    from model.training.loop import abnormality_targets

    train_data = load_split("train")
    targets = abnormality_targets(train_data.table)
    abnormal = train_data.table["label"] != "Normal"
    assert (targets[:, 0] == abnormal.to_numpy()).all()
    groups = targets[:, 0].astype(int).astype(str)  # within one origin the two answers weigh the same in total
    checked = 0
    from model.data.manifest import origin_of

    origin = origin_of(train_data.table).to_numpy()
    for name in set(origin):
        rows = origin == name
        if len(set(groups[rows])) == 2:
            sick, healthy = targets[rows & (targets[:, 0] == 1), 1].sum(), targets[rows & (targets[:, 0] == 0), 1].sum()
            assert sick == pytest.approx(healthy, rel=1e-4)
            checked += 1
    assert checked >= 2

    result = _two_right_reasons_epochs(train_data, abnormality_weight=0.5)
    assert all(r["abnormality_loss"] > 0 for r in result.history)
    kernel, bias = result.abnormality_weights
    assert kernel.shape == (result.model.get_layer(config.FEATURE_LAYER).output.shape[-1], 1)
    features, _ = features_and_probabilities(result.model, train_data.images[:3])
    head = from_dense(kernel, bias)
    expected = 1 / (1 + np.exp(-(features @ kernel[:, 0] + bias[0])))
    np.testing.assert_allclose(head.probabilities(features), expected, rtol=1e-6)
    assert len(result.model.outputs) == 1, "the saved network stays the plain classifier"


def test_evaluate_writes_every_section_for_a_toy_model(prepared, tmp_path):
    from model.evaluation.report import evaluate
    from model.training.network import build_classifier

    root, _, _ = prepared
    model_path = tmp_path / "toy.keras"
    build_classifier(stage_filters=(4, 8)).save(model_path)
    metrics = evaluate(model_path, tmp_path / "no_history.json", root / config.EXTERNAL_SUBDIR)
    assert metrics["schema_version"] == config.METRICS_SCHEMA_VERSION
    assert metrics["overall"]["n"] == len(metrics["predictions"])
    assert {p["predicted"] for p in metrics["predictions"]} <= set(config.CLASS_NAMES)
    external = metrics["external"]
    assert external["n"] == 8 and external["n_covid"] == 4 and set(external["by_source"]) == {"a", "b"}
    from sklearn.metrics import roc_auc_score

    from model.evaluation.generalisation import load_external_inputs, load_external_table
    from model.inference import load_classifier, predict_probabilities

    # The model's own scores at full precision: an untrained toy model's probabilities differ in the sixth decimal,
    # so the rounded ones in "predictions" can tie and move the AUROC.
    table = load_external_table(root / config.EXTERNAL_SUBDIR)
    scores = predict_probabilities(load_classifier(model_path), load_external_inputs(table))[:, 0]
    covid = [p["true"] == "COVID-19" for p in external["predictions"]]
    assert [p["true"] for p in external["predictions"]] == list(table["label"]), "same films, same order"
    assert external["auroc"] == pytest.approx(roc_auc_score(covid, scores), abs=1e-6), "the AUROC of its own scores"
    assert metrics["shortcut_test"] is None, "no segmenter in the sandbox: the shortcut test is left out"
    assert metrics["source_probe"]["method"]
    json.dumps(metrics)  # the whole document serialises
