"""The public API's smoke test: what an installed wasmrt must do, checked from any directory.

``python tests/smoke.py`` imports the wasmrt that Python finds (an installed wheel or sdist:
run it from outside the source tree, or it meets the unbuilt ``wasmrt/`` folder) and checks
compiling, instantiating, calling both ways, memory, globals, traps, a long-running loop (the
interpreter's handlers chain by sibling calls: a compiler that turned them into real calls
would overflow the C stack here), serialization and a WASI program.  It prints one line per
check and exits non-zero at the first failure.  cibuildwheel runs it on every wheel, the
packaging test (``tests/test_packaging.py``) on the sdist's install, and
``tests/api/test_smoke.py`` on the in-place build.
"""

from __future__ import annotations

import importlib.metadata
import pickle
import sys
from collections.abc import Callable
from typing import Any

import wasmrt

MATH = """
(module
  (import "host" "scale" (func $scale (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $count (export "count") (mut i32) (i32.const 0))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "scaled") (param i32) (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (call $scale (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  ;; sum of 0..n-1, one loop iteration per value: n = 10^7 runs ~6 * 10^7 handlers
  (func (export "sum") (param $n i32) (result i64) (local $i i32) (local $s i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $s)))
"""

HELLO = """
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\\10\\00\\00\\00\\0e\\00\\00\\00")
  (data (i32.const 16) "Hello, world!\\n")
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 7))))
"""


def check_call_and_host(engine: wasmrt.Engine) -> str:
    store = wasmrt.Store(engine)
    linker = wasmrt.Linker(engine)
    linker.define_func("host", "scale", wasmrt.FuncType([wasmrt.ValType.i32()],
                                                        [wasmrt.ValType.i32()]),
                       lambda x: x * 10)
    instance = linker.instantiate(store, wasmrt.Module(engine, MATH))
    exports = instance.exports(store)
    assert exports["add"](store, 2, 3) == 5
    assert exports["add"](store, 0x7FFFFFFF, 1) == -0x80000000  # i32 wraps
    assert exports["scaled"](store, 4) == 40
    assert exports["count"].value(store) == 1
    exports["store"](store, 8, 0x01020304)
    assert exports["memory"].read(store, 8, 12) == b"\x04\x03\x02\x01"
    return "calls, a host function, a global and memory"


def _instance(engine: wasmrt.Engine) -> tuple[wasmrt.Store, Any]:
    """A Store and the exports of MATH instantiated in it, ``scale`` the identity."""
    store = wasmrt.Store(engine)
    module = wasmrt.Module(engine, MATH)
    scale = wasmrt.Func(store, wasmrt.FuncType([wasmrt.ValType.i32()], [wasmrt.ValType.i32()]),
                        lambda x: x)
    return store, wasmrt.Instance(store, module, [scale]).exports(store)


def check_trap(engine: wasmrt.Engine) -> str:
    store, exports = _instance(engine)
    try:
        exports["div"](store, 1, 0)
    except wasmrt.Trap as trap:
        assert trap.trap_code == wasmrt.TrapCode.INTEGER_DIVISION_BY_ZERO, trap.trap_code
    else:
        raise AssertionError("1 / 0 did not trap")
    return "a trap"


def check_long_loop(engine: wasmrt.Engine) -> str:
    store, exports = _instance(engine)
    n = 10_000_000
    assert exports["sum"](store, n) == n * (n - 1) // 2
    return f"a loop of {n:,} iterations (the handlers chain without growing the C stack)"


def check_serialize(engine: wasmrt.Engine) -> str:
    module = wasmrt.Module.deserialize(engine, wasmrt.Module(engine, MATH).serialize())
    assert [e.name for e in module.exports][:2] == ["memory", "count"]
    assert pickle.loads(pickle.dumps(module)).exports[2].name == "add"
    return "Module.serialize and pickling"


def check_wasi(engine: wasmrt.Engine) -> str:
    out: list[bytes] = []
    config = wasmrt.WasiConfig()
    config.argv = ["hello"]
    config.stdout = out.append
    store = wasmrt.Store(engine)
    store.set_wasi(config)
    linker = wasmrt.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, wasmrt.Module(engine, wasmrt.wat2wasm(HELLO)))
    try:
        instance.exports(store)["_start"](store)
    except wasmrt.ExitTrap as exit_trap:
        assert exit_trap.code == 7, exit_trap.code
    else:
        raise AssertionError("proc_exit did not end the program")
    assert b"".join(out) == b"Hello, world!\n", out
    return "a WASI program (fd_write, proc_exit)"


CHECKS: list[Callable[[wasmrt.Engine], str]] = [
    check_call_and_host, check_trap, check_long_loop, check_serialize, check_wasi,
]


def main(report: Callable[[str], Any] = print) -> int:
    """Run every check on a fresh Engine; return the number passed (an assertion stops it)."""
    report(f"wasmrt {wasmrt.__version__} from {wasmrt.__file__}")
    try:
        installed = importlib.metadata.version("wasmrt")
    except importlib.metadata.PackageNotFoundError:
        installed = None  # an in-place build that was never installed
    if installed is not None and "site-packages" in wasmrt.__file__:
        assert installed == wasmrt.__version__, (installed, wasmrt.__version__)
    for check in CHECKS:
        report(f"ok: {check(wasmrt.Engine())}")
    report(f"smoke test passed: {len(CHECKS)} checks")
    return len(CHECKS)


if __name__ == "__main__":
    main()
    sys.exit(0)
