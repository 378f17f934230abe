"""The shared analysis worker: simultaneous requests become one batch, repeats are computed once, places are known."""

from __future__ import annotations

import threading

import pytest

from model.analysis import AnalysisRequest
from model.serving.batching import BatchingWorker

GRADCAM, LAYERCAM = AnalysisRequest("gradcam"), AnalysisRequest("layercam")


def wait_until_running(worker, timeout_s: float = 10.0) -> None:
    """Until the worker holds a batch inside analyse_batch; fails instead of hanging."""
    deadline = threading.Event()
    for _ in range(int(timeout_s / 0.01)):
        if worker._running:
            return
        deadline.wait(0.01)
    raise AssertionError(f"the worker took no batch within {timeout_s} s")


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
    wait_until_running(worker)  # the worker has taken it and is held inside analyse_batch
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


# --- Faults: the worker must answer every request, once, and survive or be restarted. ---


def test_a_batch_that_returns_too_few_results_answers_every_film():
    from model.serving.batching import WorkerError

    def short(key, films):
        return [f"{key.method}:{f}" for f in films][:-1]  # always one result short

    worker = BatchingWorker(short, window_s=0.05)
    tickets = [worker.submit(f"f{i}", f"f{i}", GRADCAM) for i in range(3)]
    for ticket in tickets:
        with pytest.raises(WorkerError, match="returned 0 results for 1 films"):
            ticket.result(10)
    assert worker.alive


def test_a_result_count_mismatch_reruns_films_alone_and_keeps_the_good_answers():
    def drops_when_batched(key, films):
        return [f"ok:{f}" for f in films] if len(films) == 1 else [f"ok:{films[0]}"]

    worker = BatchingWorker(drops_when_batched, window_s=0.2)
    tickets = [worker.submit(f"f{i}", f"f{i}", GRADCAM) for i in range(3)]
    assert [t.result(10) for t in tickets] == ["ok:f0", "ok:f1", "ok:f2"]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_worker_thread_that_dies_fails_its_request_with_a_retry_message_and_is_restarted():
    from model.serving.batching import RESTARTED, WorkerError

    def dies_on(key, films):
        if "die" in films:
            raise SystemExit  # not an ordinary exception: it ends the thread
        return [f"ok:{f}" for f in films]

    worker = BatchingWorker(dies_on, window_s=0.0)
    with pytest.raises(WorkerError, match="restarted"):
        worker.submit("die", "die", GRADCAM).result(10)
    worker._thread.join(10)
    assert not worker.alive, "the thread ended"
    assert worker.submit("next", "next", GRADCAM).result(10) == "ok:next", "the next request restarts it and works"
    assert worker.restarts == 1 and worker.alive
    assert RESTARTED.endswith("Please try again.")


def test_background_work_is_bounded_oldest_dropped_first():
    import numpy as np

    from model.serving.batching import DROPPED, WorkerError

    recorder = Recorder()
    recorder.release.clear()
    worker = BatchingWorker(
        lambda key, films: recorder(key, [id(f) for f in films]),
        window_s=0.0,
        max_background_requests=2,
        max_background_bytes=10**9,
    )
    busy = worker.submit("busy", np.zeros(4), GRADCAM)
    wait_until_running(worker)
    queued = [worker.submit(f"b{i}", np.zeros(4), LAYERCAM, background=True) for i in range(3)]
    with pytest.raises(WorkerError, match=DROPPED):
        queued[0].result(1)
    assert not queued[1].done() and not queued[2].done()
    recorder.release.set()
    busy.result(10)
    queued[1].result(10), queued[2].result(10)


def test_a_full_foreground_queue_says_the_server_is_busy_at_once():
    import numpy as np

    from model.serving.batching import WorkerError

    recorder = Recorder()
    recorder.release.clear()
    worker = BatchingWorker(
        lambda key, films: recorder(key, [id(f) for f in films]), window_s=0.0, max_foreground_requests=2
    )
    busy = worker.submit("busy", np.zeros(4), GRADCAM)
    wait_until_running(worker)
    waiting = [worker.submit(f"f{i}", np.zeros(4), LAYERCAM) for i in range(2)]
    refused = worker.submit("one too many", np.zeros(4), LAYERCAM)
    with pytest.raises(WorkerError, match="The server is busy: 2 analyses are already waiting"):
        refused.result(1)
    background = worker.submit("ahead", np.zeros(4), LAYERCAM, background=True)  # background work is bounded apart
    recorder.release.set()
    busy.result(10), waiting[0].result(10), waiting[1].result(10), background.result(10)


def test_background_films_are_counted_in_bytes():
    import numpy as np

    from model.serving.batching import WorkerError

    recorder = Recorder()
    recorder.release.clear()
    worker = BatchingWorker(recorder, window_s=0.0, max_background_requests=100, max_background_bytes=1000)
    worker.submit("busy", "busy", GRADCAM)
    wait_until_running(worker)
    first = worker.submit("big1", np.zeros(100), LAYERCAM, background=True)  # 800 bytes
    worker.submit("big2", np.zeros(100), LAYERCAM, background=True)  # 1600 in all: over the budget
    with pytest.raises(WorkerError):
        first.result(1)
    assert worker.queued_background_bytes() == 800
    recorder.release.set()
