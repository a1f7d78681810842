"""Calls from machine code that leave its batch: a direct call of a body compiled in a
later batch (or of an import) and every call_indirect.  Where the callee has machine code
the call is made inline (`FuncTranslator.native_call`: the table, null and signature
checks, the stack and attention checks, the call record); otherwise, and for every trap,
through the runtime's `wr_call` / `wr_call_indirect`.  Results, traps and backtraces are
the interpreter's."""

from __future__ import annotations

from typing import Any

import pytest

import wasmrt
from wasmrt import _interp, _native

from .conftest import engine, interrupted_by_epoch

# $loop's batch comes first (function order, one batch per body): its calls of $f, $g
# and $rec are calls of bodies of later batches; $h is a host function, also in the table.
WAT = """(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (type $t (func (param i32) (result i32)))
  (type $v (func (param i32)))
  (memory (export "memory") 1)
  (table 6 funcref)
  (elem (i32.const 0) $f $g $h $rec $bad)
  (func $loop (export "loop") (param $n i32) (param $k i32) (result i32)
    (local $s i32)
    (loop $l
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 3))
        (i32.add (call $f (local.get $n))
          (call_indirect (type $t) (local.get $n)
            (i32.rem_u (i32.add (local.get $n) (local.get $k)) (i32.const 3))))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))
  (func $ind (export "ind") (param $i i32) (param $x i32) (result i32)
    (call_indirect (type $t) (local.get $x) (local.get $i)))
  (func $ind_v (export "ind_v") (param $i i32) (param $x i32)
    (call_indirect (type $v) (local.get $x) (local.get $i)))
  (func $down (export "down") (param $n i32) (result i32)
    (call $rec (local.get $n)))
  (func $f (type $t) (i32.add (local.get 0) (i32.const 3)))
  (func $g (type $t)
    (if (i32.eq (local.get 0) (i32.const 30583)) (then (unreachable)))
    (i32.store (i32.const 8) (local.get 0))
    (i32.mul (local.get 0) (i32.load (i32.const 8))))
  (func $rec (type $t)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.load (i32.const 70000)))
      (else (i32.add (i32.const 1)
        (call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1)) (i32.const 3))))))
  (func $bad (type $v) (drop (call $f (local.get 0)))))
"""

CASES: list[tuple[str, tuple[int, ...]]] = [
    ("loop", (50, 0)), ("loop", (50, 1)), ("loop", (7, 3)),
    ("ind", (0, 5)), ("ind", (1, 6)), ("ind", (2, 7)), ("ind", (3, 4)),
    ("ind", (1, 30583)),    # a trap in the callee
    ("ind", (6, 1)),        # beyond the table
    ("ind", (5, 1)),        # a null element
    ("ind", (4, 1)),        # a signature mismatch
    ("ind_v", (0, 1)),      # a signature mismatch the other way
    ("ind", (-1, 1)),
    ("down", (20,)),        # recursion through call_indirect, then a fault at its bottom
    ("down", (2000,)),
]


def host(x: int) -> int:
    return x * 5 + 1


