"""Films per second through the Ray Serve analysis with one and with two replicas, on a local Ray.

Usage: python scripts/benchmark_serving.py [--films 48] [--clients 4] [--json]
Each client is a dashboard server's worth of requests (Grad-CAM with its faithfulness curves, as the Explain page
asks); the replicas share this machine's cores, so on 2 cores two replicas cannot double the rate.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

from model.analysis import AnalysisRequest
from model.image_io import LoadedImage
from model.synthetic import synthetic_radiograph


def rate(replicas: int, films: list[LoadedImage], clients: int) -> float:
    from ray import serve

    from model import config
    from model.serving.ray_serve import ServeAnalysis, start

    start(replicas=replicas, cpus_per_replica=1.0)
    handle = ServeAnalysis(config.SERVE_APP_NAME)
    key = AnalysisRequest("gradcam", explain_anyway=True)
    handle.analyse(key, films[: replicas * 2])  # every replica loads its models and traces first
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda film: handle.analyse(key, [film]), films))
    seconds = time.perf_counter() - started
    serve.delete(config.SERVE_APP_NAME)
    return len(films) / seconds


def main() -> None:
    import ray

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--films", type=int, default=48)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    ray.init(num_cpus=max(cores, 2), include_dashboard=False, log_to_driver=False)
    films = [LoadedImage(synthetic_radiograph(512, 480, seed=s), "PNG", 8) for s in range(args.films)]
    one = rate(1, films, args.clients)
    two = rate(2, films, args.clients)
    report = {
        "cores": cores,
        "serve_films_per_s_1_replica": round(one, 2),
        "serve_films_per_s_2_replicas": round(two, 2),
        "serve_speedup_2_replicas": round(two / one, 2),
    }
    print(json.dumps(report) if args.json else "\n".join(f"{k:32s} {v}" for k, v in report.items()))
    ray.shutdown()


if __name__ == "__main__":
    main()
