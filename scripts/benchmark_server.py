"""The server without browsers: N simulated sessions through the same code path as the Explain page.

Usage: python scripts/benchmark_server.py [--sessions 1 10 20 50] [--analysis process|thread] [--pin CORE] [--json]

Each session does what a page does after an upload: decode the film (through the shared film cache), ask the shared
worker for Grad-CAM (foreground), queue the other methods in the background, wait for its map (time to first
heatmap), then switch to LayerCAM (time to the switched map). All sessions start together. The worker and the
analysis engine are the dashboard's own (model.serving.batching, model.serving.analysis_process); no Streamlit,
no Chromium, so the figures are the server's alone. --pin pins this process and the analysis process to one core.
--json prints server_p50/p95_first_heatmap_N_s and server_p50/p95_method_switch_N_s for each N.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time

import numpy as np
from benchmark_dashboard import sample_films

from model.analysis import AnalysisRequest
from model.explain.catalog import METHODS


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def session(worker, cache, data: bytes, name: str, first: list, switch: list) -> None:
    """One page's worth of requests, timed as the person would feel them."""
    started = time.perf_counter()
    film = cache.get(data, name)
    key = cache.key(data)
    ticket = worker.submit(key, film, AnalysisRequest("gradcam"))
    for method in METHODS:  # the page queues the other methods ahead of a switch
        if method != "gradcam":
            worker.submit(key, film, AnalysisRequest(method, layer=None), background=True)
    ticket.result(600)
    first.append(time.perf_counter() - started)
    started = time.perf_counter()
    worker.submit(key, film, AnalysisRequest("layercam")).result(600)
    switch.append(time.perf_counter() - started)


def run(sessions: int, worker, cache, pool: list[bytes]) -> dict[str, float]:
    first: list[float] = []
    switch: list[float] = []
    threads = [
        threading.Thread(
            target=session, args=(worker, cache, pool[i % len(pool)], f"s{sessions}_{i}.png", first, switch)
        )
        for i in range(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        f"server_p50_first_heatmap_{sessions}_s": percentile(first, 50),
        f"server_p95_first_heatmap_{sessions}_s": percentile(first, 95),
        f"server_p50_method_switch_{sessions}_s": percentile(switch, 50),
        f"server_p95_method_switch_{sessions}_s": percentile(switch, 95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, nargs="*", default=[1, 10, 20, 50])
    parser.add_argument("--analysis", choices=("process", "thread"), default="process")
    parser.add_argument("--pin", type=int, default=None, help="pin the server and the analysis process to this core")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from dashboard.film_cache import FilmCache
    from model import config
    from model.serving.analysis_process import AnalysisProcess, InProcessAnalysis
    from model.serving.batching import BatchingWorker

    if args.pin is not None:
        os.sched_setaffinity(0, {args.pin})  # the analysis process, started below, inherits it
    engine = AnalysisProcess() if args.analysis == "process" else InProcessAnalysis()
    cache = FilmCache(config.DASHBOARD_FILM_CACHE_BYTES)
    report: dict[str, float] = {}
    try:
        pool = sample_films(max(args.sessions))  # the films the browser benchmark uploads
        warm = BatchingWorker(engine.analyse)
        warm.submit("warm", cache.get(pool[0], "warm.png"), AnalysisRequest("gradcam")).result(600)  # loaded and traced
        warm.close()
        for count in args.sessions:  # a fresh worker (empty result cache) for each N, the same warm engine
            worker = BatchingWorker(engine.analyse)
            try:
                report.update(run(count, worker, cache, pool))
            finally:
                worker.close()
    finally:
        engine.close()
    report = {key: round(value, 2) for key, value in report.items()}
    print(json.dumps(report) if args.json else "\n".join(f"{k:40s} {v}" for k, v in report.items()))


if __name__ == "__main__":
    main()
