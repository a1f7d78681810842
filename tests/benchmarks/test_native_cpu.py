"""``python -m benchmarks native-cpu``: its measurement and its table (no timing asserted)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from benchmarks.bench_native_cpu import SECTION, format_table, main, measure
from benchmarks.programs import load_programs
from benchmarks.runtimes import get_runtime


def _small(name: str, bench_dir: Path):  # type: ignore[no-untyped-def]
    """Program ``name`` at its small size, so the interpreter runs it in a test's time."""
    prog = next(p for p in load_programs(bench_dir) if p.name == name)
    return dataclasses.replace(prog, n=prog.n_small, checksum=prog.checksum_small)


def test_measure_keeps_each_runtimes_best_and_checks_results(
        bench_dir: Path, runnable_wasmrt: object) -> None:
    prog = _small("crc32", bench_dir)
    runtimes = [get_runtime("wasmrt-interp"), get_runtime("wasmrt")]
    best = measure(runtimes, prog, repeat=3)
    assert set(best) == {"wasmrt-interp", "wasmrt"}
    assert all(isinstance(v, float) and v > 0 for v in best.values()), best
    wrong = dataclasses.replace(prog, checksum=prog.checksum_small + 1)
    failed = measure(runtimes[:1], wrong, repeat=2)["wasmrt-interp"]
    assert isinstance(failed, str) and "expected" in failed, failed


def test_table_ratios_failures_and_geomean() -> None:
    rows: dict[str, dict[str, float | str]] = {
        "fib": {"wasmrt": 0.2, "wasmtime": 0.1},
        "crc32": {"wasmrt": 0.05, "wasmtime": 0.1},
        "sieve": {"wasmrt": "Trap: unreachable", "wasmtime": 0.1},
    }
    table = format_table(rows, ["wasmrt", "wasmtime"])
    assert "| program | wasmrt s | wasmtime s | wasmrt / wasmtime |" in table
    assert "| fib | 0.200 | 0.100 | 2.00 |" in table
    assert "| crc32 | 0.050 | 0.100 | 0.50 |" in table
    assert "| sieve | FAIL Trap: unreachable | 0.100 | - |" in table
    assert "**1.000**" in table  # geomean of 2.0 and 0.5; the failed program left out


def test_command_writes_its_section(bench_dir: Path, runnable_wasmrt: object,
                                   tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import benchmarks.bench_native_cpu as bench

    small = [_small("crc32", bench_dir)]
    monkeypatch.setattr(bench, "load_programs", lambda: small)
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# title\n")
    assert main(["--runtimes", "wasmrt,wasmrt-interp", "--repeat", "2",
                 "--write", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("# title\n") and f"<!-- begin {SECTION} -->" in text
    assert "| crc32 |" in text and "wasmrt / wasmrt-interp" in text
    assert "- **load average at the end**:" in text
    assert main(["--runtimes", "nosuch"]) == 2
