"""Adding an explanation method is one module and one catalog entry: it then appears in the CLI and the app."""

from __future__ import annotations

import json
import runpy
import sys

import numpy as np
import pytest

from model import config
from model.explain.catalog import METHODS, MethodInfo
from tests.conftest import png_bytes, requires_shipped_model, synthetic_radiograph

TOY = MethodInfo(
    "toycam",
    "Toy-CAM",
    "Sums the layer's activations: a test method.",
    uses_layer=True,
    passes_sanity=True,
    module="tests.toy_method",
)


@pytest.fixture
def toy_method(monkeypatch):
    monkeypatch.setitem(METHODS, TOY.name, TOY)
    yield TOY
    from model.explain.registry import explainer_classes

    monkeypatch.delitem(METHODS, TOY.name)
    explainer_classes()  # the registry forgets it again


def test_the_hook_alone_defines_the_map(toy_method):
    from model.explain.registry import EXPLAINERS, get_explainer
    from tests.toy_models import build_toy_model, patch_images

    model = build_toy_model()
    images, labels, _ = patch_images(2)
    maps = get_explainer(model, "toycam")(images[:2], labels[:2]).maps
    assert "toycam" in EXPLAINERS
    assert maps.shape == (2, *images.shape[1:3]) and np.all(maps >= 0) and maps.max() == pytest.approx(1.0)


@requires_shipped_model
def test_a_new_method_appears_in_the_cli(toy_method, tmp_path, monkeypatch, capsys):
    film = tmp_path / "film.png"
    film.write_bytes(png_bytes(np.round(synthetic_radiograph(300, 260) * 255).astype(np.uint8)))
    out = tmp_path / "out"
    monkeypatch.setattr(
        sys, "argv", ["explain.py", str(film), "--method", "toycam", "--out", str(out), "--json", "--explain-anyway"]
    )
    monkeypatch.syspath_prepend(str(config.REPO_ROOT / "scripts"))
    with pytest.raises(SystemExit) as exit_code:
        runpy.run_path(str(config.REPO_ROOT / "scripts" / "explain.py"), run_name="__main__")
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["method"] == "toycam", record
    assert exit_code.value.code in (0, 1)  # 1 where the chest-X-ray check stopped the synthetic film
    assert list(out.glob("*toycam*.png")), "its overlay was written"


@requires_shipped_model
def test_a_new_method_appears_in_the_app(toy_method):
    from tests.test_dashboard import fresh_app, upload, xray_png

    at = fresh_app().run()
    upload(at, "chest.png", xray_png())
    picker = at.selectbox(key="method")
    assert "toycam" in picker.options or "Toy-CAM" in picker.options
    picker.set_value("toycam").run()
    assert not at.exception
    assert any(TOY.description in c.value for c in at.caption), "the page describes the method it drew"
