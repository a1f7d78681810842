"""One Store, two threads: while one thread is running wasm in a Store (blocked in a host
call, or looping through the fuel/epoch checks that let other threads run), every use of
that Store from another thread raises ``WasmtimeError`` and changes nothing; once the
first thread is out, the same operations work.  (wasmrt only: wasmtime-py leaves this
to the embedder.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

import wasmrt
from wasmrt import _interp

WAT = """(module
  (import "h" "block" (func $block))
  (memory (export "mem") 1 10)
  (table (export "tab") 2 10 funcref)
  (table (export "ext") 2 10 externref)
  (global (export "g") (mut i32) (i32.const 7))
  (func (export "run") call $block)
  (func (export "spin") (loop $l (br $l)))
  (func (export "nop")))"""

BUSY = "two threads"


@dataclass
class World:
    """A Store with one instance of WAT, and what the operations need."""

    engine: wasmrt.Engine
    store: wasmrt.Store
    module: wasmrt.Module
    ex: Any
    instance: wasmrt.Instance
    host: wasmrt.Func
    linker: wasmrt.Linker


def _world(block: Callable[[], None]) -> World:
    config = wasmrt.Config()
    config.consume_fuel = True
    config.epoch_interruption = True
    engine = wasmrt.Engine(config)
    store = wasmrt.Store(engine)
    store.set_fuel(10**15)
    store.set_epoch_deadline(10**9)
    module = wasmrt.Module(engine, WAT)
    host = wasmrt.Func(store, wasmrt.FuncType([], []), block)
    instance = wasmrt.Instance(store, module, [host])
    linker = wasmrt.Linker(engine)
    linker.define(store, "h", "block", host)
    return World(engine, store, module, instance.exports(store), instance, host, linker)


def _increment(x: int) -> int:
    return x + 1


I32 = wasmrt.ValType.i32()
EXT = wasmrt.ValType.externref()

# Every operation that reads or changes the Store's state, by name.
OPERATIONS: dict[str, Callable[[World], Any]] = {
    "call export": lambda w: w.ex["nop"](w.store),
    "call host func": lambda w: w.host(w.store),
    "Func.type": lambda w: w.ex["nop"].type(w.store),
    "Memory.read": lambda w: w.ex["mem"].read(w.store, 0, 4),
    "Memory.write": lambda w: w.ex["mem"].write(w.store, b"x", 0),
    "Memory.grow": lambda w: w.ex["mem"].grow(w.store, 1),
    "Memory.view": lambda w: w.ex["mem"].view(w.store),
    "Memory.data_len": lambda w: w.ex["mem"].data_len(w.store),
    "Memory.size": lambda w: w.ex["mem"].size(w.store),
    "Memory.type": lambda w: w.ex["mem"].type(w.store),
    "Memory.data_ptr": lambda w: w.ex["mem"].data_ptr(w.store),
    "Memory.get_buffer_ptr": lambda w: w.ex["mem"].get_buffer_ptr(w.store),
    "Table.get": lambda w: w.ex["tab"].get(w.store, 0),
    "Table.set": lambda w: w.ex["tab"].set(w.store, 0, w.ex["nop"]),
    "Table.grow": lambda w: w.ex["ext"].grow(w.store, 1, "x"),
    "Table.size": lambda w: w.ex["tab"].size(w.store),
    "Table.type": lambda w: w.ex["tab"].type(w.store),
    "Global.value": lambda w: w.ex["g"].value(w.store),
    "Global.set_value": lambda w: w.ex["g"].set_value(w.store, 1),
    "Global.type": lambda w: w.ex["g"].type(w.store),
    "Instance.exports": lambda w: w.instance.exports(w.store),
    "Func(...)": lambda w: wasmrt.Func(w.store, wasmrt.FuncType([], []), lambda: None),
    "Func.wrap": lambda w: wasmrt.Func.wrap(w.store, _increment),
    "Memory(...)": lambda w: wasmrt.Memory(w.store, wasmrt.MemoryType(wasmrt.Limits(1, None))),
    "Table(...)": lambda w: wasmrt.Table(
        w.store, wasmrt.TableType(EXT, wasmrt.Limits(1, None)), None
    ),
    "Global(...)": lambda w: wasmrt.Global(w.store, wasmrt.GlobalType(I32, True), 1),
    "Instance(...)": lambda w: wasmrt.Instance(w.store, w.module, [w.host]),
    "Linker.instantiate": lambda w: w.linker.instantiate(w.store, w.module),
    "InstancePre.instantiate": lambda w: w.linker.instantiate_pre(w.module).instantiate(w.store),
    "Store.data": lambda w: w.store.data(),
    "Store.gc": lambda w: w.store.gc(),
    "Store.set_fuel": lambda w: w.store.set_fuel(10**15),
    "Store.get_fuel": lambda w: w.store.get_fuel(),
    "Store.set_epoch_deadline": lambda w: w.store.set_epoch_deadline(10**9),
    "Store.set_limits": lambda w: w.store.set_limits(memory_size=100 * 65536),
    "Store.set_wasi": lambda w: w.store.set_wasi(wasmrt.WasiConfig()),
    "Store.close": lambda w: w.store.close(),
}


@pytest.fixture
def blocked() -> Iterator[World]:
    """A World whose Store is running wasm on another thread, blocked in a host call."""
    started, release = threading.Event(), threading.Event()

    def block() -> None:
        started.set()
        release.wait(10)

    w = _world(block)
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(w.ex["run"], w.store)
        assert started.wait(10)
        try:
            yield w
        finally:
            release.set()
        assert running.result(10) is None  # re-raises what the worker raised


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_refused_while_another_thread_runs_wasm(blocked: World, name: str) -> None:
    ctx = blocked.store._ctx
    assert _interp.store_running(ctx)
    before = (len(ctx.objects), len(ctx.funcs), len(ctx.externs))
    with pytest.raises(wasmrt.WasmtimeError, match=BUSY):
        OPERATIONS[name](blocked)
    assert (len(ctx.objects), len(ctx.funcs), len(ctx.externs)) == before
    assert blocked.store._ctx is ctx  # not closed either


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_allowed_once_the_other_thread_is_done(name: str) -> None:
    """The same operations from a second thread once the first left the Store."""
    w = _world(lambda: None)
    with ThreadPoolExecutor(1) as first:
        assert first.submit(w.ex["run"], w.store).result(10) is None
    with ThreadPoolExecutor(1) as second:
        second.submit(OPERATIONS[name], w).result(10)  # re-raises a failure here


def test_store_unchanged_by_refused_operations(blocked: World) -> None:
    """All refused operations together leave memory, table, global, fuel and the object
    lists as they were."""
    w = blocked
    ctx = w.store._ctx
    mem = w.ex["mem"]._rt
    state = (bytes(memoryview(mem)[:4]), mem.pages, w.ex["g"]._rt.value, w.ex["ext"]._rt.size,
             w.ex["tab"]._rt.get(0), ctx.get_fuel(), len(ctx.objects), len(ctx.funcs))
    for operation in OPERATIONS.values():
        with pytest.raises(wasmrt.WasmtimeError, match=BUSY):
            operation(w)
    assert state == (bytes(memoryview(mem)[:4]), mem.pages, w.ex["g"]._rt.value,
                     w.ex["ext"]._rt.size, w.ex["tab"]._rt.get(0), ctx.get_fuel(),
                     len(ctx.objects), len(ctx.funcs))


def test_refused_while_another_thread_loops_in_wasm() -> None:
    """A guest in an endless loop on another thread (it lets this thread run at its fuel
    and epoch checks): operations are refused until the epoch stops it."""
    w = _world(lambda: None)
    w.store.set_epoch_deadline(1)
    with ThreadPoolExecutor(1) as pool:
        spinning = pool.submit(w.ex["spin"], w.store)
        try:
            deadline = time.monotonic() + 10
            while not _interp.store_running(w.store._ctx):
                assert time.monotonic() < deadline, "the guest never started"
                time.sleep(0.001)
            for name in ("call export", "Memory.grow", "Table.set", "Global.set_value",
                         "Store.gc", "Store.set_fuel", "Instance(...)", "Store.close"):
                with pytest.raises(wasmrt.WasmtimeError, match=BUSY):
                    OPERATIONS[name](w)
        finally:
            w.engine.increment_epoch()
        with pytest.raises(wasmrt.Trap) as info:
            spinning.result(10)
    assert info.value.trap_code == wasmrt.TrapCode.INTERRUPT
    assert w.ex["mem"].size(w.store) == 1 and w.ex["g"].value(w.store) == 7
    w.store.set_epoch_deadline(1)
    w.ex["nop"](w.store)
