"""Differential fuzzing of the lowerer's rewrites: random modules made of the shapes it
fuses (``tests.robustness.patterns``) give the same results, traps, memory and globals in
wasmrt as in wasmtime-py.  ``WASMRT_FUZZ_CASES`` scales the number of modules."""

from __future__ import annotations

import os
import random

import pytest

from tests.robustness.patterns import pattern_module
from tests.robustness.smith import observe

CASES = int(os.environ.get("WASMRT_FUZZ_CASES", "200"))
BATCHES = 4


@pytest.mark.parametrize("batch", range(BATCHES))
def test_pattern_modules_agree_with_wasmtime(runnable_wasmrt, batch: int) -> None:
    wasmtime = pytest.importorskip("wasmtime", reason="wasmtime-py not installed: the oracle")
    rt = runnable_wasmrt
    rng = random.Random(f"patterns-{batch}")
    diverged = []
    for i in range(CASES // BATCHES):
        text = pattern_module(rng)
        data = bytes(rt.wat2wasm(text))
        ours = observe(rt, data)
        theirs = observe(wasmtime, data)
        if ours != theirs:
            diff = [(a, b) for a, b in zip(ours, theirs) if a != b][:1]
            diverged.append(f"batch {batch} case {i}: {str(diff)[:300]}\n  {text[:3000]}")
    assert not diverged, "\n".join(diverged[:3])
