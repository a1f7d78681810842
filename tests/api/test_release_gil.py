"""``Config.release_gil``: calls into wasm run without the GIL, so other Python threads run
meanwhile and Stores on separate threads compute in parallel; host functions, traps,
Ctrl-C and the one-thread-per-Store rule work as with the GIL held."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import pytest

import wasmrt

WAT = """(module
  (import "h" "add" (func $add (param i32 i32) (result i32)))
  (func (export "count") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.ne (local.get 1) (local.get 0))))
    (local.get 1))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "host_sum") (param i32) (result i32) (local i32 i32)
    (loop $l
      (local.set 2 (call $add (local.get 2) (local.get 1)))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 2))
  (func (export "trap") (result i32) (i32.div_u (i32.const 1) (i32.const 0)))
  (func (export "spin") (loop $l (br $l))))"""


def _engine(release: bool = True) -> wasmrt.Engine:
    config = wasmrt.Config()
    config.release_gil = release
    return wasmrt.Engine(config)


def _exports(engine: wasmrt.Engine, host=None) -> tuple[wasmrt.Store, wasmrt.InstanceExports]:
    store = wasmrt.Store(engine)
    i32 = wasmrt.ValType.i32()
    add = wasmrt.Func(store, wasmrt.FuncType([i32, i32], [i32]), host or (lambda a, b: a + b))
    module = wasmrt.Module(engine, WAT)
    return store, wasmrt.Instance(store, module, [add]).exports(store)


def test_results_host_calls_and_traps() -> None:
    store, ex = _exports(_engine())
    assert ex["count"](store, 1000) == 1000
    assert ex["fib"](store, 20) == 6765
    assert ex["host_sum"](store, 100) == sum(range(100))
    with pytest.raises(wasmrt.Trap, match="integer divide by zero"):
        ex["trap"](store)


def test_host_exception_reaches_the_caller() -> None:
    def add(a: int, b: int) -> int:
        raise LookupError("from the host")

    store, ex = _exports(_engine(), add)
    with pytest.raises(LookupError, match="from the host"):
        ex["host_sum"](store, 3)
    assert ex["count"](store, 5) == 5


def test_other_threads_run_while_wasm_runs() -> None:
    """A guest loops for a while on a worker thread; the main thread runs Python code (it
    could not on a default Engine, whose guest holds the GIL until it returns)."""
    store, ex = _exports(_engine())
    started = threading.Event()
    result: list[int] = []

    def worker() -> None:
        started.set()
        result.append(ex["count"](store, 400_000_000))

    t = threading.Thread(target=worker)
    t.start()
    started.wait()
    time.sleep(0.05)
    ran_during = not result      # this line ran before the guest finished
    t.join()
    assert result == [400_000_000]
    assert ran_during


def test_stores_on_two_threads_compute_in_parallel_and_correctly() -> None:
    engine = _engine()
    out: dict[int, list[int]] = {}

    def worker(k: int) -> None:
        store, ex = _exports(engine)
        out[k] = [ex["fib"](store, 22 + (k % 2)), ex["host_sum"](store, 1000 + k)]

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        assert out[k] == [17711 if k % 2 == 0 else 28657, sum(range(1000 + k))]


def test_one_store_still_refuses_a_second_thread() -> None:
    engine = _engine()
    store, ex = _exports(engine)
    inside = threading.Event()
    leave = threading.Event()

    def add(a: int, b: int) -> int:
        inside.set()
        leave.wait(10)
        return a + b

    store, ex = _exports(engine, add)
    t = threading.Thread(target=ex["host_sum"], args=(store, 1))
    t.start()
    try:
        assert inside.wait(10)
        with pytest.raises(wasmrt.WasmtimeError, match="two threads"):
            ex["count"](store, 1)
    finally:
        leave.set()
        t.join()
    assert ex["count"](store, 3) == 3


def test_sigint_stops_a_guest_running_without_the_gil() -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        store, ex = _exports(_engine())
        killer = subprocess.Popen(["sh", "-c", f"sleep 0.2; kill -INT {os.getpid()}"])
        try:
            with pytest.raises(KeyboardInterrupt):
                ex["spin"](store)
        finally:
            killer.wait()
        assert ex["count"](store, 3) == 3
    finally:
        signal.signal(signal.SIGINT, old)


def test_option_is_per_engine() -> None:
    assert wasmrt.Store(_engine(True))._ctx.release_gil is True
    assert wasmrt.Store(_engine(False))._ctx.release_gil is False
    assert wasmrt.Store(wasmrt.Engine())._ctx.release_gil is False


@pytest.mark.parametrize("start_released", [True, False])
def test_switching_release_gil_inside_a_host_call(start_released: bool) -> None:
    """Host calls take the GIL by what their own entry into wasm did, not by the Store's
    current setting: flipping it from a host function (and re-entering wasm there) while
    the outer guest keeps calling host functions neither deadlocks nor crashes."""
    state: dict[str, object] = {}

    def add(a: int, b: int) -> int:
        store = state["store"]
        ctx = store._ctx                      # the runtime store behind the public one
        ctx.release_gil = not ctx.release_gil
        if b == 3 and "inner" not in state:  # once: re-enter under the flipped setting
            state["inner"] = None
            state["inner"] = state["ex"]["host_sum"](store, 5)
        return a + b

    store, ex = _exports(_engine(start_released), add)
    state.update(store=store, ex=ex)
    assert ex["host_sum"](store, 200) == sum(range(200))
    assert state["inner"] == sum(range(5))
    assert ex["count"](store, 10) == 10
