"""The dashboard in headless Chromium, timed as people use it: one user, ten users, twenty users at once.

Usage: python scripts/benchmark_dashboard.py [--repeats 5] [--skip-crowd] [--json]   (needs Debian's chromium)

One user on a warm server (median of --repeats films): upload of a new film to its heatmap drawn; a method switch
once the other methods were computed in the background (cached) and a switch of the explained class, which nobody
computed yet (fresh); compare-all right after an upload; the first visit to Evaluation. Then the server's resident
memory with ten sessions holding a film each, and twenty sessions uploading at once (then switching method), each
timed from its own action to its own heatmap. With more than one registered model: switching model on a loaded film
(first switch, which loads it, and warm switches) and Compare models with three models on a new film. --json prints
one object with cold_start_s, first_upload_s, upload_to_heatmap_s, method_switch_cached_s, method_switch_fresh_s,
compare_all_s, evaluation_first_visit_s, model_switch_first_s, model_switch_warm_s, compare_three_models_s,
rss_10_sessions_mb, p95_first_heatmap_20_sessions_s, p95_method_switch_20_sessions_s.

The film viewer (--viewer-only runs just this part): on a 2048-px 16-bit film, the bytes the page receives over its
websocket for the upload (the film goes once) and per method switch (median of three switches), and the viewer's own
redraw time in Chromium (its data-frame-ms, median and 90th percentile over wheel zooms, pans and opacity changes)
at 1440x900: viewer_upload_kb, viewer_method_switch_kb, viewer_redraw_median_ms, viewer_redraw_p90_ms,
viewer_wheel_to_paint_median_ms (a wheel event to the second frame after it: two frames = drawn in the next),
viewer_wl_drag_median_ms (re-windowing the film for one window/level drag step, its data-window-ms; a film over
0.5 Mpx is re-windowed on a reduced copy during the drag, the full film when it ends).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

from dashboard.browser_harness import CHROMIUM_ARGS, chromium_path, streamlit_server, tree_rss_mb
from model import config
from model.explain.catalog import METHODS
from model.overlay import encode_png
from model.synthetic import synthetic_radiograph

WAIT_MS = 180_000
ACTION_MS = 10_000  # a click that cannot happen in 10 s means the session's page never became usable
VIEWPORT = {"width": 1440, "height": 900}
# The film viewer's root (inside its element's shadow root), from the page.
VIEWER_ROOT = """(() => { for (const e of document.querySelectorAll('*')) {
        const r = e.shadowRoot && e.shadowRoot.querySelector('[data-testid="cxr-viewer"]'); if (r) return r; }
        return null; })()"""
# True once the viewer's heatmap pane carries `title`, its film is drawn and the script has finished running.
DRAWN = (
    """(title) => { const root = """
    + VIEWER_ROOT
    + """; return !document.querySelector('[data-testid="stStatusWidget"]') && !!root && root.dataset.ready === '1'
        && Array.from(root.querySelectorAll('.cxr-title')).some(t => t.textContent.includes(title)); }"""
)
ANYWAY = "() => Array.from(document.querySelectorAll('button')).some(b => b.textContent.includes('Explain anyway'))"


def sample_films(count: int, offset: int = 0) -> list[bytes]:
    """Real test films where the data is present (what a user uploads), else synthetic look-alikes."""
    from model import config

    real = sorted((config.data_dir() / config.RADIOGRAPHY_SUBDIR / "COVID").glob("*.png"))[offset : offset + count]
    if len(real) == count:
        return [path.read_bytes() for path in real]
    return [
        encode_png(np.round(synthetic_radiograph(512, 480, seed=offset + s) * 255).astype(np.uint8))
        for s in range(count)
    ]


def upload(page, name: str, data: bytes) -> None:
    page.locator('input[type="file"]').set_input_files(files=[{"name": name, "mimeType": "image/png", "buffer": data}])


def wait_drawn(page, title: str = " for ") -> None:
    """Until the heatmap titled `title` is drawn; presses "Explain anyway" if the chest-X-ray check stops the film."""
    page.wait_for_function(f"(t) => ({DRAWN})(t) || ({ANYWAY})()", arg=title, timeout=WAIT_MS, polling=50)
    if page.evaluate(ANYWAY):
        page.get_by_role("button", name="Explain anyway").first.click()
        page.wait_for_function(DRAWN, arg=title, timeout=WAIT_MS, polling=50)


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the sidebar selectbox labelled `label`."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text=label).first
    box.scroll_into_view_if_needed(timeout=ACTION_MS)  # a combobox below the fold opens no list
    box.get_by_role("button", name="Open").click(timeout=ACTION_MS)
    page.get_by_role("option", name=option, exact=True).click(timeout=ACTION_MS)


def timed(action, page, title: str) -> float:
    started = time.perf_counter()
    action()
    wait_drawn(page, title)
    return time.perf_counter() - started


def heading_prediction(page) -> str:
    return page.get_by_role("heading", name="Prediction:").inner_text().split("Prediction:")[1].split("(")[0].strip()


def one_user(page, url: str, films: list[bytes]) -> dict[str, float]:
    """Per film: upload, compare-all, a cached method switch, a fresh class switch; medians over the films."""
    times: dict[str, list[float]] = {"upload": [], "compare": [], "cached": [], "fresh": []}
    layercam = METHODS["layercam"].label
    for index, data in enumerate(films):
        page.goto(url)
        page.locator('input[type="file"]').wait_for(state="attached", timeout=WAIT_MS)
        times["upload"].append(timed(lambda i=index, d=data: upload(page, f"film{i}.png", d), page, " for "))
        toggle = page.get_by_text("Compare all methods side by side")
        started = time.perf_counter()
        toggle.click()
        page.get_by_role("button", name="Download all methods (PNG)").wait_for(timeout=WAIT_MS)
        page.wait_for_function(DRAWN, arg=" for ", timeout=WAIT_MS, polling=50)
        times["compare"].append(time.perf_counter() - started)
        toggle.click()
        page.wait_for_function(DRAWN, arg=" for ", timeout=WAIT_MS, polling=50)
        times["cached"].append(timed(lambda: choose(page, "Method", layercam), page, f"{layercam} for "))
        other = next(name for name in config.CLASS_NAMES if name != heading_prediction(page))
        times["fresh"].append(timed(lambda o=other: choose(page, "Explain the class", o), page, f"for {other}"))
    return {key: statistics.median(values) for key, values in times.items()}


def evaluation_first_visit(page, url: str) -> float:
    """From navigation to the page fully drawn (every chart, the gallery of mistakes), first visit in this server."""
    started = time.perf_counter()
    page.goto(f"{url}/evaluation")
    page.get_by_role("heading", name="Evaluation").wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
            && !document.querySelector('[data-testid="stSkeleton"]')
            && document.querySelectorAll('.stPlotlyChart .main-svg').length >= 4
            && (document.querySelectorAll('[data-testid="stImage"] img').length >= 4
                || !!document.querySelector('[data-testid="stAlert"]'))""",
        timeout=WAIT_MS,
        polling=50,
    )
    return time.perf_counter() - started


