"""Pausing guests whose code runs natively:
under ``call_async`` an async host call or a yield inside machine code hands every frame
to the interpreter (slots spilled to ``fp[]``, call records with interpreter pcs), which
resumes it; cancellation and snapshots work the same.  Every test checks that the bodies
really are machine code, and compares with the interpreter."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import pytest

import wasmrt
from tests.api.test_async import cancel_running
from wasmrt import FuncType, ValType, _interp, _native, _native_ir

from .conftest import engine

I32 = ValType.i32()

# Values live across the host calls in many slots (locals, operands, a call_indirect's
# table index), in native frames below native frames (`deep`, direct calls of one batch),
# and below an interpreted body (`mixed` calls `simd`, whose v128 op keeps it interpreted).
WAT = """(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $g (export "g") (mut i32) (i32.const 0))
  (type $un (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $deep $simd)
  (func $deep (export "deep") (param $d i32) (result i32)
    (local $a i32) (local $b i64) (local $c f64)
    (local.set $a (i32.mul (local.get $d) (i32.const 3)))
    (local.set $b (i64.extend_i32_u (i32.add (local.get $d) (i32.const 1000))))
    (local.set $c (f64.convert_i32_s (local.get $d)))
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.add
      (i32.add (local.get $a) (i32.wrap_i64 (local.get $b)))
      (i32.add (i32.trunc_f64_s (f64.mul (local.get $c) (f64.const 0.5)))
        (if (result i32) (i32.eqz (local.get $d))
          (then (call $h (i32.const 100)))
          (else (i32.add (local.get $d)
            (call_indirect (type $un) (i32.sub (local.get $d) (i32.const 1))
                                      (i32.and (local.get $d) (i32.const 0)))))))))
  (func $simd (param $x i32) (result i32)
    (i32.add (i32x4.extract_lane 1 (i32x4.splat (local.get $x))) (call $h (local.get $x))))
  (func (export "mixed") (param $x i32) (result i32)
    (local $keep i32)
    (local.set $keep (i32.mul (local.get $x) (i32.const 7)))
    (i32.add (local.get $keep)
      (i32.add (call $simd (local.get $x)) (call $deep (i32.const 3)))))
  (func (export "spin") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (i32.xor (local.get $i) (i32.const 0x55))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (i32.store (i32.const 4) (local.get $i))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $acc) (i32.load (i32.const 4)))))
