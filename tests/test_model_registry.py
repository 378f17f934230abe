"""The model registry and bring-your-own models: a 2-class RGB model of another size works end to end, and each
kind of bad model is refused with its own sentence, leaving nothing behind."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from model import config
from model.image_io import load_image_file
from tests.conftest import png_bytes, requires_shipped_model, synthetic_radiograph


def small_cnn(size: int = 96, channels: int = 3, classes: int = 2, activation: str = "softmax") -> keras.Model:
    inputs = keras.Input((size, size, channels))
    x = keras.layers.Conv2D(6, 3, activation="relu", name="conv_a")(inputs)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(6, 3, activation="relu", name="conv_b")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(classes, activation=activation)(x))


@pytest.fixture
def registry(tmp_path, monkeypatch) -> Path:
    """An empty registry folder: what add_model writes goes here, never into assets/."""
    root = tmp_path / "models"
    root.mkdir()
    monkeypatch.setattr(config, "MODELS_DIR", root)
    return root


def run_add_model(monkeypatch, capsys, *arguments: str) -> tuple[int, str, str]:
    sys.path.insert(0, str(config.REPO_ROOT / "scripts"))
    import add_model

    monkeypatch.setattr(sys, "argv", ["add_model.py", *arguments])
    code = add_model.main()
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def film_file(tmp_path: Path) -> Path:
    path = tmp_path / "film.png"
    path.write_bytes(png_bytes((synthetic_radiograph(300, 280) * 255).astype(np.uint8)))
    return path


@requires_shipped_model
def test_a_two_class_rgb_model_of_another_size_works_end_to_end(tmp_path, registry, monkeypatch, capsys):
    from model.analysis import AnalysisRequest, explain_images, predict_films
    from model.gate.gate import GATE_WITHOUT_FEATURES
    from model.lungs import optional_segmenter
    from model.registry import load_registered, resolve
    from model.serving.model_pool import gate_for

    source = tmp_path / "vendor.keras"
    small_cnn(96, 3, 2).save(source)
    code, out, err = run_add_model(
        monkeypatch, capsys, str(source), "--id", "vendor_rgb", "--classes", "Normal,Abnormal", "--name", "Vendor"
    )
    assert code == 0, err
    folder = registry / "vendor_rgb"
    if config.image_cache_path().is_file():  # Normal/Abnormal: scored sick against healthy, not explained
        sick = json.loads((folder / config.SICK_HEALTHY_FILENAME).read_text())
        assert sick["kind"] == "normal_abnormal" and sick["test"]["n"] > 1000 and 0 <= sick["test"]["auroc"] <= 1
    assert "Explanation audit skipped" in out or "is missing" in out  # it says what it did not compute
    assert {p.name for p in folder.iterdir()} >= {config.MODEL_FILENAME, config.MODEL_CARD_FILENAME}
    card = json.loads((folder / config.MODEL_CARD_FILENAME).read_text())
    assert card["classes"] == ["Normal", "Abnormal"] and card["input_size"] == 96 and card["channels"] == 3

    entry = resolve("vendor_rgb")
    classifier = load_registered(entry)
    film = load_image_file(film_file(tmp_path))
    gate, segmenter = gate_for(entry), optional_segmenter()
    answer = predict_films(classifier, [film], segmenter, gate)[0]
    request = AnalysisRequest("gradcam", "Abnormal", explain_anyway=True, model_id=classifier.id)
    explained = explain_images(classifier, [film], request, segmenter=segmenter, gate=gate)[0]
    # The model's own input: its probabilities, computed here by hand from the film, match the pipeline's.
    from model.inference import forward
    from model.preprocessing import to_model_input

    by_hand = forward(classifier.network, np.repeat(to_model_input(film.pixels, 96)[None], 3, axis=-1))[0]
    assert list(answer.prediction.probabilities) == ["Normal", "Abnormal"]
    assert np.allclose(list(answer.prediction.probabilities.values()), by_hand, atol=1e-5)
    assert explained.heatmap.shape == (config.IMAGE_SIZE, config.IMAGE_SIZE)  # back in the analysis frame
    assert explained.target_class == "Abnormal" and explained.faithfulness is not None
    # The gate was calibrated on another network: its feature-space part stands aside, and the answer says so.
    assert gate is not None and any(w.code == GATE_WITHOUT_FEATURES for w in answer.warnings)
    assert explained.lung_share is not None  # the lung figures read the map in the analysis frame


@requires_shipped_model
def test_predict_and_explain_with_model_give_the_registry_entrys_answer(tmp_path, registry, monkeypatch, capsys):
    from model.analysis import predict_films
    from model.registry import load_registered, resolve

    source = tmp_path / "four.keras"
    small_cnn(128, 1, 4).save(source)
    code, _, err = run_add_model(
        monkeypatch, capsys, str(source), "--id", "four", "--classes", "A,B,C,D", "--no-figures"
    )
    assert code == 0, err
    film = film_file(tmp_path)
    direct = predict_films(load_registered(resolve("four")), [load_image_file(film)])[0].prediction
    sys.path.insert(0, str(config.REPO_ROOT / "scripts"))
    import explain
    import predict

    monkeypatch.setattr(sys, "argv", ["predict.py", str(film), "--model", "four", "--json"])
    predict.main()
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["model"] == "four" and record["prediction"] == direct.label
    assert record["probabilities"] == pytest.approx(direct.probabilities, abs=1e-5)
    out = tmp_path / "maps"
    monkeypatch.setattr(
        sys, "argv", ["explain.py", str(film), "--model", "four", "--json", "--out", str(out), "--explain-anyway"]
    )
    explain.main()
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["model"] == "four" and record["probabilities"] == pytest.approx(direct.probabilities, abs=1e-5)
    assert np.load(record["map"]).shape == (config.IMAGE_SIZE, config.IMAGE_SIZE)


def _lambda_model(path: Path) -> None:
    inputs = keras.Input((64, 64, 1))
    x = keras.layers.Conv2D(4, 3)(inputs)
    x = keras.layers.Lambda(lambda t: t * 2.0)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x)).save(path)


def _dense_only(path: Path) -> None:
    inputs = keras.Input((64, 64, 1))
    x = keras.layers.Flatten()(inputs)
    keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x)).save(path)


def _volume(path: Path) -> None:
    inputs = keras.Input((8, 64, 64, 1))
    x = keras.layers.Conv3D(4, 3)(inputs)
    x = keras.layers.GlobalAveragePooling3D()(x)
    keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x)).save(path)


def _linear_output(path: Path) -> None:
    small_cnn(64, 1, 2, activation="linear").save(path)


def _three_outputs(path: Path) -> None:
    small_cnn(64, 1, 3).save(path)


def _not_keras(path: Path) -> None:
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)


BAD_MODELS = {
    "not Keras": (_not_keras, "not a Keras 3 model file"),
    "unsafe layers": (_lambda_model, "contains code"),
    "no conv layer": (_dense_only, "no convolutional layer"),
    "output width": (_three_outputs, "gives 3 outputs but 2 classes"),
    "3-D input": (_volume, "must take 2-D images"),
    "not probabilities": (_linear_output, "must end in softmax or sigmoid"),
}


@pytest.mark.parametrize("kind", list(BAD_MODELS))
def test_each_bad_model_is_refused_with_its_sentence_and_leaves_nothing(kind, tmp_path, registry, monkeypatch, capsys):
    make, sentence = BAD_MODELS[kind]
    path = tmp_path / "bad.keras"
    make(path)
    code, out, err = run_add_model(monkeypatch, capsys, str(path), "--id", "bad", "--classes", "Normal,Abnormal")
    assert code == 2
    assert sentence in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert list(registry.iterdir()) == []  # no folder, no staging left behind


def test_a_file_over_the_size_limit_is_refused_before_loading(tmp_path, registry, monkeypatch, capsys):
    path = tmp_path / "big.keras"
    small_cnn(64, 1, 2).save(path)
    monkeypatch.setattr(config, "MAX_MODEL_FILE_BYTES", 1024)
    code, _, err = run_add_model(monkeypatch, capsys, str(path), "--id", "big", "--classes", "A,B")
    assert code == 2 and "models up to" in err and list(registry.iterdir()) == []


def test_an_unknown_model_id_is_one_sentence_naming_the_registered_ones(registry):
    from model.registry import RegistryError, resolve

    with pytest.raises(RegistryError, match="No model 'nope'"):
        resolve("nope")


@requires_shipped_model
def test_the_shipped_registry_has_a_default_an_exhibit_and_cards_that_match_their_files():
    from model.provenance import sha256_of
    from model.registry import all_registered, default_model

    entries = all_registered()
    assert default_model().id == config.DEFAULT_MODEL_ID
    assert any(e.card.teaching_exhibit for e in entries), "the shortcut exhibit is registered"
    assert len(entries) >= 3
    for entry in entries:
        assert entry.card.sha256 == sha256_of(entry.model_path), f"{entry.id}: card hash is not its file's"
        if entry.metrics_path is not None:
            assert json.loads(entry.metrics_path.read_text())["model_sha256"] == entry.card.sha256


@requires_shipped_model
def test_the_dashboard_explains_a_registered_two_class_rgb_model(tmp_path, registry, monkeypatch, capsys):
    """Chosen in the sidebar, a vendor's 2-class RGB model answers with its own classes, its own CAM layers and the
    note that the gate's feature-space part does not apply to it."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    (registry / config.DEFAULT_MODEL_ID).symlink_to(config.DEFAULT_MODEL_DIR)  # the default stays registered
    source = tmp_path / "vendor.keras"
    small_cnn(112, 3, 2).save(source)
    code, _, err = run_add_model(
        monkeypatch, capsys, str(source), "--id", "vendor", "--classes", "Healthy,Sick", "--name", "Vendor RGB"
    )
    assert code == 0, err
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(config.REPO_ROOT / "dashboard" / "app.py"), default_timeout=180).run()
        at.selectbox(key="model_id").set_value("vendor").run()
        at.file_uploader(key="upload").upload("film.png", film_file(tmp_path).read_bytes(), "image/png").run()
        anyway = [b for b in at.button if b.key and b.key.startswith("anyway_")]
        if anyway:
            anyway[0].click().run()
        assert not at.exception
        assert at.selectbox(key="target").options == ["Predicted class", "Healthy", "Sick"]
        assert at.selectbox(key="layer").options == ["conv_a", "conv_b"]
        shown = "\n".join(m.value for m in at.markdown)
        assert "#### Prediction: **Healthy**" in shown or "#### Prediction: **Sick**" in shown
        assert any("image and lung tests only" in i.value for i in at.info)
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
