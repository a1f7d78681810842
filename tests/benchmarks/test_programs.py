"""Every benchmark program returns its expected checksums (not a timing test).

On wasmrt at ``n_small``, and
on pywasm3 when installed, which checks the benchmark harness itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.compare import MICRO, measure_micro, measure_micros
from benchmarks.programs import Program, load_programs, to_i32
from benchmarks.programs import bench_dir as bench_dir_path
from benchmarks.runtimes import RUNTIMES, get_runtime

_PROGRAMS = load_programs() if bench_dir_path() else []


def _ids(programs: list[Program]) -> list[str]:
    return [p.name for p in programs]


@pytest.mark.parametrize("program", _PROGRAMS, ids=_ids(_PROGRAMS))
def test_checksums_wasmrt(program: Program, bench_dir: Path, runnable_wasmrt: object) -> None:
    instance = get_runtime("wasmrt").load(program.wasm())
    assert to_i32(instance.call("run", 0)) == program.checksum_0
    assert to_i32(instance.call("run", program.n_small)) == program.checksum_small


@pytest.mark.parametrize("program", _PROGRAMS, ids=_ids(_PROGRAMS))
def test_checksums_wasm3(program: Program, bench_dir: Path) -> None:
    if not RUNTIMES["wasm3"].available():
        pytest.skip("pywasm3 not installed (optional `bench` extra)")
    instance = get_runtime("wasm3").load(program.wasm())
    assert to_i32(instance.call("run", 0)) == program.checksum_0
    assert to_i32(instance.call("run", program.n_small)) == program.checksum_small


def test_programs_listed(bench_dir: Path) -> None:
    programs = load_programs(bench_dir)
    assert {"fib", "sieve", "memops-bulk"} <= {p.name for p in programs}
    for p in programs:
        assert p.path.is_file(), p.path
        assert p.expected(p.n) == p.checksum and p.expected(0) == p.checksum_0


def test_to_i32() -> None:
    assert to_i32(0xFFFFFFFF) == -1
    assert to_i32(-1) == -1
    assert to_i32(0x7FFFFFFF) == 0x7FFFFFFF
    assert to_i32(1 << 32) == 0


@pytest.mark.parametrize("name", list(MICRO))
def test_micro_results_wasmrt(name: str, bench_dir: Path, runnable_wasmrt: object) -> None:
    """The micro-benchmarks check their own results (id(7), the host-call sum, memory bytes)."""
    result = measure_micro(get_runtime("wasmrt"), name)
    assert result.error is None, result.error


@pytest.mark.parametrize("name", list(MICRO))
def test_micro_results_wasm3(name: str, bench_dir: Path) -> None:
    if not RUNTIMES["wasm3"].available():
        pytest.skip("pywasm3 not installed (optional `bench` extra)")
    result = measure_micro(get_runtime("wasm3"), name)
    assert result.error is None, result.error


def test_micro_rounds_keep_one_result_per_runtime(bench_dir: Path, runnable_wasmrt: object) -> None:
    """Round robin over the runtimes: one result each, tagged with its runtime, checked."""
    runtimes = [get_runtime("wasmrt"), get_runtime("wasmrt")]
    results = measure_micros(runtimes, "instantiate", rounds=2)
    assert [m.runtime for m in results] == ["wasmrt", "wasmrt"]
    assert all(m.error is None and m.value > 0 for m in results)
