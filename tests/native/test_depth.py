"""The call depth of machine code that calls in registers.  A body making direct calls in
registers passes each callee its depth and stores its own to cx.depth only before it calls
the runtime (`FuncTranslator.depth_at_start`); after a deep callee returns, cx.depth may
hold a deeper depth until then.  Every reader of cx.depth must still see the caller's:
the backtrace of a trap, a host function that enters the Store again, stack exhaustion,
an epoch interrupt."""

from __future__ import annotations

import pytest

import wasmrt

from .conftest import interrupted_by_epoch

WAT = """(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (memory (export "memory") 1)
  ;; direct recursion in registers; at its bottom a fault (how 1), a host call (0) or 0
  (func $rec (export "rec") (param $n i32) (param $how i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then
        (if (result i32) (i32.eq (local.get $how) (i32.const 1))
          (then (i32.load (i32.const 70000)))
          (else (if (result i32) (local.get $how)
            (then (i32.const 0))
            (else (call $h (i32.const 7)))))))
      (else (i32.add (i32.const 1)
        (call $rec (i32.sub (local.get $n) (i32.const 1)) (local.get $how))))))
  ;; a deep callee returns first, then a host call (which may enter the Store again)
  (func $after (export "after") (param $n i32) (param $m i32) (result i32)
    (i32.add (call $rec (local.get $n) (i32.const 2)) (call $h (local.get $m))))
  ;; ... then a trap of its own
  (func $then_trap (export "then_trap") (param $n i32) (result i32)
    (drop (call $rec (local.get $n) (i32.const 2)))
    (i32.div_u (local.get $n) (i32.const 0)))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (i32.const 1) (call $deep (i32.add (local.get 0) (i32.const 1)))))
  (func $spin (export "spin") (param $n i32) (result i32)
    (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (call $rec (i32.const 30) (i32.const 2))))
      (br_if $l (local.get $n)))
    (local.get $s)))
"""

CASES: list[tuple[str, tuple[int, ...]]] = [
    ("rec", (40, 0)), ("rec", (40, 2)),
    ("rec", (60, 1)),          # a fault 61 frames down
    ("after", (50, 3)),
    ("after", (50, 120)),      # the host function calls rec(20, 0) in the Store again
    ("after", (50, 1025)),     # ... rec(25, 1), which faults below the host frame
    ("then_trap", (80,)),
    ("deep", (0,)), ("deep", (0,)),     # call stack exhausted, twice on one Store
    ("rec", (10, 0)),
]


def runs(eng: wasmrt.Engine) -> tuple[list[object], wasmrt.Module]:
    """Each case: its result, or its trap's message and frames (innermost 40)."""
    m = wasmrt.Module(eng, WAT)
    store = wasmrt.Store(eng)
    ex: dict[str, wasmrt.Func] = {}

    def h(caller: wasmrt.Caller, x: int) -> int:
        if x >= 1000:
            return ex["rec"](caller, x - 1000, 1)
        if x >= 100:
            return ex["rec"](caller, x - 100, 0) + 1
        return x * 5 + 1

    i32 = wasmrt.ValType.i32()
    host = wasmrt.Func(store, wasmrt.FuncType([i32], [i32]), h, access_caller=True)
    inst = wasmrt.Instance(store, m, [host])
    exports = inst.exports(store)
    ex.update({name: exports[name] for name, _ in CASES})
    out: list[object] = []
    for name, args in CASES:
        try:
            out.append((name, args, ex[name](store, *args)))
        except wasmrt.Trap as t:
            out.append((name, args, t.message, len(t.frames),
                        [(f.func_index, f.func_offset) for f in t.frames[:40]]))
    return out, m


def test_depth_seen_by_traps_hosts_and_stack_checks(native: wasmrt.Engine,
                                                    interp: wasmrt.Engine) -> None:
    want, _ = runs(interp)
    assert [len(w) for w in want].count(5) == 5
    assert "call stack exhausted" in str(want[7]) and want[7][3] == 1000
    got, m = runs(native)
    assert m._native.installed == {1, 2, 3, 4, 5}
    assert got == want


def test_epoch_interrupt_in_recursion_in_registers(llvmlite_ok: None) -> None:
    m = interrupted_by_epoch(WAT.replace('(import "env" "h" (func $h (param i32) '
                                         '(result i32)))',
                                         '(func $h (param i32) (result i32) (local.get 0))'))
    assert m._native.installed == {0, 1, 2, 3, 4, 5}


@pytest.mark.parametrize("n", [0, 5])
def test_a_store_runs_on_after_a_trap_in_recursion(native: wasmrt.Engine, n: int) -> None:
    """A trap leaves the Store's depth as it was: the next call's frames start at 0."""
    store = wasmrt.Store(native)
    i32 = wasmrt.ValType.i32()
    host = wasmrt.Func(store, wasmrt.FuncType([i32], [i32]), lambda x: x)
    ex = wasmrt.Instance(store, wasmrt.Module(native, WAT), [host]).exports(store)
    with pytest.raises(wasmrt.Trap):
        ex["rec"](store, 30 + n, 1)
    with pytest.raises(wasmrt.Trap) as info:
        ex["rec"](store, n, 1)
    assert len(info.value.frames) == n + 1
    assert ex["rec"](store, 30, 2) == 30
