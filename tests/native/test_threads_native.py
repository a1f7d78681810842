"""The threads proposal under the native tier: a body using atomics or a shared memory
stays interpreted (the translator covers neither the atomic ops nor the *_m accesses a
shared memory gets), the others compile, and the guest of examples/threads.wat keeps
its exact counter and barrier when every other body is machine code."""

from __future__ import annotations

import threading
from pathlib import Path

import wasmrt
from tests.native.conftest import engine

GUEST = (Path(__file__).resolve().parents[2] / "examples" / "threads.wat").read_text()

MIXED = """(module
  (memory 1 1 shared)
  (func (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call 0 (i32.sub (local.get 0) (i32.const 1)))
                     (call 0 (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "bump") (param i32) (result i32)
    (i32.atomic.rmw.add (i32.const 0) (local.get 0))))"""


def threads_engine(strategy: str) -> wasmrt.Engine:
    return engine(strategy, wasm_threads=True, release_gil=True)


def test_atomic_bodies_stay_interpreted_beside_machine_code(llvmlite_ok: None) -> None:
    eng = threads_engine("native")
    store = wasmrt.Store(eng)
    ex = wasmrt.Instance(store, wasmrt.Module(eng, MIXED), []).exports(store)
    assert ex["fib"](store, 20) == 6765
    assert [ex["bump"](store, 5) for _ in range(3)] == [0, 5, 10]


def test_counter_and_barrier_with_the_native_tier(llvmlite_ok: None) -> None:
    eng = threads_engine("native")
    module = wasmrt.Module(eng, GUEST)
    mem = wasmrt.SharedMemory(eng, wasmrt.MemoryType(wasmrt.Limits(1, 1), shared=True))
    errors: list[int] = []

    def body(me: int) -> None:
        store = wasmrt.Store(eng)
        ex = wasmrt.Instance(store, module, [mem]).exports(store)
        ex["count"](store, 100_000, 2)
        errors.append(ex["phases"](store, me, 2, 100))

    threads = [threading.Thread(target=body, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [0, 0]
    assert int.from_bytes(mem.view(0, 4), "little") == 200_000
