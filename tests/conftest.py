"""Shared fixtures: synthetic X-ray-like images and tiny models; real data only where present."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from model import config
from model.synthetic import synthetic_radiograph  # noqa: F401  (re-exported for the tests)

# In-process app tests (AppTest) change settings at run time (a missing model, a damaged gate file): the analysis
# runs in the test's own process so that it sees them. Servers started for the browser tests use the default, the
# analysis in its own process (dashboard.browser_harness passes it explicitly).
os.environ.setdefault(config.ANALYSIS_ENV, "thread")
# Readings the tests save go to a database of the test run (servers started by the tests inherit it), never to the
# checkout's artifacts/readings.sqlite3; reader maps likewise.
_TEST_RUN_DIR = Path(tempfile.mkdtemp(prefix="cxr-tests-"))
os.environ.setdefault(config.DATABASE_URL_ENV, f"sqlite:///{_TEST_RUN_DIR / 'readings.sqlite3'}")
os.environ.setdefault(config.READER_MAPS_ENV, str(_TEST_RUN_DIR / "reader_maps"))


def png_bytes(array: np.ndarray, mode: str | None = None) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def radiograph() -> np.ndarray:
    return synthetic_radiograph()


def real_data_root() -> Path:
    return config.data_dir()


requires_real_data = pytest.mark.skipif(
    not (real_data_root() / config.RADIOGRAPHY_SUBDIR).is_dir(),
    reason=f"real chest X-rays not found at {real_data_root()} (set ${config.DATA_DIR_ENV} to the data folder)",
)

requires_shipped_model = pytest.mark.skipif(
    not config.MODEL_PATH.is_file(), reason=f"shipped model {config.MODEL_PATH} not present"
)


# Under CXR_REQUIRE_ALL=1 (CI sets it) a test that would skip for want of the data, Chromium, LiteRT or a shipped
# file fails instead: a green run must have run everything. Skips that describe the test itself (a method with no
# layer to choose) are not about the environment and stay skips.
REQUIRE_ALL_ENV = "CXR_REQUIRE_ALL"
INTRINSIC_SKIPS = ("works on the input, not on a layer",)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or os.environ.get(REQUIRE_ALL_ENV) != "1":
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if any(text in reason for text in INTRINSIC_SKIPS):
        return
    report.outcome = "failed"
    report.longrepr = f"{REQUIRE_ALL_ENV}=1: this test may not skip, but it would have: {reason}"


@pytest.fixture(scope="session")
def postgres_cluster():
    """(host, port, password) of a throwaway PostgreSQL 15 cluster the suite starts itself (tests/postgres_server)."""
    from tests.postgres_server import postgres_cluster as start
    from tests.postgres_server import postgres_missing

    missing = postgres_missing()
    if missing:
        pytest.skip(missing)
    with start() as cluster:
        yield cluster


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """A fresh, empty readings database: a SQLite file, or a new database on the test cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'readings.sqlite3'}"
    from tests.postgres_server import create_database

    host, port, password = request.getfixturevalue("postgres_cluster")
    return create_database(host, port, password, f"readings_{abs(hash(request.node.nodeid)) % 10**9}")
