"""``python -m benchmarks.bench_gc``: the GC programs and their baselines give the right
results on wasmrt and wasmtime-py at a tiny size, and the section is written."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

import wasmrt
from benchmarks import bench_gc


@pytest.mark.parametrize("prog", bench_gc.PROGRAMS, ids=lambda p: p.name)
def test_programs_give_their_results(runtime: ModuleType, prog: bench_gc.GcProgram) -> None:
    """Each program's run(n), on wasmrt and wasmtime-py, is what Python computes."""
    rt = runtime
    store = rt.Store(rt.Engine())
    run = rt.Instance(store, rt.Module(store.engine, prog.wat()), []).exports(store)["run"]
    for n in (0, 1, 7, 10):
        assert run(store, n) == prog.expected(n)


def test_binary_trees_result_counts_the_nodes() -> None:
    """run(n)'s result is the number of nodes allocated: on wasmrt, the heap's count."""
    store = wasmrt.Store(wasmrt.Engine())
    module = wasmrt.Module(store.engine, bench_gc.PROGRAMS[0].wat())
    run = wasmrt.Instance(store, module, []).exports(store)["run"]
    assert run(store, 8) == bench_gc.binary_trees_result(8) == 25_774
    from wasmrt import _interp

    assert _interp.gc_stats(store._context())["objects"] == 25_774


def test_section_is_written(tmp_path: Path) -> None:
    md = tmp_path / "BENCHMARKS.md"
    md.write_text("# wasmrt benchmarks\n")
    pytest.importorskip("wasmtime", reason="wasmtime-py (the peer) is not installed")
    assert bench_gc.main(["--runtimes", "wasmrt,wasmtime", "--scale", "0.001", "--repeat", "1",
                          "--long", "2", "--write", str(md)]) == 0
    text = md.read_text()
    assert f"<!-- begin {bench_gc.SECTION} -->" in text
    for prog in bench_gc.PROGRAMS:
        assert f"| {prog.name} | " in text
    assert "| binary-trees / binary-trees-mem | " in text
    assert "| 2 x binary-trees(1) |" in text and "| wasmtime | " in text
    assert "--runtimes wasmrt,wasmtime --repeat 1 --scale 0.001 --long 2" in text
