"""Observability through machine code: the profiler samples native frames as it samples
interpreted ones, and a backtrace through a host call made by machine code goes on below
it, as the interpreter's does (tests/api/test_trap_report.py, tests/test_profiler.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest

import wasmrt
from tests.native.conftest import engine
from wasmrt.profiler import ProfileFrame

HOST_PROGRAM = """(module $n
  (import "env" "host" (func $host))
  (func $spin (export "spin") (local i32)
    (loop (br_if 0 (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 1)))
                           (i32.const 3000000)))))
  (func $inner (export "inner") unreachable)
  (func $outer (export "outer") (local i32)
    (local.set 0 (i32.const 1))
    call $host
    (drop (local.get 0))))"""

FIB = """(module
  (func $fib (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $run (export "run") (param i32) (result i32)
    (call $fib (local.get 0))))"""


def host_exports(store: wasmrt.Store, host: Any) -> Any:
    linker = wasmrt.Linker(store.engine)
    linker.define_func("env", "host", wasmrt.FuncType([], []), host)
    module = wasmrt.Module(store.engine, HOST_PROGRAM)
    return linker.instantiate(store, module).exports(store)


@pytest.mark.usefixtures("llvmlite_ok")
def test_profiler_samples_native_frames() -> None:
    store = wasmrt.Store(engine("native"))
    run = wasmrt.Instance(store, wasmrt.Module(store.engine, FIB), []).exports(store)["run"]
    assert run(store, 20) == 6765                       # compiled before its first call
    with wasmrt.Profiler(store, 0.0005) as prof:
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            run(store, 25)
    assert prof.total > 0
    hottest = next(iter(prof.self_times()))
    assert hottest == ProfileFrame("fib")
    assert prof.self_times()[hottest] > 0.5 * prof.total
    assert all(stack[0] == ProfileFrame("run") for stack in prof.stacks())


@pytest.mark.usefixtures("llvmlite_ok")
def test_profiler_host_frames_below_native_code() -> None:
    store = wasmrt.Store(engine("native"))
    exports: dict[str, Any] = {}
    exports.update(host_exports(store, lambda: exports["spin"](store)))
    names: set[tuple[str, ...]] = set()
    deadline = time.monotonic() + 10        # machine code spins fast: sample until seen
    while ("outer", "env::host", "spin") not in names and time.monotonic() < deadline:
        with wasmrt.Profiler(store, 0.0005) as prof:
            exports["outer"](store)
        names |= {tuple(f.name for f in stack) for stack in prof.stacks()}
    assert ("outer", "env::host", "spin") in names


@pytest.mark.parametrize("strategy", ["interpreter", "native"])
def test_backtrace_goes_on_below_a_host_call_from_machine_code(strategy: str,
                                                               request: Any) -> None:
    if strategy == "native":
        request.getfixturevalue("llvmlite_ok")
    store = wasmrt.Store(engine(strategy))
    exports: dict[str, Any] = {}
    exports.update(host_exports(store, lambda: exports["inner"](store)))
    with pytest.raises(wasmrt.Trap) as info:
        exports["outer"](store)
    assert [(f.func_name, f.func_offset) for f in info.value.frames] == [
        ("inner", 1), ("outer", 7)]
