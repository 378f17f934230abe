"""The sick-or-healthy head: fitted so the source cannot carry it, saved and loaded loudly, and read at run time."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model import config
from model.abnormality_head import AbnormalityHead, AbnormalityHeadError, balanced_sample_weights, fit_head, load_head
from model.inference import ModelLoadError
from model.training.abnormality_fit import choose_regularisation, per_origin_auroc


def _confounded(rng: np.random.Generator, n: int, sick_share: dict[str, float]) -> tuple[np.ndarray, ...]:
    """Feature 0 marks the source (clean), feature 1 the disease (noisy); sources differ in how many are sick."""
    origins, abnormal = [], []
    for origin, share in sick_share.items():
        origins += [origin] * n
        abnormal += list(rng.random(n) < share)
    origins, abnormal = np.array(origins), np.array(abnormal, dtype=int)
    source_flag = (origins == list(sick_share)[0]).astype(float)
    features = np.stack(
        [source_flag + rng.normal(0, 0.05, len(origins)), abnormal + rng.normal(0, 1.2, len(origins))], axis=1
    )
    return features, abnormal, origins


def test_balanced_weights_give_every_group_the_same_total():
    groups = np.array(["a"] * 90 + ["b"] * 10)
    weights = balanced_sample_weights(groups)
    assert weights[groups == "a"].sum() == pytest.approx(weights[groups == "b"].sum())


def test_weighting_every_source_and_answer_alike_keeps_the_head_off_the_source():
    rng = np.random.default_rng(1)
    train = _confounded(rng, 600, {"sick_hospital": 0.9, "healthy_hospital": 0.1})
    # Another hospital where the source says nothing: only the disease feature can rank its films.
    test_features, test_abnormal, _ = _confounded(rng, 600, {"new": 0.5, "other": 0.5})
    test_features[:, 0] = rng.random(len(test_abnormal))
    balanced = fit_head(*train, regularisation=1.0)
    from sklearn.linear_model import LogisticRegression

    plain = LogisticRegression(C=1.0, max_iter=5000).fit(train[0], train[1])
    assert abs(balanced.weights[0]) * balanced.scale[1] < abs(balanced.weights[1]) * balanced.scale[0] * 0.5
    assert abs(plain.coef_[0][0]) > abs(plain.coef_[0][1]), "unweighted, the source is the stronger cue"
    from model.evaluation.generalisation import auroc

    assert auroc(test_abnormal.astype(bool), balanced.probabilities(test_features)) > auroc(
        test_abnormal.astype(bool), plain.predict_proba(test_features)[:, 1]
    )


def test_the_penalty_is_chosen_on_validation_and_the_head_round_trips(tmp_path):
    rng = np.random.default_rng(2)
    train = _confounded(rng, 300, {"a": 0.7, "b": 0.3})
    validation = _confounded(rng, 200, {"a": 0.7, "b": 0.3})
    chosen, scores = choose_regularisation(train, validation, grid=(0.001, 1.0))
    assert chosen in (0.001, 1.0) and set(scores) == {"0.001", "1.0"}
    assert scores[str(chosen)] == max(scores.values())
    head = fit_head(*train, regularisation=chosen, model_sha256="abc")
    per_origin = per_origin_auroc(validation[1], head.probabilities(validation[0]), validation[2])
    assert set(per_origin) == {"a", "b"} and all(0.5 < v <= 1.0 for v in per_origin.values())
    (tmp_path / config.ABNORMALITY_HEAD_FILENAME).write_text(json.dumps({"head": head.to_json()}))
    loaded = load_head(tmp_path, "abc")
    np.testing.assert_allclose(loaded.probabilities(validation[0]), head.probabilities(validation[0]), atol=1e-6)


def test_a_missing_head_is_none_and_a_broken_or_foreign_one_stops_loudly(tmp_path):
    assert load_head(tmp_path) is None and load_head(None) is None
    path = tmp_path / config.ABNORMALITY_HEAD_FILENAME
    path.write_text("{not json")
    with pytest.raises(ModelLoadError, match="fit_abnormality_head.py"):
        load_head(tmp_path)
    head = AbnormalityHead(np.ones(3), 0.0, np.zeros(3), np.ones(3), 0.1, model_sha256="old")
    path.write_text(json.dumps({"head": head.to_json()}))
    with pytest.raises(AbnormalityHeadError, match="another version of the network"):
        load_head(tmp_path, "new")
    path.write_text(json.dumps({"head": {**head.to_json(), "mean": [0.0, 0.0]}}))
    with pytest.raises(AbnormalityHeadError, match="cannot be read"):
        load_head(tmp_path, "old")


@pytest.mark.skipif(not config.ABNORMALITY_HEAD_PATH.is_file(), reason="the shipped model has no abnormality head")
def test_the_shipped_head_answers_beside_the_class_on_both_runtimes(radiograph):
    from model.analysis import predict_films
    from model.gate.screening import screen
    from model.image_io import LoadedImage
    from model.registry import load_registered, resolve

    film = LoadedImage(radiograph, source_format="PNG", bit_depth=8)
    keras_model = load_registered(resolve(None))
    assert keras_model.abnormality_head is not None
    screened = screen([film], keras_model)
    expected = keras_model.abnormality_head.probabilities(screened.features)
    answer = predict_films(keras_model, [film])[0]
    assert answer.prediction.abnormality == pytest.approx(float(expected[0]), abs=1e-9)
    assert answer.to_json()["abnormality"] == pytest.approx(float(expected[0]), abs=1e-6)
    lite = load_registered(resolve(None), prefer_lite=True)
    lite_answer = predict_films(lite, [film])[0]
    assert lite_answer.prediction.abnormality == pytest.approx(answer.prediction.abnormality, abs=1e-3)


def test_the_evaluation_table_sets_the_head_beside_one_minus_p_normal():
    from dashboard.other_hospitals import head_table

    def scored(head: float, classes: float, n: int) -> dict:
        return {"head": {"n": n, "auroc": head, "auroc_95": [head - 0.1, head]}, "one_minus_normal": {"auroc": classes}}

    head = {"test": scored(0.95, 0.94, 1752), "test_adult_nih": None, "external": scored(0.74, 0.63, 72)}
    table = head_table(head)
    assert list(table["films"]) == ["test split, every source (1752)", "other hospitals, never seen (72)"]
    assert list(table["abnormality output AUROC"]) == ["0.950", "0.740"]
    assert list(table["1 − P(Normal) AUROC"]) == ["0.940", "0.630"]
