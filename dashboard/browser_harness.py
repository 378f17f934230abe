"""Helpers for the real-browser tests: run `streamlit run` on a free port, drive Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from model import config
from model.local_process import free_port

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = config.ARTIFACTS_DIR / "screenshots"


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Server:
    url: str
    pid: int
    started_at: float  # time.perf_counter() when the process was launched


def wait_until_healthy(url: str, process: subprocess.Popen, timeout_s: float, failure: str) -> None:
    """Until the server at `url` answers its health check; RuntimeError(`failure`) if it exits or times out first."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(failure)
        time.sleep(0.5)


@contextlib.contextmanager
def streamlit_server(
    startup_timeout: float = 120.0, analysis: str = "process", env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Start the app as a user would and yield it once it answers its health check. `analysis` is its backend
    (`CXR_ANALYSIS`): the default, its own analysis process, unless a caller asks for another; `env` adds to its
    environment (a registry elsewhere: CXR_MODELS_DIR)."""
    port = free_port()
    config.ARTIFACTS_DIR.mkdir(exist_ok=True)
    started_at = time.perf_counter()
    log = open(config.ARTIFACTS_DIR / f"streamlit_{port}.log", "w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dashboard.serve",  # the entry point a person starts, with its own settings
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=config.REPO_ROOT,
        env={**os.environ, config.ANALYSIS_ENV: analysis, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, startup_timeout, f"streamlit did not start; see {log.name}")
        yield Server(url=url, pid=process.pid, started_at=started_at)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def screenshot_path(name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR / f"{name}.png"


def current_rss_mb(pid: int) -> float:
    """Resident memory of a process now (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants now (the dashboard's analysis child included), MiB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        try:
            total += current_rss_mb(current)
        except OSError:
            continue
        stack.extend(children.get(current, []))
    return total
