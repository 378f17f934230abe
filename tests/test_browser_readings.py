"""Readings in a real browser against a real PostgreSQL: two Chromium sessions read the same film at the same
moment and both readings are kept; a proxy's signed-in name is the reader and cannot be typed over; the reader
study at desktop and phone sizes (screenshots in artifacts/screenshots)."""

from __future__ import annotations

import pytest

from dashboard.browser_harness import CHROMIUM_ARGS, chromium_path, screenshot_path, streamlit_server
from model import config
from model.readings.store import ReadingStore
from tests.conftest import requires_shipped_model
from tests.postgres_server import create_database
from tests.test_browser_viewer import PHONE_AGENT
from tests.test_readings_cli import requires_nih_boxes

pytestmark = [
    pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed (scripts/dev.sh test installs it)"),
    requires_nih_boxes,
    requires_shipped_model,
]
VIEWER = '[data-testid="cxr-viewer"]'
SETTLED = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
WAIT_MS = 240_000
DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(postgres_cluster):
    from playwright.sync_api import sync_playwright

    url = create_database(*postgres_cluster, "browser_readings")
    env = {config.DATABASE_URL_ENV: url, config.READER_HEADER_ENV: "X-Forwarded-User"}
    with streamlit_server(env=env) as running, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield running.url, browser, url
        browser.close()


def _settle(page, ms: int = 800) -> None:
    page.wait_for_function(SETTLED, timeout=WAIT_MS, polling=100)
    page.wait_for_timeout(ms)


def _study(browser, base: str, reader: str | None, viewport=DESKTOP, headers=None):
    phone = {"user_agent": PHONE_AGENT, "is_mobile": True, "has_touch": True} if viewport is PHONE else {}
    context = browser.new_context(viewport=viewport, extra_http_headers=headers or {}, **phone)
    page = context.new_page()
    page.goto(f"{base}/reader_study")
    page.get_by_text("Read each film before you see any heatmap").wait_for(timeout=WAIT_MS)
    _settle(page)
    if reader is not None:
        box = page.get_by_role("textbox", name="Reader (your name)")
        box.fill(reader)
        box.press("Enter")
        _settle(page)
    page.locator(f'{VIEWER}[data-ready="1"]').first.wait_for(timeout=WAIT_MS)
    _settle(page)
    return context, page


def _draw_box(page, x0: float, y0: float, x1: float, y1: float) -> None:
    canvas = page.locator(f"{VIEWER} canvas").first
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = canvas.bounding_box()
    page.locator(f"{VIEWER} button", has_text="Box").first.click()
    page.mouse.move(box["x"] + box["width"] * x0, box["y"] + box["height"] * y0)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * x1, box["y"] + box["height"] * y1, steps=6)
    page.mouse.up()
    page.get_by_text("· Rectangle").first.wait_for(timeout=WAIT_MS)
    _settle(page)


def test_two_sessions_reading_the_same_film_at_once_both_keep_their_readings(server):
    base, browser, url = server
    (first_context, first), (second_context, second) = (_study(browser, base, name) for name in ("Dr A", "Dr B"))
    _draw_box(first, 0.55, 0.45, 0.75, 0.65)
    _draw_box(second, 0.2, 0.3, 0.4, 0.5)
    first.screenshot(path=str(screenshot_path("reader_study_before_reveal")))
    buttons = [page.get_by_role("button", name="Save and reveal") for page in (first, second)]
    buttons[0].click()
    buttons[1].click()  # the second save starts while the first is being written
    for page in (first, second):
        page.get_by_text("Your marks stay editable").wait_for(timeout=WAIT_MS)
        _settle(page, 1500)
    first.screenshot(path=str(screenshot_path("reader_study_reveal")))
    first.get_by_text("Your marks stay editable").scroll_into_view_if_needed()
    first.screenshot(path=str(screenshot_path("reader_study_reveal_table")))
    store = ReadingStore(url)
    film = store.worklist(config.NIH_WORKLIST_NAME)[0]
    kept = {r.reader: r for r in store.readings(sha256=film.sha256)}
    assert {"Dr A", "Dr B"} <= set(kept), kept
    a, b = kept["Dr A"].marks[0].mark, kept["Dr B"].marks[0].mark
    assert a.x0 > film.width / 2 > b.x0, (a, b)  # each session's own box, not the other's
    assert first.get_by_text("Traceback").count() == 0 and second.get_by_text("Traceback").count() == 0
    first_context.close()
    second_context.close()


def test_the_proxys_name_is_the_reader_and_cannot_be_typed_over(server):
    base, browser, _url = server
    context, page = _study(browser, base, None, headers={"X-Forwarded-User": "dr.proxy@hospital.example"})
    field = page.get_by_role("textbox", name="Reader")
    assert field.input_value() == "dr.proxy@hospital.example" and field.is_disabled()
    assert page.get_by_role("textbox", name="Reader (your name)").count() == 0
    context.close()


def test_the_reader_study_on_a_phone(server):
    base, browser, _url = server
    context, page = _study(browser, base, "Dr Phone", viewport=PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, "nothing runs off the side"
    page.screenshot(path=str(screenshot_path("reader_study_phone")))
    _draw_box(page, 0.3, 0.3, 0.6, 0.6)
    page.get_by_role("button", name="Save and reveal").click()
    page.get_by_text("Your marks stay editable").wait_for(timeout=WAIT_MS)
    _settle(page, 1500)
    page.screenshot(path=str(screenshot_path("reader_study_phone_reveal")))
    panes = page.locator(f"{VIEWER} .cxr-pane")
    assert panes.count() == 2, "a phone shows the film and one method's map, not every pane squeezed"
    context.close()
