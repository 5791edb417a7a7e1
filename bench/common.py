"""What the benchmarks share: a free port, a percentile, the garbage collector's pauses."""

from __future__ import annotations

import gc
import math
import socket
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (nan when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class GcPauses:
    """Garbage-collector pauses in this process while installed (gc.callbacks)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []  # (generation, ms)
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], 1000 * (time.perf_counter() - self._started)))

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)

    @property
    def seconds(self) -> float:
        """Wall time spent collecting, in all."""
        return sum(ms for _, ms in self.pauses) / 1000

    def summary(self) -> str:
        full = [ms for generation, ms in self.pauses if generation == 2]
        longest = max((ms for _, ms in self.pauses), default=0.0)
        return (
            f"GC: {len(self.pauses)} collections, {len(full)} full (longest {max(full, default=0.0):.0f} ms), "
            f"longest pause {longest:.0f} ms"
        )
