"""The app in headless Chromium, as a person uses it: upload, wait for the heatmap, visit every page.

Screenshots land in artifacts/screenshots/ for a human to look at.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from dashboard.browser_harness import CHROMIUM_ARGS, chromium_path, screenshot_path, streamlit_server
from model import config
from tests.conftest import png_bytes, requires_shipped_model, synthetic_radiograph

pytestmark = [
    requires_shipped_model,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]

VIEWPORT = {"width": 1400, "height": 2200}
# url path -> (title, plotly charts the page must draw)
PAGES = {
    "dataset": ("Dataset", 2),
    "evaluation": ("Evaluation", 4),
    "explanation_quality": ("Explanation quality", 1),
    "teaching": ("Teaching mode", 0),
    "about": ("About this model", 0),
}
WAIT_MS = 120_000


def sample_xray() -> tuple[str, bytes]:
    """A real test-split X-ray where the data is present, else a synthetic one."""
    candidates = sorted((config.data_dir() / config.RADIOGRAPHY_SUBDIR / "COVID").glob("*.png"))[:1]
    if candidates:
        return candidates[0].name, candidates[0].read_bytes()
    return "synthetic.png", png_bytes(np.round(synthetic_radiograph(320, 280) * 255).astype(np.uint8))


@pytest.fixture(scope="module")
def browser_page():
    from playwright.sync_api import sync_playwright

    with streamlit_server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport=VIEWPORT)
        yield server.url, page
        browser.close()


def skip_without_images(reason: str) -> None:
    """Skip a test that needs the test-split films when they are not present."""
    if not (config.data_dir() / config.RADIOGRAPHY_SUBDIR).is_dir():
        pytest.skip(reason)


def _wait_idle(page, min_charts: int = 0) -> None:
    """Wait until the script has finished: no running indicator, no loading skeletons, every chart drawn."""
    page.wait_for_function(
        """(minCharts) => {
            const charts = Array.from(document.querySelectorAll('.stPlotlyChart'));
            return !document.querySelector('[data-testid="stStatusWidget"]')
                && !document.querySelector('[data-testid="stSkeleton"]')
                && charts.length >= minCharts
                && charts.every(c => c.querySelector('.main-svg'));
        }""",
        arg=min_charts,
        timeout=WAIT_MS,
        polling=250,
    )
    viewer = page.locator('[data-testid="cxr-viewer"]')
    if viewer.count():  # the film viewer has drawn its film
        page.locator('[data-testid="cxr-viewer"][data-ready="1"]').first.wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(1500)  # let canvases (tables) paint before the screenshot


def _wait_answer(page) -> None:
    """Wait for the prediction; if the chest-X-ray check stops the film, press "Explain anyway" as a teacher would."""
    page.get_by_text("Prediction:").or_(page.get_by_role("button", name="Explain anyway")).first.wait_for(
        timeout=WAIT_MS
    )
    anyway = page.get_by_role("button", name="Explain anyway")
    if anyway.count():
        anyway.first.click()
    page.get_by_text("Prediction:").first.wait_for(timeout=WAIT_MS)


def _open_sample_film(page, url: str) -> None:
    """Open the Explain page, upload the sample film and wait for its answer."""
    page.goto(url)
    page.get_by_role("heading", name="Explain a chest X-ray").wait_for(timeout=WAIT_MS)
    name, data = sample_xray()
    page.locator('input[type="file"]').set_input_files(files=[{"name": name, "mimeType": "image/png", "buffer": data}])
    _wait_answer(page)


def test_example_click_opens_a_film_with_its_heatmap(browser_page):
    skip_without_images("examples come from the test split: the images are not present")
    url, page = browser_page
    page.goto(url)
    page.get_by_role("heading", name="Explain a chest X-ray").wait_for(timeout=WAIT_MS)
    page.get_by_role("button", name="(model wrong)").first.click()
    _wait_answer(page)
    _wait_idle(page, min_charts=1)
    assert page.get_by_text("True class:").count() == 1 and page.get_by_text("wrong", exact=True).count() >= 1
    page.screenshot(path=str(screenshot_path("explain_example_wrong")))


def test_upload_real_xray_shows_prediction_and_heatmap(browser_page):
    url, page = browser_page
    _open_sample_film(page, url)
    page.get_by_text("random one").first.wait_for(timeout=WAIT_MS)
    _wait_idle(page, min_charts=1)
    assert page.get_by_text("Grad-CAM for").count() >= 1
    page.screenshot(path=str(screenshot_path("explain_upload")))


def test_bad_upload_shows_message_not_traceback(browser_page):
    url, page = browser_page
    page.goto(url)
    page.get_by_role("heading", name="Explain a chest X-ray").wait_for(timeout=WAIT_MS)
    page.locator('input[type="file"]').set_input_files(
        files=[{"name": "report.png", "mimeType": "image/png", "buffer": b"definitely not a picture" * 40}]
    )
    page.get_by_text("could not be used").wait_for(timeout=WAIT_MS)
    _wait_idle(page)
    assert page.get_by_text("not an image").count() == 1
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(screenshot_path("explain_bad_upload")))


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_renders_in_the_browser(browser_page, path):
    url, page = browser_page
    title, charts = PAGES[path]
    page.goto(f"{url}/{path}")
    page.get_by_role("heading", name=title).wait_for(timeout=WAIT_MS)
    _wait_idle(page, min_charts=charts)
    assert page.get_by_text("Traceback").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(screenshot_path(path)))


def test_ten_sessions_at_once_get_their_own_results(browser_page):
    """Ten browser sessions upload different images at the same time; each sees its own file and prediction."""
    from model.image_io import load_image_bytes
    from model.inference import load_classifier, predict_images

    url, page = browser_page
    browser = page.context.browser
    uploads = [
        (f"patient{i}.png", png_bytes(np.round(synthetic_radiograph(300 + 7 * i, 280, seed=i) * 255).astype(np.uint8)))
        for i in range(10)
    ]
    model = load_classifier()
    expected = [predict_images(model, [load_image_bytes(data, name)])[0] for name, data in uploads]
    contexts = [browser.new_context(viewport={"width": 1200, "height": 1400}) for _ in uploads]
    pages = [context.new_page() for context in contexts]
    try:
        for tab in pages:
            tab.goto(url)
        for tab in pages:
            tab.locator('input[type="file"]').wait_for(state="attached", timeout=WAIT_MS)
        for tab, (name, data) in zip(pages, uploads):  # all ten start before any is awaited
            tab.locator('input[type="file"]').set_input_files(
                files=[{"name": name, "mimeType": "image/png", "buffer": data}]
            )
        for tab, (name, _), prediction in zip(pages, uploads, expected):
            _wait_answer(tab)
            _wait_idle(tab, min_charts=1)
            shown = tab.locator('[data-testid="stText"]').filter(has_text=name)
            assert shown.count() == 1, f"{name}: another session's image is shown"
            headline = tab.get_by_role("heading", name="Prediction:").inner_text()
            assert f"{prediction.label} ({prediction.confidence:.1%})" in headline
    finally:
        for context in contexts:
            context.close()


def test_a_mistake_in_the_gallery_opens_in_explain(browser_page):
    skip_without_images("the gallery shows test-split films: the images are not present")
    url, page = browser_page
    page.goto(f"{url}/evaluation")
    page.get_by_role("heading", name="Evaluation").wait_for(timeout=WAIT_MS)
    page.get_by_role("button", name="Open in Explain").first.click(timeout=WAIT_MS)
    page.get_by_role("heading", name="Explain a chest X-ray").wait_for(timeout=WAIT_MS)
    _wait_answer(page)
    _wait_idle(page, min_charts=1)
    assert page.get_by_text("True class:").count() == 1


def test_a_teaching_round_reveals_truth_model_and_heatmap(browser_page):
    skip_without_images("teaching mode deals test-split films: the images are not present")
    url, page = browser_page
    page.goto(f"{url}/teaching")
    page.get_by_role("heading", name="Teaching mode").wait_for(timeout=WAIT_MS)
    page.get_by_text("Which class is this?").wait_for(timeout=WAIT_MS)
    assert page.get_by_text("Round 1").count() == 1
    page.get_by_role("button", name="Normal", exact=True).click()
    page.get_by_text("Truth:").wait_for(timeout=WAIT_MS)
    _wait_idle(page)
    assert page.get_by_text("Model said:").count() == 1
    assert page.get_by_text("What a model could cheat with on this film").count() == 1
    assert page.get_by_text("Where the model looked").count() == 1
    page.screenshot(path=str(screenshot_path("teaching_revealed")))
    page.get_by_role("button", name="Next film").click()
    page.get_by_text("Round 2").wait_for(timeout=WAIT_MS)
    assert page.get_by_text("Truth:").count() == 0


PHONE = {"width": 390, "height": 844}
PHONE_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
)


def _overlapping_pairs(page, selector_a: str, selector_b: str) -> list[str]:
    """Pairs of visible elements (one from each selector) whose boxes overlap."""
    return page.evaluate(
        """([a, b]) => {
            const boxes = s => Array.from(document.querySelectorAll(s))
                .map(e => [e, e.getBoundingClientRect()]).filter(([e, r]) => r.width > 0 && r.height > 0);
            const found = [];
            for (const [ea, ra] of boxes(a)) for (const [eb, rb] of boxes(b)) {
                if (ea === eb || ea.contains(eb) || eb.contains(ea)) continue;
                if (ra.left < rb.right && rb.left < ra.right && ra.top < rb.bottom && rb.top < ra.bottom)
                    found.push([ea, eb].map(e => (e.textContent || e.className).slice(0, 40)).join(' / '));
            }
            return found;
        }""",
        [selector_a, selector_b],
    )


def test_explain_on_a_phone_shows_one_pane_without_overlapping_toolbars(browser_page):
    url, page = browser_page
    context = page.context.browser.new_context(viewport=PHONE, user_agent=PHONE_AGENT, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        _open_sample_film(phone, url)
        _wait_idle(phone, min_charts=1)
        titles = phone.locator('[data-testid="cxr-viewer"] .cxr-title').all_text_contents()
        assert len(titles) == 1 and " for " in titles[0], "one pane: the heatmap"
        viewer = phone.locator('[data-testid="cxr-viewer"] canvas').first.bounding_box()
        assert viewer["width"] <= PHONE["width"], "the viewer fits the screen"
        assert phone.get_by_text("Prediction:").first.bounding_box()["y"] < viewer["y"], "the answer above the film"
        controls = phone.get_by_role("button", name="Method, class and layer")
        assert controls.count() == 1 and controls.bounding_box()["y"] < viewer["y"], "controls without the drawer"
        overlaps = _overlapping_pairs(phone, "button", "button")
        assert not overlaps, overlaps
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"the page scrolls sideways ({width}px)"
        phone.screenshot(path=str(screenshot_path("phone_explain_heatmap")))
        viewer = phone.locator('[data-testid="cxr-viewer"]')
        viewer.get_by_role("button", name="More", exact=True).click()
        viewer.get_by_label("Panes").select_option(label="X-ray only")
        phone.wait_for_timeout(300)
        assert phone.locator('[data-testid="cxr-viewer"] .cxr-title').all_text_contents() == ["X-ray"]
        phone.screenshot(path=str(screenshot_path("phone_explain_xray")))
    finally:
        context.close()


SCREENSHOT_PAGES = {"": "Explain a chest X-ray", **{path: title for path, (title, _) in PAGES.items()}}


@pytest.mark.parametrize("size", ["1440x900", "390x844"])
def test_screenshots_of_every_page(browser_page, size, tmp_path):
    """Every page at a laptop's and a phone's size, for a person to look at (artifacts/screenshots/); the Archive
    audit page once empty and once with a small audit open."""
    import shutil

    from tests.test_archive_page import synthetic_audit

    audit = config.audit_roots()[0] / f"browser_test_audit_{size}"  # under the page's allowed root
    shutil.rmtree(audit, ignore_errors=True)
    synthetic_audit(audit)
    url, page = browser_page
    width, height = (int(v) for v in size.split("x"))
    phone = width < 600
    context = page.context.browser.new_context(
        viewport={"width": width, "height": height}, user_agent=PHONE_AGENT if phone else None, is_mobile=phone
    )
    tab = context.new_page()
    try:
        for path, title in {**SCREENSHOT_PAGES, "archive": "Archive audit"}.items():
            tab.goto(f"{url}/{path}")
            tab.get_by_role("heading", name=title).wait_for(timeout=WAIT_MS)
            _wait_idle(tab)
            assert tab.locator('[data-testid="stException"]').count() == 0, path
            tab.screenshot(path=str(screenshot_path(f"{size}_{path or 'explain'}")))
        field = tab.get_by_label("Audit output folder")
        field.fill(str(audit))
        field.press("Enter")
        tab.get_by_text("Films to look at").wait_for(timeout=WAIT_MS)
        _wait_idle(tab, min_charts=1)
        tab.screenshot(path=str(screenshot_path(f"{size}_archive_open")))
        _open_sample_film(tab, url)
        _wait_idle(tab, min_charts=1)
        tab.screenshot(path=str(screenshot_path(f"{size}_explain_film")))
    finally:
        context.close()
        shutil.rmtree(audit, ignore_errors=True)


def _models_in_registry() -> list[str]:
    from model.registry import model_ids

    return model_ids()


def test_compare_models_shows_one_film_through_two_models_zooming_together(browser_page):
    if len(_models_in_registry()) < 2:
        pytest.skip("fewer than two registered models")
    skip_without_images("the radiologist-boxed films (nih_adult/) are not present")
    url, page = browser_page
    page.goto(f"{url}/compare_models")
    page.get_by_text("Where they disagree").first.wait_for(timeout=WAIT_MS)
    _wait_idle(page, min_charts=0)
    viewer = page.locator('[data-testid="cxr-viewer"]')
    viewer.locator("canvas").first.wait_for(timeout=WAIT_MS)
    assert viewer.locator("canvas").count() == 2, "two models, two panes"
    lines = page.locator("p").filter(has_text=re.compile(r"^Heat inside the lungs"))
    assert lines.count() == 2  # a figure line per model
    # Zoom one pane: the view (shared by every pane) narrows.
    before = viewer.get_attribute("data-view")
    box = viewer.locator("canvas").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(800)
    x0, _, x1, _ = (float(v) for v in viewer.get_attribute("data-view").split(","))
    b0, _, b1, _ = (float(v) for v in before.split(","))
    assert x1 - x0 < b1 - b0, (before, viewer.get_attribute("data-view"))
    page.screenshot(path=str(screenshot_path("compare_models")))


def test_switching_the_model_changes_the_answer_on_the_same_film(browser_page):
    from model.registry import all_registered

    entries = [e for e in all_registered() if e.card.teaching_exhibit]
    if not entries:
        pytest.skip("no teaching exhibit registered")
    url, page = browser_page
    _open_sample_film(page, url)
    before = page.get_by_text("Prediction:").first.inner_text()
    picker = page.get_by_role("combobox", name="Model")  # the sidebar's model picker, by its label
    picker.click()
    page.get_by_role("option", name=entries[0].card.display_name, exact=False).first.click()
    page.get_by_text("teaching exhibit", exact=False).first.wait_for(timeout=WAIT_MS)
    _wait_answer(page)
    _wait_idle(page, min_charts=1)
    page.screenshot(path=str(screenshot_path("explain_exhibit_model")))
    # The answer came through the exhibit: the chest-X-ray check says it ran without its feature-space part, which
    # is calibrated for the default model only; switching back removes the note.
    page.get_by_text("ran its image and lung tests only", exact=False).first.wait_for(timeout=WAIT_MS)
    assert page.get_by_text("Prediction:").count() >= 1
    page.get_by_role("combobox", name="Model").click()
    page.get_by_role("option", name="default", exact=False).first.click()
    _wait_answer(page)
    _wait_idle(page, min_charts=1)
    assert page.get_by_text("ran its image and lung tests only", exact=False).count() == 0
    assert before == page.get_by_text("Prediction:").first.inner_text()  # the default model's answer again


def test_the_analysis_child_does_not_run_the_app(browser_page):
    """The spawned analysis process re-imports the main script; under Streamlit that is dashboard/app.py, which
    must not draw the app there (it used to log dozens of 'missing ScriptRunContext' warnings)."""
    url, page = browser_page
    _open_sample_film(page, url)  # the analysis process has answered: it was started and loaded its models
    port = url.rsplit(":", 1)[1]
    log = (config.ARTIFACTS_DIR / f"streamlit_{port}.log").read_text()
    assert "ScriptRunContext" not in log and "No runtime found" not in log, log[-2000:]
