"""The film viewer in Chromium, read through its contract: the root element `[data-testid=cxr-viewer]` carries
`data-view` (the visible film region, film pixels) and `data-window` (low,high in the film's own units).

Zoom once, then change what is explained (method, class, window preset, model): the view must stay where the
person put it. A window/level drag moves the window; a rectangle drawn comes back to Python in film pixels; on a
phone, one pane fills the width and a pinch zooms.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from dashboard.browser_harness import CHROMIUM_ARGS, chromium_path, screenshot_path, streamlit_server
from model import config
from model.explain import METHODS
from tests.conftest import png_bytes, requires_shipped_model, synthetic_radiograph

pytestmark = [
    requires_shipped_model,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]

WAIT_MS = 120_000
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
PHONE_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
)
VIEWER = '[data-testid="cxr-viewer"]'
SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSkeleton"]')"""


def sample_film() -> tuple[str, bytes]:
    """A real NIH film (1024 px, the size a radiologist zooms into) where the data is present, else a synthetic
    16-bit film of that size."""
    nih = sorted((config.data_dir() / config.NIH_ADULT_SUBDIR).rglob("*.png"))[:1]
    if nih:
        return nih[0].name, nih[0].read_bytes()
    film = np.round(synthetic_radiograph(1024, 1024, seed=5) * 65535).astype(np.uint16)
    return "synthetic16.png", png_bytes(film)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with streamlit_server() as server, sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield server.url, launched
        launched.close()


def _open(page, url: str, name: str, data: bytes) -> None:
    page.goto(url)
    page.get_by_role("heading", name="Explain a chest X-ray").wait_for(timeout=WAIT_MS)
    page.locator('input[type="file"]').set_input_files(files=[{"name": name, "mimeType": "image/png", "buffer": data}])
    page.get_by_text("Prediction:").or_(page.get_by_role("button", name="Explain anyway")).first.wait_for(
        timeout=WAIT_MS
    )
    anyway = page.get_by_role("button", name="Explain anyway")
    if anyway.count():
        anyway.first.click()
    _ready(page)


def _ready(page) -> None:
    """Until the script has finished and the viewer has drawn its film."""
    page.locator(f'{VIEWER}[data-ready="1"]').first.wait_for(timeout=WAIT_MS)
    page.wait_for_function(SETTLED, timeout=WAIT_MS, polling=100)
    page.wait_for_timeout(600)


def _view(page) -> list[float]:
    return [float(v) for v in page.locator(VIEWER).first.get_attribute("data-view").split(",")]


def _window(page) -> list[float]:
    return [float(v) for v in page.locator(VIEWER).first.get_attribute("data-window").split(",")]


def _pane_titles(page) -> list[str]:
    return page.locator(f"{VIEWER} .cxr-title").all_text_contents()


