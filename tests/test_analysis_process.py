"""The analysis in its own process: the page server never imports TensorFlow, a killed analysis process costs the
waiting requests a retry message and nothing else, and its answers are the in-process ones."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from dashboard.browser_harness import CHROMIUM_ARGS, chromium_path, streamlit_server
from model.analysis import AnalysisRequest
from model.image_io import LoadedImage
from tests.conftest import png_bytes, requires_shipped_model, synthetic_radiograph

pytestmark = requires_shipped_model


def films(count: int) -> list[LoadedImage]:
    return [LoadedImage(synthetic_radiograph(300, 280, seed=s), "PNG", 8) for s in range(count)]


def mapped_libraries(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        parent = stack.pop()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                        found.append(int(entry.name))
                        stack.append(int(entry.name))
                except (OSError, ValueError, IndexError):
                    continue
    return found


@pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_the_page_server_answers_without_ever_loading_tensorflow():
    from playwright.sync_api import sync_playwright

    data = png_bytes(np.round(synthetic_radiograph(320, 280) * 255).astype(np.uint8))
    with streamlit_server(analysis="process") as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(server.url)
        page.locator('input[type="file"]').set_input_files(
            files=[{"name": "film.png", "mimeType": "image/png", "buffer": data}]
        )
        page.get_by_text("Prediction:").or_(page.get_by_role("button", name="Explain anyway")).first.wait_for(
            timeout=180_000
        )
        browser.close()
        assert "libtensorflow" not in mapped_libraries(server.pid), "the page server loaded TensorFlow"
        children = descendants(server.pid)
        assert any("libtensorflow" in mapped_libraries(child) for child in children), "no analysis process held it"


def test_a_killed_analysis_process_fails_its_requests_with_a_retry_message_and_the_next_works():
    from model.serving.analysis_process import PROCESS_DIED, AnalysisProcess
    from model.serving.batching import BatchingWorker, WorkerError

    engine = AnalysisProcess()
    worker = BatchingWorker(engine.analyse)
    try:
        first = worker.submit("warm", films(1)[0], AnalysisRequest("gradcam", explain_anyway=True)).result(300)
        assert first.heatmap is not None and first.prediction is not None
        before = engine.pid
        slow = AnalysisRequest("scorecam", explain_anyway=True)  # seconds for sixteen films: time to kill it mid-way
        tickets = [worker.submit(f"film{i}", film, slow) for i, film in enumerate(films(16))]
        deadline = time.monotonic() + 60
        while tickets[0].ahead() > 0 and time.monotonic() < deadline:  # until the batch is in the process
            time.sleep(0.01)
        time.sleep(0.2)
        assert not any(ticket.done() for ticket in tickets), "the batch finished before it could be interrupted"
        os.kill(before, signal.SIGKILL)
        for ticket in tickets:
            with pytest.raises(WorkerError, match="restarted"):
                ticket.result(120)
        assert str(PROCESS_DIED).startswith("The analysis process stopped")
        again = worker.submit("again", films(1)[0], AnalysisRequest("gradcam", explain_anyway=True)).result(300)
        assert again.heatmap is not None and engine.pid not in (None, before)
    finally:
        worker.close()
        engine.close()


def test_the_analysis_process_answers_as_the_in_process_engine():
    from model.serving.analysis_process import AnalysisProcess, InProcessAnalysis

    key = AnalysisRequest("layercam", explain_anyway=True)
    batch = films(3)
    remote = AnalysisProcess()
    try:
        theirs = remote.analyse(key, batch)
        assert remote.call("tensorflow_loaded")
    finally:
        remote.close()
    ours = InProcessAnalysis().analyse(key, batch)
    for a, b in zip(theirs, ours):
        assert a.prediction.label == b.prediction.label
        assert np.abs(a.heatmap - b.heatmap).max() < 1e-5
        assert a.prediction.probabilities == pytest.approx(b.prediction.probabilities, abs=1e-6)


def test_a_hung_analysis_process_is_killed_and_restarted_and_its_caller_told_to_retry():
    from model.serving.analysis_process import AnalysisProcess, AnalysisUnavailable

    process = AnalysisProcess(timeout_s=2.0)
    try:
        first = process._run(os.getpid)
        started = time.perf_counter()
        with pytest.raises(AnalysisUnavailable, match="did not answer within 2 s and was restarted"):
            process._run(time.sleep, 600)  # a child that hangs rather than dies
        assert time.perf_counter() - started < 15
        deadline = time.time() + 10
        while time.time() < deadline and os.path.exists(f"/proc/{first}"):
            time.sleep(0.1)
        assert not os.path.exists(f"/proc/{first}") or "zombie" in Path(f"/proc/{first}/status").read_text()
        assert process._run(os.getpid) != first, "the next call runs in a new child"
    finally:
        process.close()