WITHOUT_FEATURES = "ran its image and lung tests only"  # the note every answer of a model without its own gate has
SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSkeleton"]')"""


def model_labels() -> tuple[str, list[str]]:
    """The picker's label of the default model and of the others (registered without a gate of their own)."""
    from dashboard.model_choice import card_label
    from model.registry import all_registered

    cards = [entry.card.to_json() for entry in all_registered()]
    return card_label(cards[0]), [card_label(card) for card in cards[1:] if not card.get("teaching_exhibit")] + [
        card_label(card) for card in cards[1:] if card.get("teaching_exhibit")
    ]


def switch_model(page, label: str, expect_note: bool) -> float:
    """Pick a model in the sidebar; seconds until its answer is on the page (the film stays loaded)."""
    started = time.perf_counter()
    choose(page, "Model", label)
    check = f"(n) => ({SETTLED})() && document.body.innerText.includes(n) === {str(expect_note).lower()}"
    page.wait_for_function(check, arg=WITHOUT_FEATURES, timeout=WAIT_MS, polling=50)
    page.wait_for_function(DRAWN, arg=" for ", timeout=WAIT_MS, polling=50)
    return time.perf_counter() - started


def model_switching(page, url: str, data: bytes) -> dict[str, float]:
    """On a loaded film: the first switch to another model (it loads), then warm switches back and forth."""
    default, others = model_labels()
    if not others:
        return {}
    page.goto(url)
    page.locator('input[type="file"]').wait_for(state="attached", timeout=WAIT_MS)
    timed(lambda: upload(page, "switch.png", data), page, " for ")
    first = switch_model(page, others[0], True)
    warm = [switch_model(page, default, False), switch_model(page, others[0], True), switch_model(page, default, False)]
    return {"model_switch_first_s": first, "model_switch_warm_s": statistics.median(warm)}


