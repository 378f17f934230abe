"""The analysis behind Ray Serve (on a local Ray): two dashboard servers sharing one deployment get the answers the
embedded analysis gives."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from model.analysis import AnalysisRequest
from model.image_io import LoadedImage
from tests.conftest import requires_shipped_model, synthetic_radiograph

pytestmark = requires_shipped_model


@pytest.fixture(scope="module")
def serve_app():
    ray = pytest.importorskip("ray")
    serve = pytest.importorskip("ray.serve")
    from model import config
    from model.serving.ray_serve import start

    ray.init(num_cpus=2, object_store_memory=256 * 1024 * 1024, include_dashboard=False, log_to_driver=False)
    try:
        start(replicas=1, cpus_per_replica=1.0)
        yield config.SERVE_APP_NAME
    finally:
        serve.shutdown()
        ray.shutdown()


def test_two_dashboard_servers_sharing_one_deployment_answer_as_the_embedded_analysis(serve_app):
    from model.serving.analysis_process import InProcessAnalysis
    from model.serving.batching import BatchingWorker
    from model.serving.ray_serve import ServeAnalysis

    films = [LoadedImage(synthetic_radiograph(300, 270, seed=s), "PNG", 8) for s in range(6)]
    key = AnalysisRequest("gradcam++", explain_anyway=True)
    servers = [BatchingWorker(ServeAnalysis(serve_app).analyse) for _ in range(2)]  # two dashboard replicas
    try:
        with ThreadPoolExecutor(6) as pool:  # both servers ask at once, as two classrooms would
            tickets = list(
                pool.map(lambda i: servers[i % 2].submit(f"film{i}", films[i], key).result(300), range(len(films)))
            )
    finally:
        for server in servers:
            server.close()
    embedded = InProcessAnalysis().analyse(key, films)
    for served, ours in zip(tickets, embedded):
        assert served.prediction.label == ours.prediction.label
        assert served.prediction.probabilities == pytest.approx(ours.prediction.probabilities, abs=1e-5)
        assert np.abs(served.heatmap - ours.heatmap).max() < 1e-4
        assert [w.code for w in served.warnings] == [w.code for w in ours.warnings]
    description = ServeAnalysis(serve_app).call("describe", "")
    assert description.layers and description.card["classes"] == list(embedded[0].prediction.probabilities)
