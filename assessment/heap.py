"""Garbage-collector settings for a long-running server process.

A request can build many small objects: the dashboard of 1,000 cities makes some 30,000
question tallies. With CPython's default thresholds that triggers full collections, each of
which walks every long-lived object of the process (modules, mappers, compiled templates)
again, several times per request: on that dashboard they cost about a third of its time. Once
the app is loaded, a server process collects once, freezes what is there (it lives as long as
the process anyway), and collects the young generation less often.
"""

from __future__ import annotations

import gc

# allocations between two collections of the young generation (CPython's default is 700)
YOUNG_GENERATION_THRESHOLD = 10_000


def settle_after_startup() -> None:
    """Call once the app is loaded, in each server process (e.g. a gunicorn worker)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