def _choose(page, label: str, option: str) -> None:
    """Pick `option` in the sidebar selectbox labelled `label`."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text=label).first
    box.scroll_into_view_if_needed()
    box.get_by_role("button", name="Open").click()
    page.get_by_role("option", name=option, exact=True).click()


def _wait_title(page, text: str) -> None:
    page.wait_for_function(
        """(t) => Array.from(document.querySelectorAll('*')).some(e => e.shadowRoot
            && Array.from(e.shadowRoot.querySelectorAll('.cxr-title')).some(x => x.textContent.includes(t)))""",
        arg=text,
        timeout=WAIT_MS,
        polling=200,
    )
    _ready(page)


def _zoom(page, steps: int = 4) -> None:
    canvas = page.locator(f"{VIEWER} canvas").last
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
    for _ in range(steps):
        page.mouse.wheel(0, -300)
        page.wait_for_timeout(100)
    page.wait_for_timeout(400)


def _same_view(before: list[float], after: list[float]) -> bool:
    return max(abs(a - b) for a, b in zip(before, after)) <= 1.0  # within one film pixel


def test_the_view_stays_through_method_class_window_and_model_changes(browser):
    url, launched = browser
    page = launched.new_page(viewport=DESKTOP)
    name, data = sample_film()
    _open(page, url, name, data)
    whole = _view(page)
    _zoom(page)
    zoomed = _view(page)
    assert zoomed[2] - zoomed[0] < 0.7 * (whole[2] - whole[0]), (whole, zoomed)
    checks = {}

    layercam = METHODS["layercam"].label
    _choose(page, "Method", layercam)
    _wait_title(page, f"{layercam} for")
    checks["method"] = _view(page)
    page.screenshot(path=str(screenshot_path("viewer_zoomed_after_method_change")))

    predicted = page.get_by_role("heading", name="Prediction:").inner_text()
    other = next(c for c in config.CLASS_NAMES if c not in predicted)
    _choose(page, "Explain the class", other)
    _wait_title(page, f"for {other}")
    checks["class"] = _view(page)

    before_window = _window(page)
    page.locator(f'{VIEWER} select[aria-label="Window preset"]').select_option(index=2)  # "Lung"
    page.wait_for_timeout(300)
    checks["preset"] = _view(page)
    assert _window(page) != before_window, "a preset changes the window"

    from model.registry import all_registered

    others = [e.card for e in all_registered() if e.card.id != config.default_model_id()]
    if others:
        picker = page.get_by_role("combobox", name="Model")
        picker.click()
        page.get_by_role("option", name=others[0].display_name, exact=False).first.click()
        page.get_by_text("Prediction:").first.wait_for(timeout=WAIT_MS)
        _ready(page)
        page.wait_for_timeout(1500)
        checks["model"] = _view(page)
    for change, view in checks.items():
        assert _same_view(zoomed, view), f"the view moved after a {change} change: {zoomed} -> {view}"
    assert page.get_by_text("Traceback").count() == 0
    page.close()


def test_window_level_drag_and_a_drawn_rectangle_reach_python(browser):
    url, launched = browser
    page = launched.new_page(viewport=DESKTOP)
    name, data = sample_film()
    _open(page, url, name, data)
    canvas = page.locator(f"{VIEWER} canvas").first
    box = canvas.bounding_box()
    before = _window(page)
    page.locator(f"{VIEWER} button", has_text="W/L").click()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 120, box["y"] + box["height"] / 2 + 60, steps=8)
    page.mouse.up()
    after = _window(page)
    assert after != before and (after[1] - after[0]) < (before[1] - before[0]), (before, after)

    view = _view(page)
    page.locator(f"{VIEWER} button", has_text="Box").click()
    start = (box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
    end = (box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=6)
    page.mouse.up()
    caption = page.get_by_text("· Rectangle")  # the mark's row in "Your reading", in film pixels
    caption.wait_for(timeout=WAIT_MS)
    numbers = [float(v) for v in re.findall(r"[\d.]+", caption.inner_text())]
    x0, y0, x1, y1 = numbers[-4:]
    # The film pixels under the two corners, from the view the viewer reported before drawing.
    scale_x = (view[2] - view[0]) / box["width"]
    scale_y = (view[3] - view[1]) / box["height"]
    expected = [
        view[0] + (start[0] - box["x"]) * scale_x,
        view[1] + (start[1] - box["y"]) * scale_y,
        view[0] + (end[0] - box["x"]) * scale_x,
        view[1] + (end[1] - box["y"]) * scale_y,
    ]
    assert [x0, y0, x1, y1] == pytest.approx(expected, abs=2.5), (numbers, expected)
    page.screenshot(path=str(screenshot_path("viewer_drawing")))
    page.keyboard.press("Delete")  # the new mark is selected: Delete removes it, and Python hears so
    page.wait_for_function(SETTLED, timeout=WAIT_MS)
    page.wait_for_timeout(800)
    assert page.get_by_text("· Rectangle").count() == 0
    page.close()


def test_on_a_phone_one_pane_fills_the_width_and_a_pinch_zooms(browser):
    url, launched = browser
    context = launched.new_context(viewport=PHONE, user_agent=PHONE_AGENT, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        name, data = sample_film()
        _open(page, url, name, data)
        canvases = page.locator(f"{VIEWER} canvas")
        assert canvases.count() == 1, "one pane on a phone"
        box = canvases.first.bounding_box()
        assert box["width"] >= PHONE["width"] * 0.8, box
        page.screenshot(path=str(screenshot_path("viewer_phone_first_screen")))
        assert box["y"] < PHONE["height"] * 0.8, f"the film starts within the first screen ({box['y']:.0f} px down)"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"the page scrolls sideways ({width}px)"
        page.screenshot(path=str(screenshot_path("viewer_phone")))
        before = _view(page)
        session = context.new_cdp_session(page)
        page.evaluate("window.scrollTo(0, 0)")
        box = canvases.first.bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        points = lambda spread: [{"x": cx - spread, "y": cy, "id": 1}, {"x": cx + spread, "y": cy, "id": 2}]  # noqa: E731
        session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points(20)})
        for spread in range(30, 130, 10):
            session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": points(spread)})
            page.wait_for_timeout(30)
        session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        page.wait_for_timeout(400)
        after = _view(page)
        assert after[2] - after[0] < 0.6 * (before[2] - before[0]), (before, after)
        page.screenshot(path=str(screenshot_path("viewer_phone_pinched")))
    finally:
        context.close()
