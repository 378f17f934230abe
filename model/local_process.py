"""Servers this project starts as its own processes (the dashboard for browser tests, Orthanc, a PostgreSQL
cluster): a free localhost port, and waiting until the process listens on it."""

from __future__ import annotations

import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout_s: float, failure) -> None:
    """Until something accepts TCP on localhost:`port`; RuntimeError(failure()) when `process` exits or the time is
    up first (`failure` is called then, so it may read the process's log)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(failure()) from None
            time.sleep(0.1)