def compare_three_models(page, url: str) -> float | None:
    """Compare models with three models chosen: seconds from picking another film to all three panes drawn."""
    _, others = model_labels()
    if len(others) < 2:
        return None
    page.goto(f"{url}/compare_models")
    page.get_by_text("Where they disagree").first.wait_for(timeout=WAIT_MS)
    page.wait_for_function(SETTLED, timeout=WAIT_MS, polling=50)
    models = page.locator('[data-testid="stMultiSelect"]').first
    models.locator("input").click(timeout=ACTION_MS)
    page.get_by_role("option").first.click(timeout=ACTION_MS)  # the one model not yet chosen
    page.keyboard.press("Escape")
    count = "() => Array.from(document.querySelectorAll('p')).filter(p => p.innerText.startsWith('Heat inside')).length"
    page.wait_for_function(f"() => ({SETTLED})() && ({count})() === 3", timeout=WAIT_MS, polling=50)
    film = page.locator('[data-testid="stSelectbox"]').filter(has_text="Film").first
    picture = "() => { const root = " + VIEWER_ROOT + "; return root ? root.dataset.film || '' : ''; }"
    before = page.evaluate(picture)
    started = time.perf_counter()
    film.get_by_role("button", name="Open").click(timeout=ACTION_MS)
    page.get_by_role("option").nth(3).click(timeout=ACTION_MS)
    waiting = (
        "document.body.innerText.includes('Computing your heatmap') || document.body.innerText.includes('ahead of')"
    )
    page.wait_for_function(
        f"(old) => ({SETTLED})() && ({count})() === 3 && !({waiting}) && ({picture})() !== old",
        arg=before,
        timeout=WAIT_MS,
        polling=50,
    )
    return time.perf_counter() - started


def crowd(browser, url: str, films: list[bytes]) -> tuple[list[float], list[float]]:
    """Every session uploads at (almost) the same moment, then switches method; each timed from its own action."""
    contexts = [browser.new_context(viewport=VIEWPORT) for _ in films]
    pages = [context.new_page() for context in contexts]
    try:
        for page in pages:
            page.goto(url)
        for page in pages:
            page.locator('input[type="file"]').wait_for(state="attached", timeout=WAIT_MS)
        first = poll_all(pages, [lambda p=p, i=i: upload(p, f"crowd{i}.png", films[i]) for i, p in enumerate(pages)])
        label = METHODS["gradcam++"].label
        switch = poll_all(pages, [lambda p=p: choose(p, "Method", label) for p in pages], f"{label} for ")
    finally:
        for context in contexts:
            context.close()
    return first, switch


# Installed in a page just before its action: records in the page's own clock when the heatmap titled `title` is
# drawn, from DOM changes (a MutationObserver; timers are throttled in pages the browser deems in the background).
# Polling twenty busy pages from Playwright one after the other would time the poll loop, not the pages.
WATCH = (
    "(title) => {"
    "  window.__started = performance.now();"
    "  window.__drawn = null;"
    f"  const drawn = {DRAWN};"
    "  const observer = new MutationObserver(() => {"
    "    if (window.__drawn === null && drawn(title)) { window.__drawn = performance.now(); observer.disconnect(); }"
    "  });"
    "  observer.observe(document.body, {childList: true, subtree: true, attributes: true});"
    "}"
)


