"""Memory with large inputs: the largest accepted film through explain.py, and the dashboard after many uploads.

Usage: python scripts/benchmark_memory.py [--side 7000] [--uploads 20] [--json]
The film is generated (a synthetic chest look-alike, PNG); the dashboard part needs Debian's chromium.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from dashboard.browser_harness import CHROMIUM_ARGS, chromium_path, streamlit_server
from model import config
from model.synthetic import synthetic_radiograph

WAIT_MS = 180_000


def large_film_png(side: int, seed: int = 0) -> bytes:
    small = synthetic_radiograph(512, 512, seed=seed)
    big = cv2.resize(small, (side, side), interpolation=cv2.INTER_LINEAR)
    ok, data = cv2.imencode(".png", np.round(big * 255).astype(np.uint8))
    return data.tobytes()


def explain_peak_mb(data: bytes) -> float:
    """Peak resident memory of one scripts/explain.py run on the film (the child's own high-water mark)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.png"
        path.write_bytes(data)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        subprocess.run(
            [
                sys.executable,
                str(config.REPO_ROOT / "scripts" / "explain.py"),
                str(path),
                "--out",
                folder,
                "--explain-anyway",
            ],
            check=False,
            capture_output=True,
            timeout=600,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(after, before) / 1024


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process in MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values["VmRSS"], values["VmHWM"]


def dashboard_after_uploads(uploads: list[bytes]) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with streamlit_server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for index, data in enumerate(uploads):
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.goto(server.url)
            page.locator('input[type="file"]').wait_for(state="attached", timeout=WAIT_MS)
            page.locator('input[type="file"]').set_input_files(
                files=[{"name": f"large{index}.png", "mimeType": "image/png", "buffer": data}]
            )
            page.get_by_text("Prediction:").or_(page.get_by_text("Explain anyway")).first.wait_for(timeout=WAIT_MS)
            page.close()  # the session ends, as when a user closes the tab
        time.sleep(3)
        current, peak = rss_mb(server.pid)
        browser.close()
    return {"server_rss_mb": round(current), "server_peak_rss_mb": round(peak)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", type=int, default=7000)
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    film = large_film_png(args.side)
    report: dict[str, object] = {"film": f"{args.side}x{args.side} PNG, {len(film) / 2**20:.1f} MB"}
    report["explain_py_peak_rss_mb"] = round(explain_peak_mb(film))
    if chromium_path() is not None and args.uploads:
        uploads = [large_film_png(args.side // 2, seed=s) for s in range(args.uploads)]
        report["uploads"] = f"{args.uploads} films of {args.side // 2}x{args.side // 2}, one browser session each"
        report.update(dashboard_after_uploads(uploads))
    print(json.dumps(report) if args.json else "\n".join(f"{k}: {v}" for k, v in report.items()))


if __name__ == "__main__":
    main()