def runs(eng: wasmrt.Engine, batch_cells: int | None = None,
         monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[list[object], Any]:
    """Every case of CASES: its result, or its trap's message and frames."""
    if monkeypatch is not None:
        monkeypatch.setattr(_native, "NATIVE_BATCH_CELLS", batch_cells)
    m = wasmrt.Module(eng, WAT)
    store = wasmrt.Store(eng)
    h = wasmrt.Func(store, wasmrt.FuncType([wasmrt.ValType.i32()], [wasmrt.ValType.i32()]),
                    host)
    ex = wasmrt.Instance(store, m, [h]).exports(store)
    out: list[object] = []
    for name, args in CASES:
        try:
            out.append((name, args, ex[name](store, *args)))
        except wasmrt.Trap as t:
            out.append((name, args, t.message,
                        [(f.func_index, f.func_offset) for f in t.frames]))
    return out, m


def test_calls_out_of_the_batch_as_the_interpreter(monkeypatch: pytest.MonkeyPatch,
                                                   native: wasmrt.Engine,
                                                   interp: wasmrt.Engine) -> None:
    want, _ = runs(interp)
    assert any("undefined element" in str(r) for r in want)
    assert any("uninitialized element" in str(r) for r in want)
    assert any("indirect call type mismatch" in str(r) for r in want)
    got, m = runs(native, 1, monkeypatch)
    assert [o[3:] for o in m._native.objects][:4] == [([1], []), ([2], []), ([3], []),
                                                     ([4], [])]
    assert m._native.installed == set(range(1, 9))
    assert got == want
    monkeypatch.undo()
    got, _ = runs(native)       # one batch: the direct calls in registers, as before
    assert got == want


STACK = """(module
  (type $t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $b)
  (func $a (export "a") (param i32) (result i32)
    (i32.add (i32.const 1) (call $b (local.get 0))))
  (func $b (param i32) (result i32)
    (i32.add (i32.const 1)
      (call_indirect (type $t) (i32.add (local.get 0) (i32.const 1)) (i32.const 0)))))
"""


def _exhaust(eng: wasmrt.Engine) -> list[object]:
    m = wasmrt.Module(eng, STACK)
    store = wasmrt.Store(eng)
    ex = wasmrt.Instance(store, m, []).exports(store)
    out: list[object] = []
    for _ in range(2):
        with pytest.raises(wasmrt.Trap) as info:
            ex["a"](store, 0)
        out.append((info.value.message,
                    [(f.func_index, f.func_offset) for f in info.value.frames]))
    return out


@pytest.mark.parametrize("batch_cells", [1, 40000])
def test_stack_exhaustion_through_calls_out_of_the_batch(monkeypatch: pytest.MonkeyPatch,
                                                          native: wasmrt.Engine,
                                                          interp: wasmrt.Engine,
                                                          batch_cells: int) -> None:
    """Unbounded recursion through a later batch's body and call_indirect traps with
    "call stack exhausted" and the interpreter's (innermost 1000) frames, again and
    again: the store runs after it."""
    want = _exhaust(interp)
    assert "call stack exhausted" in str(want[0][0]) and len(want[0][1]) == 1000
    monkeypatch.setattr(_native, "NATIVE_BATCH_CELLS", batch_cells)
    assert wasmrt.Module(native, STACK)._native.installed == {0, 1}
    assert _exhaust(native) == want


# One instance's function called by another's machine code, directly (an import) and
# through the table it shares: the callee runs with its own instance's memory and global.
OWNER = """(module
  (memory (export "memory") 1)
  (global $g (export "g") (mut i32) (i32.const 10))
  (table (export "tab") 2 funcref)
  (elem (i32.const 0) $get)
  (func $get (export "get") (param i32) (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (local.get 0)))
    (i32.add (i32.load (i32.const 0)) (global.get $g))))
"""
USER = """(module
  (import "o" "get" (func $get (param i32) (result i32)))
  (import "o" "tab" (table 2 funcref))
  (type $t (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (param $n i32) (result i32)
    (local $s i32)
    (i32.store (i32.const 0) (i32.const 1000))
    (loop $l
      (local.set $s (i32.add (local.get $s)
        (i32.add (call $get (local.get $n))
                 (call_indirect (type $t) (local.get $n) (i32.const 0)))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.add (local.get $s) (i32.load (i32.const 0))))
  (func (export "null") (result i32)
    (call_indirect (type $t) (i32.const 0) (i32.const 1))))
"""


def _two_instances(eng: wasmrt.Engine) -> list[object]:
    store = wasmrt.Store(eng)
    owner = wasmrt.Instance(store, wasmrt.Module(eng, OWNER), [])
    oex = owner.exports(store)
    uex = wasmrt.Instance(store, wasmrt.Module(eng, USER),
                          [oex["get"], oex["tab"]]).exports(store)
    out: list[object] = [uex["run"](store, 40), oex["g"].value(store),
                         bytes(oex["memory"].read(store, 0, 4))]
    try:
        uex["null"](store)
    except wasmrt.Trap as t:
        out.append((t.message, [(f.func_index, f.func_offset) for f in t.frames]))
    return out


def test_calls_into_another_instance(native: wasmrt.Engine, interp: wasmrt.Engine) -> None:
    assert _two_instances(native) == _two_instances(interp)


def test_an_interpreted_callee_is_counted_and_compiled(llvmlite_ok: None) -> None:
    """A callee left out of machine code is called through the runtime, which counts the
    calls: at TIER_CALLS it is queued, and its machine code is then called inline."""
    auto = engine("auto")
    m = wasmrt.Module(auto, WAT)
    m._native.compile([1])                  # $loop alone
    assert m._native.installed == {1}
    store = wasmrt.Store(auto)
    h = wasmrt.Func(store, wasmrt.FuncType([wasmrt.ValType.i32()], [wasmrt.ValType.i32()]),
                    host)
    ex = wasmrt.Instance(store, m, [h]).exports(store)
    want = [ex["loop"](store, 3000, k) for k in range(4)]
    _native.wait_idle(120)
    assert _interp.native_state(m._native.lowered(5))[0], "$f was not compiled"
    assert [ex["loop"](store, 3000, k) for k in range(4)] == want
    ref = wasmrt.Store(engine("interpreter"))
    rex = wasmrt.Instance(ref, wasmrt.Module(engine("interpreter"), WAT),
                          [wasmrt.Func(ref, wasmrt.FuncType([wasmrt.ValType.i32()],
                                                            [wasmrt.ValType.i32()]), host)]
                          ).exports(ref)
    assert [rex["loop"](ref, 3000, k) for k in range(4)] == want


# A loop whose only attention check is its calls' (`back_edges_through_calls`): a direct
# call of a later batch's body and a call_indirect, each made inline.
SPIN = """(module
  (type $t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $f)
  (func (export "spin") (param $n i32) (result i32)
    (local $s i32)
    (loop $l
      (local.set $s (i32.add (call $f (local.get $s))
                             (call_indirect (type $t) (local.get $s) (i32.const 0))))
      (br_if $l (i32.ne (local.get $s) (local.get $n))))
    (local.get $s))
  (func $f (type $t) (i32.add (local.get 0) (i32.const 1))))
"""


def _fuel_runs(eng: wasmrt.Engine) -> list[object]:
    store = wasmrt.Store(eng)
    store.set_fuel(20_000)
    spin = wasmrt.Instance(store, wasmrt.Module(eng, SPIN), []).exports(store)["spin"]
    out: list[object] = [spin(store, 1022), store.get_fuel()]
    with pytest.raises(wasmrt.Trap) as info:
        spin(store, 1)     # never equal: runs until the fuel is gone
    out.append((info.value.message, [(f.func_index, f.func_offset) for f in info.value.frames]))
    return out


def test_fuel_and_epochs_at_calls_out_of_the_batch(monkeypatch: pytest.MonkeyPatch,
                                                    llvmlite_ok: None) -> None:
    want = _fuel_runs(engine("interpreter", consume_fuel=True))
    assert "all fuel consumed" in str(want[-1])
    monkeypatch.setattr(_native, "NATIVE_BATCH_CELLS", 1)
    assert _fuel_runs(engine("native", consume_fuel=True)) == want
    assert interrupted_by_epoch(SPIN)._native.installed == {0, 1}
