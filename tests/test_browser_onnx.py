"""An ONNX model in the dashboard, driven in Chromium: the default model's tf2onnx export registered beside it,
explained on Explain and compared with its Keras original on Compare models."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.browser_harness import CHROMIUM_ARGS, chromium_path, screenshot_path, streamlit_server
from model import config
from tests import onnx_models
from tests.conftest import requires_real_data, requires_shipped_model
from tests.test_browser import WAIT_MS, _open_sample_film, _wait_idle

pytestmark = [
    requires_shipped_model,
    requires_real_data,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def onnx_registry(tmp_path_factory) -> Path:
    """The shipped default model and its ONNX export, in a registry of their own."""
    import keras

    folder = tmp_path_factory.mktemp("registry")
    registry = folder / "models"
    shutil.copytree(config.MODELS_DIR / config.DEFAULT_MODEL_ID, registry / config.DEFAULT_MODEL_ID)
    exported = onnx_models.keras_export(keras.saving.load_model(config.MODEL_PATH, compile=False), folder / "f3.onnx")
    added = subprocess.run(
        [
            sys.executable,
            "scripts/add_model.py",
            str(exported),
            "--id",
            "f3_onnx",
            "--name",
            "f3 through ONNX",
            "--classes",
            ",".join(config.CLASS_NAMES),
            "--no-figures",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**__import__("os").environ, config.MODELS_DIR_ENV: str(registry)},
    )
    assert added.returncode == 0, added.stderr[-2000:]
    return registry


def test_an_onnx_model_explains_and_compares_beside_its_keras_original(onnx_registry):
    from playwright.sync_api import sync_playwright

    env = {config.MODELS_DIR_ENV: str(onnx_registry), config.DEFAULT_MODEL_ENV: "f3_onnx"}
    with streamlit_server(env=env) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            _open_sample_film(page, server.url)  # Explain, with the ONNX model as the session's model
            _wait_idle(page, min_charts=1)
            page.screenshot(path=str(screenshot_path("onnx_explain")))
            # The map was read from the ONNX graph's own tensor: the pane is titled with its name.
            page.get_by_text(re.compile(r"Grad-CAM for .* on layer Conv__\d+:0")).first.wait_for(timeout=WAIT_MS)
            page.screenshot(path=str(screenshot_path("onnx_explain")))
            page.goto(f"{server.url}/compare_models")
            page.get_by_text("Where they disagree").first.wait_for(timeout=WAIT_MS)
            _wait_idle(page, min_charts=0)
            titles = page.locator('[data-testid="cxr-viewer"] .cxr-title').all_text_contents()
            answers = [t.rsplit(" · ", 1)[1] for t in titles if " · " in t]
            assert len(answers) == 2 and answers[0] == answers[1], titles  # same label and confidence
            page.screenshot(path=str(screenshot_path("onnx_compare_models")))
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto(f"{server.url}/compare_models")
            phone.get_by_text("Where they disagree").first.wait_for(timeout=WAIT_MS)
            _wait_idle(phone, min_charts=0)
            phone.screenshot(path=str(screenshot_path("onnx_compare_models_phone")))
        finally:
            browser.close()