def poll_all(pages, actions, title: str = " for ") -> list[float]:
    """Start every action, then wait for every page's heatmap; seconds per page from its own action (page clock)."""
    failed = set()
    for index, (page, action) in enumerate(zip(pages, actions)):
        try:
            page.evaluate(WATCH, title)
            action()
        except Exception as error:  # a session that cannot even act (its page never became usable) never finishes
            print(f"session {index}: {type(error).__name__}", file=sys.stderr)
            failed.add(index)
    seconds: dict[int, float] = {index: float("inf") for index in failed}
    deadline = time.perf_counter() + WAIT_MS / 1000
    while len(seconds) < len(pages) and time.perf_counter() < deadline:
        for index, page in enumerate(pages):
            if index in seconds:
                continue
            took = page.evaluate("() => window.__drawn === null ? null : (window.__drawn - window.__started) / 1000")
            if took is not None:
                seconds[index] = took
            elif page.evaluate(ANYWAY):
                page.get_by_role("button", name="Explain anyway").first.click()
        time.sleep(0.2)
    return [seconds.get(i, float("inf")) for i in range(len(pages))]


REDRAWS = """async (root) => {
    const canvas = root.querySelector('canvas'); const r = canvas.getBoundingClientRect();
    const frame = () => new Promise(res => requestAnimationFrame(() => requestAnimationFrame(res)));
    const times = {redraw: [], wl: [], paint: []};
    for (let i = 0; i < 16; i++) {  // wheel zooms about the centre, in then out
        const started = performance.now();
        canvas.dispatchEvent(new WheelEvent('wheel', {deltaY: i < 8 ? -120 : 120, clientX: r.x + r.width / 2,
            clientY: r.y + r.height / 2, bubbles: true, cancelable: true}));
        await frame(); times.redraw.push(Number(root.dataset.frameMs)); times.paint.push(performance.now() - started);
    }
    const slider = root.querySelector('input[type=range]');
    for (let i = 0; i < 8; i++) {
        slider.value = String(0.2 + 0.08 * i); slider.dispatchEvent(new Event('input'));
        await frame(); times.redraw.push(Number(root.dataset.frameMs));
    }
    const down = (type, x, y, b) => canvas.dispatchEvent(new PointerEvent(type, {clientX: x, clientY: y, button: b,
        buttons: b === 2 ? 2 : 0, pointerId: 7, bubbles: true}));
    down('pointerdown', r.x + 100, r.y + 100, 2);
    for (let i = 1; i <= 8; i++) {
        down('pointermove', r.x + 100 + 8 * i, r.y + 100 + 5 * i, 2);
        await frame(); times.wl.push(Number(root.dataset.windowMs));
    }
    down('pointerup', r.x + 164, r.y + 140, 2);
    return times;
}"""


