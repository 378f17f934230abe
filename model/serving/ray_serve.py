"""The analysis behind Ray Serve, for when one dashboard server is not enough.

One Serve application (`AnalysisDeployment`, N replicas, one CPU or GPU each) holds the models; any number of
dashboard servers (`CXR_ANALYSIS=serve`, `RAY_ADDRESS` naming the cluster) send it the same calls as the embedded
analysis process (model.serving.analysis_process). Films from every dashboard server are gathered into batches by
`@serve.batch` per replica, as the embedded worker gathers one server's sessions. Start it with
`python scripts/serve_analysis.py`; see docs/scaling.md.
"""

from __future__ import annotations

from collections import defaultdict

from model import config
from model.serving.analysis_process import AnalysisEngine, AnalysisUnavailable

SERVE_MAX_BATCH: int = config.WORKER_MAX_BATCH
SERVE_BATCH_WAIT_S: float = config.WORKER_WINDOW_S


def deployment(replicas: int = 1, cpus_per_replica: float = 1.0):
    """The Serve deployment, bound and ready for `serve.run` (Ray imported only here and in ServeAnalysis)."""
    from ray import serve

    @serve.deployment(num_replicas=replicas, ray_actor_options={"num_cpus": cpus_per_replica})
    class AnalysisDeployment:
        def __init__(self) -> None:
            self.engine = AnalysisEngine()

        @serve.batch(max_batch_size=SERVE_MAX_BATCH, batch_wait_timeout_s=SERVE_BATCH_WAIT_S)
        async def analyse_one(self, requests: list[tuple]) -> list:
            """(key, film) pairs from any caller: films that share an analysis run as one batch."""
            groups: dict[object, list[int]] = defaultdict(list)
            for index, (key, _) in enumerate(requests):
                groups[key].append(index)
            results: list = [None] * len(requests)
            for key, indices in groups.items():
                for index, result in zip(indices, self.engine.analyse(key, [requests[i][1] for i in indices])):
                    results[index] = result
            return results

        async def call(self, name: str, args: tuple):
            return self.engine.call(name, args)

    return AnalysisDeployment.bind()


def start(replicas: int = 1, address: str | None = None, cpus_per_replica: float = 1.0) -> None:
    """Run the application on the cluster at `address` (None: a local Ray started here)."""
    import ray
    from ray import serve

    if not ray.is_initialized():
        # A local Ray without its dashboard: Ray has no authentication, and its dashboard runs jobs for anyone who
        # reaches its port (docs/scaling.md, "Trust").
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(include_dashboard=False, log_to_driver=False)
    serve.run(deployment(replicas, cpus_per_replica), name=config.SERVE_APP_NAME, route_prefix=None)


class ServeAnalysis:
    """The dashboard's side: the calls of `AnalysisProcess`, answered by the Serve application `app_name`."""

    pid = None

    def __init__(self, app_name: str = config.SERVE_APP_NAME, address: str | None = None) -> None:
        import ray
        from ray import serve

        if not ray.is_initialized():
            ray.init(address=address or "auto", log_to_driver=False)
        self._handle = serve.get_app_handle(app_name)

    def call(self, name: str, *args):
        return self._result(self._handle.call.remote(name, args))

    def analyse(self, key, films: list) -> list:
        responses = [self._handle.analyse_one.remote((key, film)) for film in films]  # batched by the replica
        return [self._result(response) for response in responses]

    @staticmethod
    def _result(response):
        """A response within the analysis deadline, as for the embedded process: a replica that hangs fails this
        request with a retry sentence instead of holding the page server's worker for good (Serve itself restarts
        replicas that fail their health checks)."""
        try:
            return response.result(timeout_s=config.ANALYSIS_CALL_TIMEOUT_S)
        except TimeoutError:  # Ray's GetTimeoutError is one
            response.cancel()
            raise AnalysisUnavailable(
                f"The analysis service did not answer within {config.ANALYSIS_CALL_TIMEOUT_S:g} s; your request was "
                "cancelled. Please try again."
            ) from None

    def close(self) -> None:
        pass
