"""Shared by the benchmark scripts: a median wall-clock time."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ms(function: Callable[[], object], repeats: int) -> float:
    """Median milliseconds of `repeats` calls (the median shrugs off a stray slow call)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)