"""


def spin_expected(n: int) -> int:
    v = (sum(i ^ 0x55 for i in range(n)) + n) % 2**32
    return v - 2**32 if v >= 2**31 else v


def make(strategy: str, host: Any, wat: str = WAT) -> tuple[wasmrt.Store, Any, wasmrt.Module]:
    eng = engine(strategy)
    store = wasmrt.Store(eng)
    module = wasmrt.Module(eng, wat)
    linker = wasmrt.Linker(eng)
    linker.define_func("env", "h", FuncType([I32], [I32]), host)
    return store, linker.instantiate(store, module).exports(store), module


def native_bodies(module: wasmrt.Module) -> set[int]:
    """Function indices of the bodies that run as machine code."""
    return {lf.func_index for lf in module._info.func_codes
            if _interp.native_state(lf)[0]}


async def counting_turns(call: Awaitable[Any]) -> tuple[Any, int]:
    """What ``call`` returns, and how many turns of the event loop other tasks had
    meanwhile."""
    guest = asyncio.ensure_future(call)
    turns = 0
    while not guest.done():
        await asyncio.sleep(0)
        turns += 1
    return await guest, turns


async def later(x: int) -> int:
    await asyncio.sleep(0)
    return x * 2


def test_pause_codes_match_the_runtime() -> None:
    assert (_native_ir.TRAP_PAUSE, _native_ir.TRAP_YIELD, _native_ir.TRAP_THROW,
            _native_ir.TRAP_SIDE) == \
        (_interp.ASYNC_CALL, _interp.ASYNC_YIELD, _interp.THROWN, _interp.SIDE_EXIT)


def test_native_frames_pause_at_async_host_calls(llvmlite_ok: None) -> None:
    got = {}
    for strategy in ("native", "interpreter"):
        store, ex, module = make(strategy, later)
        if strategy == "native":
            # deep, mixed and spin are machine code; simd (v128) stays interpreted
            assert native_bodies(module) == {1, 3, 4}
        got[strategy] = (asyncio.run(ex["deep"].call_async(store, 40)),
                         asyncio.run(ex["mixed"].call_async(store, 5)),
                         ex["g"].value(store))
        with pytest.raises(wasmrt.WasmtimeError, match="call_async"):
            ex["deep"](store, 2)
    assert got["native"] == got["interpreter"]


def test_native_loops_yield_to_the_event_loop(llvmlite_ok: None) -> None:
    store, ex, module = make("native", later)
    assert 4 in native_bodies(module)
    store.set_async_yield_interval(0.001)

    n = 200_000_000
    result, turns = asyncio.run(counting_turns(ex["spin"].call_async(store, n)))
    assert result == ex["spin"](store, n)       # (synchronous: no pause)
    assert turns > 2, "the native loop never yielded"


def test_cancelling_a_native_guest(llvmlite_ok: None) -> None:
    gate = asyncio.Event()

    async def host(x: int) -> int:
        await gate.wait()
        return x

    store, ex, module = make("native", host)
    assert {1, 4} <= native_bodies(module)
    store.set_async_yield_interval(0.001)

    asyncio.run(cancel_running(ex["deep"].call_async(store, 30)))
    asyncio.run(cancel_running(ex["spin"].call_async(store, 2_000_000_000)))
    # the Store is usable afterwards, synchronously and asynchronously
    assert ex["spin"](store, 1000) == spin_expected(1000)
    gate.set()
    assert asyncio.run(ex["deep"].call_async(store, 4)) == \
        asyncio.run(ex["deep"].call_async(store, 4))


class Snapper:
    """An async host function that snapshots its Store at its first call."""

    def __init__(self) -> None:
        self.snaps: list[wasmrt.Snapshot] = []

    async def __call__(self, caller: wasmrt.Caller, x: int) -> int:
        if not self.snaps:
            self.snaps.append(caller._store_of().snapshot())
        await asyncio.sleep(0)
        return x + 1


def test_snapshot_of_native_frames(llvmlite_ok: None) -> None:
    results = {}
    for strategy in ("native", "interpreter"):
        snap = Snapper()
        eng = engine(strategy)
        store = wasmrt.Store(eng)
        module = wasmrt.Module(eng, WAT)
        linker = wasmrt.Linker(eng)
        linker.define_func("env", "h", FuncType([I32], [I32]), snap, access_caller=True)
        ex = linker.instantiate(store, module).exports(store)
        first = asyncio.run(ex["mixed"].call_async(store, 9))
        resumed = [asyncio.run(snap.snaps[0].resume_async(wasmrt.Store(eng)))
                   for _ in range(3)]
        assert resumed == [first] * 3
        results[strategy] = first
    assert results["native"] == results["interpreter"]


def test_snapshot_at_a_native_yield(llvmlite_ok: None) -> None:
    store, ex, module = make("native", later)
    assert 4 in native_bodies(module)
    store.set_async_yield_interval(0.001)
    snaps: list[wasmrt.Snapshot] = []

    async def main(n: int) -> int:
        guest = asyncio.ensure_future(ex["spin"].call_async(store, n))
        while not guest.done():
            await asyncio.sleep(0)
            if not snaps and store._context().paused is not None:
                snaps.append(store.snapshot())
        return await guest

    n = 200_000_000
    want = ex["spin"](store, n)
    assert asyncio.run(main(n)) == want
    assert snaps, "the guest never yielded"
    store2 = wasmrt.Store(store.engine)
    assert asyncio.run(snaps[0].resume_async(store2)) == want


def test_auto_tier_up_then_pause(llvmlite_ok: None) -> None:
    """Under "auto" a hot loop moves to machine code while it runs (OSR) and still yields
    and finishes right."""
    store, ex, module = make("auto", later)
    store.set_async_yield_interval(0.002)
    n = 200_000_000
    result, turns = asyncio.run(counting_turns(ex["spin"].call_async(store, n)))
    assert native_bodies(module) >= {4}, "the loop did not tier up"
    assert result == ex["spin"](store, n) and turns > 2


# A loop whose time goes into computing a call_indirect's table index, so that the
# ticks of a 1 ms yield interval land on the call's attention check (`wr_call`): the
# guest yields there and the interpreter makes the call when resumed, reading the index
# from its slot, which lies in the callee's frame.
WAT_INDIRECT = """(module
  (memory 1)
  (type $un (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $inc $triple)
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $acc i32) (local $x i32)
    (i32.store (i32.const 0) (i32.const 7))
    (loop $l
      (local.set $x (i32.add (local.get $i) (i32.const 1000003)))
      (local.set $x (i32.div_u (local.get $x) (i32.load (i32.const 0))))
      (local.set $x (i32.div_u (local.get $x) (i32.load (i32.const 0))))
      (local.set $acc
        (call_indirect (type $un) (i32.add (local.get $acc) (local.get $x))
                       (i32.and (local.get $i) (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))
"""


def test_yield_at_a_call_indirect_keeps_its_table_index(llvmlite_ok: None) -> None:
    """Machine code passes the table index to the call in a register; a yield at the
    call's attention check must leave it in its slot too (it did not: the resumed call
    took another table element, or trapped "uninitialized element" / "undefined
    element": PythonSandbox runs that tiered up)."""
    eng = engine("native")
    store = wasmrt.Store(eng)
    module = wasmrt.Module(eng, WAT_INDIRECT)
    ex = wasmrt.Instance(store, module, []).exports(store)
    assert 2 in native_bodies(module)
    n = 3_000_000
    want = ex["run"](store, n)
    interp_store = wasmrt.Store(engine("interpreter"))
    interp_ex = wasmrt.Instance(interp_store, wasmrt.Module(interp_store.engine, WAT_INDIRECT),
                                []).exports(interp_store)
    assert interp_ex["run"](interp_store, n) == want
    store.set_async_yield_interval(0.001)
    for _ in range(2):
        result, turns = asyncio.run(counting_turns(ex["run"].call_async(store, n)))
        assert turns > 5, "the guest never yielded"
        assert result == want


# Slots dead where a paused frame resumes are not spilled by the pause exits (liveness):
# `$t` is written by the call's result before it is read again (in `work` at its direct
# call of `inner`, and `$d` in `inner` at its host call), so a pause in the host leaves 0
# in those fp[] slots, and the interpreter, resuming both frames, never reads them.
WAT_DEAD = """(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (func $inner (param $x i32) (result i32)
    (local $d i32)
    (local.set $d (i32.add (local.get $x) (i32.const 5)))
    (local.set $d (i32.add (call $h (local.get $d)) (local.get $x)))
    (i32.mul (local.get $d) (i32.const 3)))
  (func (export "work") (param $n i32) (result i32)
    (local $i i32) (local $acc i32) (local $t i32)
    (loop $l
      (local.set $t (i32.mul (local.get $i) (i32.const 7)))
      (local.set $acc (i32.add (local.get $acc) (local.get $t)))
      (local.set $t (call $inner (local.get $i)))
      (local.set $acc (i32.xor (i32.rotl (local.get $acc) (i32.const 5)) (local.get $t)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))
"""


def paused_natively_as_interpreted(wat: str, export: str, n: int) -> wasmrt.Module:
    """Run `export`(n) of `wat` under call_async, whose host `h` pauses at every call,
    natively (bodies 1 and 2 machine code) and interpreted: the results are equal.
    Returns the native run's module."""
    got = {}
    for strategy in ("native", "interpreter"):
        store, ex, module = make(strategy, later, wat)
        if strategy == "native":
            assert native_bodies(module) == {1, 2}
            native = module
        got[strategy] = asyncio.run(ex[export].call_async(store, n))
    assert got["native"] == got["interpreter"]
    return native


def test_dead_slots_are_not_kept_for_a_pause(llvmlite_ok: None) -> None:
    module = paused_natively_as_interpreted(WAT_DEAD, "work", 50)
    # the pause exits spill no slot dead at the call (or store 0 to it on the way in)
    nm = _native.NativeModule(module._info, "native")
    bodies = [nm.body(fi) for fi in (1, 2)]
    unit = _native_ir.Translator(nm.module, _native.jit().layout)
    for b in bodies:
        unit.batch = {b.func_index: b.max_slots for b in bodies}
        ft = _native_ir.FuncTranslator(unit, b)
        ir = ft.body()
        calls = [i for i in b.instrs if _native_ir.isa.NAMES[b.cells[i]] == "call"]
        live_in, live_out = ft.liveness()
        dead = [s for s in range(b.nparams, b.max_slots)
                if not (live_in[calls[0]] | live_out[calls[0]]) >> s & 1 and s in ft.used]
        assert dead, "no local is dead at the call"
        exits = ir[ir.index("\npause_"):]      # the spill chain
        for s in dead:
            assert f"load i64, ptr %s{s}\n" not in exits or f"store i64 0, ptr %s{s}\n" in ir


# A direct call within a batch passes its arguments in registers (`reg_call`): the callee's
# fp[] holds its parameters only where its pause exit spills them.  `$leaf` changes both
# of its parameters before the host call and reads them after it, in a loop of `$mid`.
WAT_REGS = """(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (func $leaf (param $x i32) (param $y f64) (param $z i64) (result i32)
    (local.set $x (i32.mul (local.get $x) (i32.const 3)))
    (local.set $y (f64.add (local.get $y) (f64.const 0.25)))
    (i32.add (i32.add (call $h (local.get $x)) (local.get $x))
             (i32.add (i32.trunc_f64_s (f64.mul (local.get $y) (f64.const 4)))
                      (i32.wrap_i64 (local.get $z)))))
  (func (export "mid") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.xor (i32.rotl (local.get $acc) (i32.const 3))
        (call $leaf (local.get $i) (f64.convert_i32_s (local.get $n))
                    (i64.shl (i64.extend_i32_u (local.get $i)) (i64.const 33)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))
"""


def test_parameters_in_registers_survive_a_pause(llvmlite_ok: None) -> None:
    module = paused_natively_as_interpreted(WAT_REGS, "mid", 40)
    nm = _native.NativeModule(module._info, "native")
    ir = _native_ir.Translator(nm.module, _native.jit().layout).module(
        [nm.body(fi) for fi in (1, 2)])
    assert f"call {{i32, i64}} @{_native_ir.reg_name(1)}(" in ir
