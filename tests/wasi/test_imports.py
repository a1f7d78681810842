"""The preview1 imports as a module sees them: exact function types, and raw calls from
WAT (negative i32 pointers, i64 arguments, proc_exit) through each runtime's host-call path."""

from __future__ import annotations

from typing import Any

import pytest

from wasmrt import wasi
from wasmrt.errors import ExitTrap
from wasmrt.wasi import Errno

WAT_TYPE = {"I": "i32", "L": "i64"}


def all_imports_wat() -> str:
    """A module importing every preview1 function with the type wasi-libc declares."""
    lines = ["(module"]
    for name, sig in wasi.SIGNATURES.items():
        params = " ".join(WAT_TYPE[c] for c in sig)
        result = "" if name == "proc_exit" else " (result i32)"
        lines.append(f'  (import "wasi_snapshot_preview1" "{name}" '
                     f"(func (param {params}){result}))" if params else
                     f'  (import "wasi_snapshot_preview1" "{name}" (func{result}))')
    lines.append('  (memory (export "memory") 1))')
    return "\n".join(lines)


def instantiate(runtime: Any, wat: str, ctx: wasi.WasiContext) -> tuple[Any, Any]:
    engine = runtime.Engine()
    store = runtime.Store(engine)
    linker = runtime.Linker(engine)
    wasi.define_wasi(linker, ctx)
    instance = linker.instantiate(store, runtime.Module(engine, wat))
    return store, instance.exports(store)


def test_every_import_links(runtime: Any) -> None:
    _, exports = instantiate(runtime, all_imports_wat(), wasi.WasiContext())
    assert exports["memory"] is not None


def test_wrong_signature_is_a_link_error(runtime: Any) -> None:
    wat = ('(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32) '
           '(result i32))) (memory (export "memory") 1))')
    with pytest.raises(Exception, match="(?i)incompatible|type|mismatch"):
        instantiate(runtime, wat, wasi.WasiContext())


CALLS = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hi\\n")
  (func (export "write_bad_ptr") (result i32)
    (call $fd_write (i32.const 1) (i32.const -8) (i32.const 1) (i32.const 0)))
  (func (export "write_ok") (result i32)
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 3))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
  (func (export "written") (result i32) (i32.load (i32.const 16)))
  (func (export "seek_stdout") (result i32)
    (call $fd_seek (i32.const 1) (i64.const -1) (i32.const 0) (i32.const 24)))
  (func (export "seek_bad_fd") (result i32)
    (call $fd_seek (i32.const -1) (i64.const 0) (i32.const 0) (i32.const 24)))
  (func (export "clock") (result i64)
    (drop (call $clock (i32.const 1) (i64.const -1) (i32.const 32)))
    (i64.load (i32.const 32)))
  (func (export "clock_bad") (result i32)
    (call $clock (i32.const -2) (i64.const 0) (i32.const 32)))
  (func (export "yield") (result i32) (call $yield))
  (func (export "exit") (param i32) (call $exit (local.get 0)) unreachable))
"""


def test_raw_calls(runtime: Any) -> None:
    out: list[bytes] = []
    config = wasi.WasiConfig()
    config.stdout = out.append
    store, ex = instantiate(runtime, CALLS, wasi.WasiContext(config))
    assert ex["write_bad_ptr"](store) == Errno.FAULT
    assert ex["write_ok"](store) == 0
    assert ex["written"](store) == 3
    assert out == [b"hi\n"]
    assert ex["seek_stdout"](store) == Errno.SPIPE
    assert ex["seek_bad_fd"](store) == Errno.BADF
    assert ex["clock"](store) > 0
    assert ex["clock_bad"](store) == Errno.INVAL
    assert ex["yield"](store) == 0
    with pytest.raises(ExitTrap) as info:
        ex["exit"](store, 17)
    assert info.value.code == 17
    with pytest.raises(ExitTrap) as info:
        ex["exit"](store, -1)
    assert info.value.code == 0xFFFFFFFF


def test_store_context_from_set_wasi() -> None:
    """The default lookup: the context of the caller's store, made from ``store._wasi``."""

    class Store:
        _wasi: wasi.WasiConfig | None = None
        _wasi_state: wasi.WasiContext | None = None

    class Caller:
        def __init__(self, store: Store) -> None:
            self.store = store

        def _store_of(self) -> Store:
            return self.store

    store = Store()
    with pytest.raises(wasi.Trap, match="set_wasi"):
        wasi.store_context(Caller(store))
    store._wasi = wasi.WasiConfig()
    store._wasi.argv = ["x"]
    ctx = wasi.store_context(Caller(store))
    assert ctx.args == [b"x"]
    assert wasi.store_context(Caller(store)) is ctx
