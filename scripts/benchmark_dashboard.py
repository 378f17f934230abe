"""The dashboard in headless Chromium: cold start to interactive, upload-to-heatmap, server memory.

Usage: python scripts/benchmark_dashboard.py   (needs Debian's chromium; see README)
"""

from __future__ import annotations

import time

import numpy as np

from dashboard.browser_harness import CHROMIUM_ARGS, chromium_path, peak_rss_mb, streamlit_server
from model.overlay import encode_png
from model.synthetic import synthetic_radiograph

WAIT_MS = 120_000


def sample_films(count: int) -> list[bytes]:
    """Real test films where the data is present (what a user uploads), else synthetic look-alikes."""
    from model import config

    real = sorted((config.data_dir() / config.RADIOGRAPHY_SUBDIR / "COVID").glob("*.png"))[:count]
    if len(real) == count:
        return [path.read_bytes() for path in real]
    return [encode_png(np.round(synthetic_radiograph(512, 480, seed=s) * 255).astype(np.uint8)) for s in range(count)]


def upload_and_wait(page, name: str, data: bytes) -> float:
    """Seconds from choosing the file until the heatmap chart has drawn."""
    started = time.perf_counter()
    page.locator('input[type="file"]').set_input_files(files=[{"name": name, "mimeType": "image/png", "buffer": data}])
    # Done when the viewer's heatmap pane has its title, or the chest-X-ray check has answered instead.
    page.wait_for_function(
        "(Array.from(document.querySelectorAll('.stPlotlyChart .annotation-text'))"
        ".some(t => t.textContent.includes(' for '))"
        " || Array.from(document.querySelectorAll('button')).some(b => b.textContent.includes('Explain anyway')))"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=WAIT_MS,
        polling=50,
    )
    return time.perf_counter() - started


def main() -> None:
    from playwright.sync_api import sync_playwright

    if chromium_path() is None:
        raise SystemExit("chromium not found: apt-get install chromium")
    images = sample_films(3)
    with streamlit_server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(server.url)
        page.get_by_role("heading", name="Explain a chest X-ray").wait_for(timeout=WAIT_MS)
        page.locator('input[type="file"]').wait_for(state="attached", timeout=WAIT_MS)
        cold = time.perf_counter() - server.started_at
        first = upload_and_wait(page, "first.png", images[0])
        page.reload()
        page.locator('input[type="file"]').wait_for(state="attached", timeout=WAIT_MS)
        warm = [upload_and_wait(page, f"warm{i}.png", image) for i, image in enumerate(images[1:], 1)]
        memory = peak_rss_mb(server.pid)
        browser.close()
    print(f"cold start (process launch -> upload widget in the browser): {cold:5.1f} s")
    print(f"upload-to-heatmap, first image (model load + tracing):       {first:5.2f} s")
    print(f"upload-to-heatmap, warm, median of {len(warm)}:                      {sorted(warm)[len(warm) // 2]:5.2f} s")
    print(f"streamlit server peak resident memory:                        {memory:5.0f} MiB")


if __name__ == "__main__":
    main()
