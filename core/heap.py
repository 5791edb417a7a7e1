"""The garbage collector, set for a long-running process: `linli run`, and the benchmarks that
measure it as it runs.

Two settings, once the process has started:
  * the start-up heap (~300k objects that never die) is frozen out of the collector's way:
    every full collection walked all of it, a 150–200 ms pause each time (bench/updates.py);
  * young objects are collected every 10,000 allocations, not Python's 700. Most objects of
    an update are freed by reference counting as soon as it is done; what a young collection
    mostly walks is the objects of the updates still in flight, over and over. Measured on
    the full stack feeding /help updates in-process: 79 µs of collection per update at 700,
    13 µs at 10,000 (892 collections against 17), for a few MB more of young objects.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

YOUNG_COLLECTION_EVERY = 10_000  # allocations (Python's default: 700)


def settle() -> tuple[int, int, int]:
    """Collect, freeze what is left, collect young objects less often; the old thresholds."""
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, previous[1], previous[2])
    return previous


@contextlib.contextmanager
def settled() -> Iterator[None]:
    """`settle()` for a while (one measured session of a benchmark), then undone."""
    previous = settle()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*previous)
