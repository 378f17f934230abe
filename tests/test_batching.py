"""The shared analysis worker: simultaneous requests become one batch, repeats are computed once, places are known."""

from __future__ import annotations

import threading

import pytest

from model.batching import AnalysisKey, BatchingWorker

GRADCAM, LAYERCAM = AnalysisKey("gradcam"), AnalysisKey("layercam")


class Recorder:
    """An analyse_batch that records each batch it was given and can be held until released."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list]] = []
        self.release = threading.Event()
        self.release.set()

    def __call__(self, key, films):
        self.release.wait(10)
        self.batches.append((key.method, list(films)))
        if "boom" in films:
            raise RuntimeError("broken film")
        return [f"{key.method}:{film}" for film in films]


def test_simultaneous_requests_run_as_one_batch():
    recorder = Recorder()
    worker = BatchingWorker(recorder, window_s=0.2)
    tickets = [worker.submit(f"film{i}", f"film{i}", GRADCAM) for i in range(20)]
    assert [t.result(10) for t in tickets] == [f"gradcam:film{i}" for i in range(20)]
    assert len(recorder.batches) == 1 and len(recorder.batches[0][1]) == 20


def test_repeats_are_computed_once_and_then_served_from_the_cache():
    recorder = Recorder()
    worker = BatchingWorker(recorder, window_s=0.05)
    first, second = worker.submit("a", "a", GRADCAM), worker.submit("a", "a", GRADCAM)
    assert first.result(10) == second.result(10) == "gradcam:a"
    again = worker.submit("a", "a", GRADCAM)
    assert again.done() and again.result() == "gradcam:a"
    assert sum(len(films) for _, films in recorder.batches) == 1


def test_waiting_callers_know_their_place_and_background_work_waits_for_them():
    recorder = Recorder()
    recorder.release.clear()
    worker = BatchingWorker(recorder, window_s=0.0, max_batch=1)
    running = worker.submit("x", "x", GRADCAM)
    while not worker._running:  # the worker has taken it and is held inside analyse_batch
        threading.Event().wait(0.01)
    background = worker.submit("y", "y", LAYERCAM, background=True)
    waiting = [worker.submit(f"f{i}", f"f{i}", GRADCAM) for i in range(3)]
    assert running.ahead() == 0
    assert [t.ahead() for t in waiting] == [1, 2, 3]
    assert background.ahead() == 4  # queued behind every foreground request
    recorder.release.set()
    for ticket in [running, *waiting, background]:
        ticket.result(10)
    assert [method for method, _ in recorder.batches] == ["gradcam"] * 4 + ["layercam"]


def test_a_failing_film_fails_alone_and_the_worker_goes_on():
    worker = BatchingWorker(Recorder(), window_s=0.05)
    bad, good = worker.submit("boom", "boom", GRADCAM), worker.submit("ok", "ok", GRADCAM)
    with pytest.raises(RuntimeError, match="broken film"):
        bad.result(10)
    assert good.result(10) == "gradcam:ok"  # it shared the failed batch, then ran alone
    assert worker.submit("later", "later", GRADCAM).result(10) == "gradcam:later"


def test_requests_for_array_films_are_told_apart():
    import numpy as np

    worker = BatchingWorker(lambda key, films: [float(f.sum()) for f in films], window_s=0.05)
    tickets = [worker.submit(i, np.full((4, 4), i, np.float32), GRADCAM) for i in range(3)]
    assert [t.result(10) for t in tickets] == [0.0, 16.0, 32.0]
