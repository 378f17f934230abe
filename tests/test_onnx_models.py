"""ONNX models through the typed network boundary: admission, forward passes, gradients, forward-only methods."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model import config
from model.network import MethodUnavailable
from model.registry.admission import ModelRefused
from model.registry.card import ModelCard
from tests import onnx_models
from tests.conftest import requires_real_data, requires_shipped_model

ROOT = Path(__file__).resolve().parents[1]
REGION = (32, 64, 32, 64)  # the lower right quarter of a 64-px film


def onnx_card(model_id: str = "region", size: int = 64, **changes) -> ModelCard:
    base = dict(
        id=model_id,
        display_name=model_id,
        classes=("A", "B", "C"),
        input_size=size,
        model_format="onnx",
        layout="NCHW",
    )
    return ModelCard(**{**base, **changes})


def films(size: int = 64, count: int = 3) -> np.ndarray:
    from model.preprocessing import to_model_input
    from model.synthetic import synthetic_radiograph

    return np.stack([to_model_input(synthetic_radiograph(200, 180, seed=s), size) for s in range(count)])


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """An empty registry folder the code under test writes into."""
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setattr(config, "MODELS_DIR", folder)
    return folder


def test_a_model_that_reads_one_region_gets_its_heat_there(tmp_path):
    from model.explain.registry import get_explainer
    from model.network.onnx_network import OnnxNetwork
    from model.registry.onnx_admission import admit_onnx

    path = onnx_models.region_reader(tmp_path / "region.onnx", region=REGION)
    _, card, _ = admit_onnx(path, onnx_card(), log=lambda _: None)
    assert card.gradients_verified  # Mul, Conv, Relu, pool, Gemm, Softmax: all translated
    network = OnnxNetwork(path, card)
    inside = np.zeros((64, 64), bool)
    inside[REGION[0] : REGION[1], REGION[2] : REGION[3]] = True
    for method, least_share in (("gradcam", 0.9), ("occlusion", 0.85), ("rise", 0.5)):
        maps = get_explainer(network, method)(films()).maps
        for heat in maps:
            assert inside.flat[heat.argmax()], method  # the peak is in the region the model reads
            assert heat[inside].sum() / heat.sum() > least_share, method  # the region is a quarter of the film
            assert heat[inside].mean() > 3 * heat[~inside].mean(), method


def test_a_graph_the_translation_does_not_cover_keeps_every_forward_method(tmp_path):
    from model.explain.registry import get_explainer
    from model.network.onnx_network import OnnxNetwork
    from model.registry.onnx_admission import admit_onnx

    path = onnx_models.region_reader(tmp_path / "erf.onnx", region=REGION, extra_op="Erf")
    notes = []
    _, card, _ = admit_onnx(path, onnx_card(), log=notes.append)
    assert not card.gradients_verified and any("Gradient methods off: its graph uses operator Erf" in n for n in notes)
    network = OnnxNetwork(path, card)
    with pytest.raises(MethodUnavailable, match="Grad-CAM is not available for this model"):
        get_explainer(network, "gradcam")
    maps = get_explainer(network, "occlusion")(films(count=1)).maps
    assert maps.shape == (1, 64, 64) and maps.max() == 1.0
    assert get_explainer(network, "scorecam")(films(count=1), layer="relu2").maps.max() == 1.0


def test_logits_get_a_softmax_and_fixed_batches_are_chunked(tmp_path):
    from model.network.onnx_network import OnnxNetwork

    path = onnx_models.region_reader(tmp_path / "logits.onnx", logits=True)
    network = OnnxNetwork(path, onnx_card(output="logits"))
    probabilities = network.probabilities(films(count=5))
    assert probabilities.shape == (5, 3) and np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda p: p.write_bytes(b"not a model at all") and p, "is not an ONNX model"),
        (onnx_models.foreign_domain, "which ONNX Runtime does not know"),
        (onnx_models.no_spatial_layer, "has no convolution with a spatial map"),
        (onnx_models.two_inputs, "takes 2 inputs; it must take one image"),
    ],
)
def test_bad_onnx_files_are_refused_in_one_sentence_leaving_nothing(tmp_path, registry, build, message):
    from model.registration import register

    path = tmp_path / "bad.onnx"
    build(path)
    with pytest.raises(ModelRefused, match=message):
        register(path, onnx_card("bad"), figures=False, log=lambda _: None)
    assert list(registry.iterdir()) == []


def test_external_data_outside_the_folder_and_oversized_files_are_refused(tmp_path, registry, monkeypatch):
    from model.registration import register

    (tmp_path / "inner").mkdir()
    outside = onnx_models.external_data_outside(tmp_path / "inner" / "m.onnx")
    with pytest.raises(ModelRefused, match="outside its own folder"):
        register(outside, onnx_card("ext"), figures=False, log=lambda _: None)
    wide = onnx_models.region_reader(tmp_path / "wide.onnx", classes=4)
    with pytest.raises(ModelRefused, match="gives 4 outputs but 3 classes were named"):
        register(wide, onnx_card("wide"), figures=False, log=lambda _: None)
    monkeypatch.setattr(config, "MAX_MODEL_FILE_BYTES", 1000)
    with pytest.raises(ModelRefused, match="models up to"):
        register(onnx_models.region_reader(tmp_path / "big.onnx"), onnx_card("big"), figures=False, log=print)
    assert list(registry.iterdir()) == []


def test_add_model_refuses_a_file_of_another_format_in_one_sentence(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(b"\x80\x02torch")
    result = subprocess.run(
        [sys.executable, "scripts/add_model.py", str(path), "--id", "pt", "--classes", "A,B"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 2 and "export it to ONNX with torch.onnx.export" in result.stderr
    assert "Traceback" not in result.stderr


def run_cli(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, f"scripts/{script}", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, **env},
    )


@requires_real_data
@requires_shipped_model
def test_keras_model_and_its_onnx_export_agree_through_the_clis(tmp_path):
    """predict.py: the same probabilities (1e-4); explain.py: the same Grad-CAM (correlation >= 0.99) at the layer
    both graphs share (tf2onnx folds each BatchNormalization into its Conv, so the ReLU after it)."""
    import keras

    registry = tmp_path / "models"
    shutil.copytree(config.MODELS_DIR / config.DEFAULT_MODEL_ID, registry / config.DEFAULT_MODEL_ID)
    exported = onnx_models.keras_export(keras.saving.load_model(config.MODEL_PATH, compile=False), tmp_path / "f3.onnx")
    env = {config.MODELS_DIR_ENV: str(registry)}
    added = run_cli(
        "add_model.py",
        str(exported),
        "--id",
        "f3_onnx",
        "--classes",
        ",".join(config.CLASS_NAMES),
        "--no-figures",
        env=env,
    )
    assert added.returncode == 0, added.stderr[-2000:]
    card = json.loads((registry / "f3_onnx" / config.MODEL_CARD_FILENAME).read_text())
    assert (card["format"], card["layout"], card["output"], card["gradients_verified"]) == (
        "onnx",
        "NHWC",
        "softmax",
        True,
    )
    data = config.data_dir() / config.RADIOGRAPHY_SUBDIR
    paths = [str(p) for sub in ("COVID", "Normal") for p in sorted((data / sub).glob("*.png"))[5:7]]
    records = {}
    for model_id in (config.DEFAULT_MODEL_ID, "f3_onnx"):
        result = run_cli("predict.py", *paths, "--json", "--keras", "--model", model_id, env=env)
        assert result.returncode == 0, result.stderr[-2000:]
        records[model_id] = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    for keras_record, onnx_record in zip(records[config.DEFAULT_MODEL_ID], records["f3_onnx"]):
        assert onnx_record["model"] == "f3_onnx"
        for name in config.CLASS_NAMES:
            assert abs(keras_record["probabilities"][name] - onnx_record["probabilities"][name]) <= 1e-4
    maps = {}
    for model_id, layer in (
        (config.DEFAULT_MODEL_ID, "stage4_relu2"),
        ("f3_onnx", "cxr_classifier_1/stage4_relu2_1/Relu:0"),
    ):
        out = tmp_path / model_id
        result = run_cli(
            "explain.py",
            paths[0],
            "--method",
            "gradcam",
            "--layer",
            layer,
            "--model",
            model_id,
            "--out",
            str(out),
            "--json",
            env=env,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        maps[model_id] = np.load(next(out.glob("*.npy")))
    correlation = np.corrcoef(maps[config.DEFAULT_MODEL_ID].ravel(), maps["f3_onnx"].ravel())[0, 1]
    assert correlation >= 0.99


def test_a_model_too_slow_for_one_film_is_stopped_in_its_child(tmp_path, registry, monkeypatch):
    from model.registration import register

    monkeypatch.setattr(config, "ADMISSION_TIMEOUT_S", 3.0)
    path = onnx_models.slow_model(tmp_path / "slow.onnx")
    with pytest.raises(ModelRefused, match="did not answer one test film within 3 s"):
        register(path, onnx_card("slow", size=512), figures=False, log=lambda _: None)
    assert list(registry.iterdir()) == []


def test_explain_cli_names_what_a_forward_only_model_cannot_do_and_runs_what_it_can(tmp_path):
    import cv2

    from model.synthetic import synthetic_radiograph

    registry = tmp_path / "models"
    registry.mkdir()
    env = {config.MODELS_DIR_ENV: str(registry)}
    path = onnx_models.region_reader(tmp_path / "erf.onnx", region=REGION, extra_op="Erf")
    added = run_cli("add_model.py", str(path), "--id", "erf", "--classes", "A,B,C", "--no-figures", env=env)
    assert added.returncode == 0, added.stderr[-2000:]
    assert "Gradient methods off: its graph uses operator Erf" in added.stdout
    film = tmp_path / "film.png"
    cv2.imwrite(str(film), (synthetic_radiograph(256, 256) * 255).astype(np.uint8))
    refused = run_cli(
        "explain.py", str(film), "--method", "gradcam", "--model", "erf", "--out", str(tmp_path / "a"), env=env
    )
    assert refused.returncode == 2 and "Grad-CAM is not available for model erf" in refused.stderr
    assert "Traceback" not in refused.stderr
    done = run_cli(
        "explain.py",
        str(film),
        "--method",
        "occlusion",
        "--model",
        "erf",
        "--explain-anyway",
        "--json",
        "--out",
        str(tmp_path / "b"),
        env=env,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1: the gate's note on a synthetic film
    record = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
    assert record["model"] == "erf" and record["method"] == "occlusion"
    assert np.load(next((tmp_path / "b").glob("*.npy"))).max() > 0


def test_the_sanity_checks_randomised_copy_of_an_onnx_model_redraws_only_its_last_layers(tmp_path):
    from onnx import numpy_helper

    from model.network.onnx_network import OnnxNetwork
    from model.trust.sanity import randomisation_correlations, randomised_copy

    network = OnnxNetwork(onnx_models.region_reader(tmp_path / "r.onnx", region=REGION), onnx_card())
    copy = randomised_copy(network, top_layers=2)
    before = {t.name: numpy_helper.to_array(t) for t in network.proto().graph.initializer}
    after = {t.name: numpy_helper.to_array(t) for t in copy.proto().graph.initializer}
    changed = {name for name in before if not np.array_equal(before[name], after[name])}
    assert changed == {"w2", "fc"}  # the last Conv and the Gemm; their zero biases stay zero, the first Conv stays
    x = films()
    assert not np.allclose(network.probabilities(x), copy.probabilities(x))
    correlations = randomisation_correlations(network, copy, "occlusion", x, np.zeros(len(x), dtype=int))
    assert correlations.shape == (len(x),) and np.all(np.isfinite(correlations))


def test_a_model_that_exhausts_memory_on_one_film_is_stopped_in_its_child(tmp_path, registry, monkeypatch):
    from model.registration import register

    monkeypatch.setattr(config, "ADMISSION_MEMORY_BYTES", int(1.5 * 2**30))
    register(onnx_models.region_reader(tmp_path / "small.onnx"), onnx_card("small"), figures=False, log=lambda _: None)
    with pytest.raises(ModelRefused, match="needed more than 1.5 GB of memory for one test film"):
        register(
            onnx_models.wide_model(tmp_path / "wide.onnx"),
            onnx_card("wide", size=512),
            figures=False,
            log=lambda _: None,
        )
    assert sorted(p.name for p in registry.iterdir()) == ["small"]  # the small one fits the same limit
