"""The comparison table of ``python -m benchmarks compare`` (no timing)."""

from __future__ import annotations

import math

from benchmarks.compare import MICRO, MicroResult, Result, format_report, geomean


def test_geomean() -> None:
    assert math.isclose(geomean([1.0, 4.0]), 2.0)
    assert math.isnan(geomean([]))


def test_report_ratios_failures_and_micro() -> None:
    results = [
        Result("wasm3", "fib", 5, 1.0),
        Result("wasmrt", "fib", 5, 0.5),
        Result("wasm3", "sieve", 5, 2.0),
        Result("wasmrt", "sieve", 5, error="Trap: unreachable"),
    ]
    micro = [
        MicroResult("wasm3", "identity", 120.0, MICRO["identity"][0]),
        MicroResult("wasmrt", "identity", error="boom"),
    ]
    report = format_report(results, micro, ["wasm3", "wasmrt"], {"Python": "3.11"})
    assert "- **Python**: 3.11" in report
    assert "| program | n | wasm3 s | wasmrt s | wasmrt / wasm3 |" in report
    assert "| fib | 5 | 1.000 | 0.500 | 0.50 |" in report
    assert "| sieve | 5 | 2.000 | FAIL |  |" in report
    assert "**0.50**" in report  # geomean over the programs that passed
    assert "- wasmrt / sieve: Trap: unreachable" in report and "- wasmrt / identity: boom" in report
    assert "| identity (Python -> wasm call, ns/call) | 120 | FAIL |" in report


def test_extrapolated_times_are_marked() -> None:
    r = Result("pywasm", "fib", 5000, 90.0, extrapolated=True)
    report = format_report([Result("wasm3", "fib", 5000, 1.0), r], [], ["wasm3", "pywasm"])
    assert "~90.000" in report and "90.00" in report


def test_phase_table_lists_only_measured_runtimes() -> None:
    phases = [
        MicroResult("wasmrt", "fib on 2 threads", 1.84, "speed-up"),
        MicroResult("wasmtime", "fib on 2 threads", 1.5, "speed-up"),
        MicroResult("wasmrt", "compile", 212.4, "MB/s"),
        MicroResult("wasmtime", "compile", error="AssertionError: exited with 1"),
    ]
    report = format_report([], [], ["wasmrt", "wasm3", "wasmtime"], None, phases)
    assert "| phase | wasmrt | wasmtime |" in report
    assert "| fib on 2 threads (speed-up) | 1.84 | 1.50 |" in report
    assert "| compile (MB/s) | 212 | FAIL |" in report
    assert "- wasmtime / compile: AssertionError: exited with 1" in report
