"""Tier-up thresholds for tests that force (or hold back) compilation by the native tier."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from wasmrt import _interp


@contextlib.contextmanager
def tier_thresholds(samples: int, cost: int = 0) -> Iterator[None]:
    """Queue a body after ``samples`` samples and ``cost`` per 1000 lowered cells (0:
    whatever its size) inside the block; the previous thresholds after it."""
    old = _interp.set_tier_samples(samples)
    old_cost = _interp.set_tier_cost(cost)
    try:
        yield
    finally:
        _interp.set_tier_samples(old)
        _interp.set_tier_cost(old_cost)
