"""Hostile uploads in Chromium: each is refused in a sentence on the page, and the page server's peak memory does not
move, since the decoding happens in its supervised children (the server's own VmHWM, read from /proc)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.browser_harness import CHROMIUM_ARGS, chromium_path, screenshot_path, streamlit_server
from tests import hostile_review as hostile
from tests.conftest import requires_shipped_model
from tests.hostile_decoding import jpeg_in_dicom_claiming
from tests.test_browser import WAIT_MS, _open_sample_film, _wait_idle

pytestmark = [
    requires_shipped_model,
    pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed (apt-get install chromium)"),
]

# Peak memory the page server may gain over a hostile upload: a page run and its widgets, never a decoded bomb.
SLACK_MB = 40


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _hostile_uploads() -> list[tuple[str, bytes, str]]:
    return [
        *(
            (f"deflated_{layout}.dcm", hostile.deflated_bomb(600 << 20, layout), "would inflate past")
            for layout in hostile.DEFLATE_LAYOUTS
        ),
        ("segmented.dcm", hostile.segmented_palette_dicom(3_600), "segmented red palette expands"),
        ("frames.gif", hostile.gif_with_frames(100_000), "more than 64 frames"),
        ("bomb_jpeg.dcm", jpeg_in_dicom_claiming(60000, 60000), "declares 60000x60000"),
        ("words_ybr_rct.dcm", hostile.colour_dicom("YBR_RCT"), "colour picture"),
    ]


def test_hostile_uploads_are_refused_and_the_page_servers_peak_memory_does_not_move():
    from playwright.sync_api import sync_playwright

    with streamlit_server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        _open_sample_film(page, server.url)  # warm: the pages, the analysis process, one honest decode
        _wait_idle(page)
        baseline = _peak_mb(server.pid)
        peaks = {}
        for name, data, says in _hostile_uploads():
            page.goto(server.url)
            page.get_by_role("heading", name="Explain a chest X-ray").wait_for(timeout=WAIT_MS)
            page.locator('input[type="file"]').set_input_files(
                files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}]
            )
            page.get_by_text(says).first.wait_for(timeout=WAIT_MS)
            _wait_idle(page)
            assert page.get_by_text("Traceback").count() == 0, name
            peaks[name] = _peak_mb(server.pid)
            if name == "deflated_bare.dcm":
                page.screenshot(path=str(screenshot_path("explain_hostile_deflated")))
        page.set_viewport_size({"width": 390, "height": 844})
        _wait_idle(page)
        page.screenshot(path=str(screenshot_path("explain_hostile_colour_phone")))
        browser.close()
    print(
        f"page server peak: {baseline:.0f} MB before, after each: "
        + ", ".join(f"{k} {v:.0f}" for k, v in peaks.items())
    )
    assert max(peaks.values()) - baseline < SLACK_MB, (baseline, peaks)