def viewer_costs(browser, url: str) -> dict[str, float]:
    """Bytes per upload and per method switch on a 2048-px 16-bit film; the viewer's redraw time."""
    # 12 bits of range, as most digital radiographs (a 16-bit PNG of noise would be a worst case nobody uploads)
    film = encode_png(np.round(synthetic_radiograph(2048, 2048, seed=3) * 4095).astype(np.uint16))
    page = browser.new_page(viewport=VIEWPORT)
    received: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append(len(frame))))
    try:
        page.goto(url)
        page.locator('input[type="file"]').wait_for(state="attached", timeout=WAIT_MS)
        timed(lambda: upload(page, "film2048.png", film), page, " for ")
        page.wait_for_timeout(1500)
        upload_bytes = sum(received)
        page.wait_for_timeout(6000)  # the other methods, computed in the background
        switches = []
        for name in ("layercam", "gradcam++", "gradcam"):
            received.clear()
            label = METHODS[name].label
            timed(lambda label=label: choose(page, "Method", label), page, f"{label} for ")
            page.wait_for_timeout(1500)
            switches.append(sum(received))
        root = page.evaluate_handle("() => " + VIEWER_ROOT)
        times = page.evaluate(REDRAWS, root)
    finally:
        page.close()
    redraw, drag = np.asarray(times["redraw"]), np.asarray(times["wl"])
    return {
        "viewer_upload_kb": upload_bytes / 1024,
        "viewer_method_switch_kb": statistics.median(switches) / 1024,
        "viewer_redraw_median_ms": float(np.median(redraw)),
        "viewer_redraw_p90_ms": float(np.percentile(redraw, 90)),
        "viewer_wl_drag_median_ms": float(np.median(drag)),
        # from the wheel event to the second animation frame after it: 2 frames (~33 ms at 60 Hz) = drawn in the next
        "viewer_wheel_to_paint_median_ms": float(np.median(times["paint"])),
    }


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-crowd", action="store_true", help="leave out the 10- and 20-session runs")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--viewer-only", action="store_true", help="only the film viewer's bytes and redraw times")
    parser.add_argument(
        "--pin",
        action="store_true",
        help="server and analysis process on core 0, Chromium on core 1: the server measured, not the browsers",
    )
    args = parser.parse_args()
    if chromium_path() is None:
        raise SystemExit("chromium not found: apt-get install chromium")
    report: dict[str, float] = {}
    try:
        measure(report, args)
    finally:  # what was measured is printed even if a later part fails
        report = {key: round(value, 2) for key, value in report.items()}
        if args.json:
            print(json.dumps(report))
        else:
            for key, value in report.items():
                print(f"{key:34s} {value}")


def measure(report: dict[str, float], args: argparse.Namespace) -> None:
    from playwright.sync_api import sync_playwright

    suffix = "_pinned" if args.pin else ""
    everything = os.sched_getaffinity(0)
    with streamlit_server() as server:
        if args.pin:  # the server (and the analysis process it starts later, which inherits it) on core 0 ...
            os.sched_setaffinity(server.pid, {0})
            os.sched_setaffinity(0, {1})  # ... and Chromium, started from here, on core 1
        try:
            with sync_playwright() as playwright:
                _measure_with(playwright, server, report, args, suffix)
        finally:
            os.sched_setaffinity(0, everything)


def _measure_with(playwright, server, report: dict[str, float], args: argparse.Namespace, suffix: str) -> None:
    """Every timing of one run, on a started server (pinned or not)."""
    browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    report.update(viewer_costs(browser, server.url))
    if args.viewer_only:
        return
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(server.url)
    page.get_by_role("heading", name="Explain a chest X-ray").wait_for(timeout=WAIT_MS)
    page.locator('input[type="file"]').wait_for(state="attached", timeout=WAIT_MS)
    report["cold_start_s"] = time.perf_counter() - server.started_at
    report["first_upload_s"] = timed(lambda: upload(page, "first.png", sample_films(1, 100)[0]), page, " for ")
    medians = one_user(page, server.url, sample_films(args.repeats))
    report.update(
        upload_to_heatmap_s=medians["upload"],
        method_switch_cached_s=medians["cached"],
        method_switch_fresh_s=medians["fresh"],
        compare_all_s=medians["compare"],
        evaluation_first_visit_s=evaluation_first_visit(page, server.url),
    )
    report.update(model_switching(page, server.url, sample_films(1, 60)[0]))
    three = compare_three_models(page, server.url)
    if three is not None:
        report["compare_three_models_s"] = three
    page.close()
    if not args.skip_crowd:
        ten, _ = crowd(browser, server.url, sample_films(10, 20))
        # the server and any process it started, with every registered model used above (at most
        # DASHBOARD_LOADED_MODELS stay loaded)
        report[f"rss_10_sessions{suffix}_mb"] = tree_rss_mb(server.pid)
        first, switch = crowd(browser, server.url, sample_films(20, 40))
        report[f"p95_first_heatmap_20_sessions{suffix}_s"] = percentile(first, 95)
        report[f"p50_first_heatmap_20_sessions{suffix}_s"] = percentile(first, 50)
        report[f"p95_method_switch_20_sessions{suffix}_s"] = percentile(switch, 95)
        report[f"p50_method_switch_20_sessions{suffix}_s"] = percentile(switch, 50)
    browser.close()


if __name__ == "__main__":
    main()
