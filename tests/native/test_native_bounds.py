"""Bounds checks in machine code: one check for a group of accesses off one index value
(`_native_ir.plan_guards`), and traps that still come exactly where the interpreter's do,
after the earlier stores of the group.  The same script runs natively, interpreted and on
wasmtime-py (the reference); results, trap messages and the whole memory must agree."""

from __future__ import annotations

import wasmrt
from wasmrt import _native_ir as nir

from .conftest import U32, engine, observe_alike, trap_reports

PAGE = 65536

GROUPS = """
(module
  (memory (export "mem") 1)
  ;; an unrolled copy: eight loads off $s and eight stores off $d (offsets 0..56)
  (func (export "copy64") (param $d i32) (param $s i32)
    (i64.store offset=0 (local.get $d) (i64.load offset=0 (local.get $s)))
    (i64.store offset=8 (local.get $d) (i64.load offset=8 (local.get $s)))
    (i64.store offset=16 (local.get $d) (i64.load offset=16 (local.get $s)))
    (i64.store offset=24 (local.get $d) (i64.load offset=24 (local.get $s)))
    (i64.store offset=32 (local.get $d) (i64.load offset=32 (local.get $s)))
    (i64.store offset=40 (local.get $d) (i64.load offset=40 (local.get $s)))
    (i64.store offset=48 (local.get $d) (i64.load offset=48 (local.get $s)))
    (i64.store offset=56 (local.get $d) (i64.load offset=56 (local.get $s))))
  ;; addresses by i32.add of constants (they wrap at 2^32), the index advanced between
  (func (export "copy_add") (param $d i32) (param $s i32)
    (i32.store (local.get $d) (i32.load (local.get $s)))
    (i32.store (i32.add (local.get $d) (i32.const 4)) (i32.load (i32.add (local.get $s) (i32.const 4))))
    (local.set $d (i32.add (local.get $d) (i32.const 8)))
    (local.set $s (i32.add (local.get $s) (i32.const 8)))
    (i32.store (local.get $d) (i32.load (local.get $s)))
    (i32.store16 offset=4 (local.get $d) (i32.load16_u offset=4 (local.get $s))))
  ;; a backward byte copy: x-1 .. x-4, which wrap below address 0
  (func (export "back4") (param $d i32) (param $s i32)
    (i32.store8 (i32.add (local.get $d) (i32.const -1)) (i32.load8_u (i32.add (local.get $s) (i32.const -1))))
    (i32.store8 (i32.add (local.get $d) (i32.const -2)) (i32.load8_u (i32.add (local.get $s) (i32.const -2))))
    (i32.store8 (i32.add (local.get $d) (i32.const -3)) (i32.load8_u (i32.add (local.get $s) (i32.const -3))))
    (i32.store8 (i32.add (local.get $d) (i32.const -4)) (i32.load8_u (i32.add (local.get $s) (i32.const -4)))))
  ;; a struct's fields through a shifted index: ((i << 3) + 8k), the shift wrapping too
  (func (export "fields") (param $i i32) (result f64)
    (f64.store (i32.shl (local.get $i) (i32.const 3))
      (f64.add (f64.load (i32.shl (local.get $i) (i32.const 3)))
        (f64.add (f64.load (i32.add (i32.shl (local.get $i) (i32.const 3)) (i32.const 8)))
                 (f64.load (i32.add (i32.shl (local.get $i) (i32.const 3)) (i32.const 16))))))
    (f64.load (i32.shl (local.get $i) (i32.const 3))))
  ;; constant addresses (one group off zero)
  (func (export "consts") (result i32)
    (i32.store (i32.const 100) (i32.add (i32.load (i32.const 104)) (i32.load (i32.const 108))))
    (i32.load (i32.const 100)))
  ;; a loop copying eight bytes per iteration; n iterations
  (func (export "loop") (param $d i32) (param $s i32) (param $n i32)
    (loop $l
      (i32.store (local.get $d) (i32.load (local.get $s)))
      (i32.store offset=4 (local.get $d) (i32.load offset=4 (local.get $s)))
      (local.set $d (i32.add (local.get $d) (i32.const 8)))
      (local.set $s (i32.add (local.get $s) (i32.const 8)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
)
"""

CASES: list[tuple[str, tuple[int, ...]]] = [
    ("copy64", (64, 1024)), ("copy64", (PAGE - 64, 8)), ("copy64", (8, PAGE - 64)),
    # the last store / the last load out of bounds: the first seven copies happen
    ("copy64", (PAGE - 60, 8)), ("copy64", (8, PAGE - 60)), ("copy64", (PAGE - 1, 8)),
    ("copy64", (U32 - 8, 8)), ("copy64", (8, U32 - 30)),
    ("copy_add", (16, 200)), ("copy_add", (PAGE - 14, 200)), ("copy_add", (PAGE - 13, 200)),
    ("copy_add", (PAGE - 6, 200)), ("copy_add", (200, PAGE - 12)), ("copy_add", (U32 - 4, 200)),
    ("back4", (300, 400)), ("back4", (4, 400)), ("back4", (2, 400)), ("back4", (300, 3)),
    ("back4", (0, 400)), ("back4", (PAGE + 2, 400)), ("back4", (PAGE + 4, 400)),
    ("fields", (5,)), ("fields", (8189,)), ("fields", (8190,)), ("fields", (8191,)),
    ("fields", (U32 // 8,)), ("fields", (U32 // 8 - 1,)),
    ("consts", ()),
    ("loop", (100, 2000, 10)), ("loop", (PAGE - 80, 2000, 10)), ("loop", (PAGE - 76, 2000, 10)),
    ("loop", (2000, PAGE - 84, 11)), ("loop", (PAGE - 4, 2000, 1)),
]


def test_grouped_checks_trap_where_the_interpreter_does(native: wasmrt.Engine,
                                                        interp: wasmrt.Engine) -> None:
    """Each case in a fresh instance whose memory holds a byte pattern: its result or trap,
    and the whole memory afterwards."""
    observe_alike(native, interp, GROUPS, CASES,
                  bytes((k * 7 + k // 251) & 0xFF for k in range(PAGE)), traps=20)


def test_trap_messages_and_backtraces_match(native: wasmrt.Engine,
                                            interp: wasmrt.Engine) -> None:
    assert trap_reports(native, GROUPS, CASES) == trap_reports(interp, GROUPS, CASES)


def test_groups_are_found(native: wasmrt.Engine) -> None:
    """Each function above gets one check point per group (the loads' and the stores'),
    covering all of the group's accesses."""
    nm = wasmrt.Module(native, GROUPS)._native
    sizes = {}
    for fi, name in enumerate(("copy64", "copy_add", "back4", "fields", "consts", "loop")):
        guards = nir.plan_guards(nm.body(fi))
        sizes[name] = sorted(len(g.members) for _, gs in guards.values()
                             for guard in gs for g, *_ in guard.groups)
    assert sizes == {"copy64": [8, 8], "copy_add": [4, 4], "back4": [4, 4],
                     "fields": [5], "consts": [4], "loop": [2, 2]}


def test_fast_path_equals_interpreter_without_traps(llvmlite_ok: None) -> None:
    """A grouped loop run long (no trap): the same memory and result in both tiers."""
    results = []
    for strategy in ("native", "interpreter"):
        eng = engine(strategy)
        store = wasmrt.Store(eng)
        ex = wasmrt.Instance(store, wasmrt.Module(eng, GROUPS), []).exports(store)
        ex["mem"].write(store, bytes(range(256)) * 16, 0)
        for k in range(200):
            ex["loop"](store, 4096 + 8 * (k % 50), 8 * k, 100)
            ex["copy64"](store, 8192 + k, 4096 + 3 * k)
            ex["back4"](store, 12000 + k, 4096 + k)
        results.append(bytes(ex["mem"].read(store, 0, PAGE)))
    assert results[0] == results[1]


COUNTED = """
(module
  (import "env" "f" (func $f))
  (memory 1)
  ;; 20 iterations of a counted loop: no attention check at its back-edge
  (func (export "short") (result i32) (local i32 i32)
    (local.set 0 (i32.const 0))
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.load (local.get 0))))
      (br_if $l (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 16))) (i32.const 320))))
    (local.get 1))
  ;; a bound from a parameter: checked
  (func (export "param") (param i32) (local i32)
    (local.set 1 (i32.const 0))
    (loop $l
      (br_if $l (i32.ne (local.tee 1 (i32.add (local.get 1) (i32.const 1))) (local.get 0)))))
  ;; 2^32 - 1 iterations (from 1 up to 0, wrapping): checked
  (func (export "long") (local i32)
    (local.set 0 (i32.const 1))
    (loop $l
      (br_if $l (local.tee 0 (i32.add (local.get 0) (i32.const 1))))))
  ;; the counter written inside the loop: checked
  (func (export "written") (local i32)
    (local.set 0 (i32.const 0))
    (loop $l
      (local.set 0 (i32.load (local.get 0)))
      (br_if $l (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 10)))))
  ;; a call inside: checked (the call makes its own)
  (func (export "calls") (local i32)
    (local.set 0 (i32.const 0))
    (loop $l
      (call $f)
      (br_if $l (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 10)))))
  ;; an endless loop around a short counted one: the outer back-edge keeps its check
  (func (export "spin") (local i32)
    (loop $outer
      (local.set 0 (i32.const 0))
      (loop $l
        (br_if $l (i32.lt_u (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 100))))
      (br $outer)))
)
"""


def test_short_counted_loops_need_no_attention_check(native: wasmrt.Engine) -> None:
    """Only the back-edges of innermost loops whose counter starts at a constant and stops
    at one within the budget of iterations lose their check; the others keep it."""
    nm = wasmrt.Module(native, COUNTED)._native
    found = {name: len(nm.body(fi).bounded_back_edges())
             for fi, name in enumerate(("short", "param", "long", "written", "calls", "spin"),
                                       start=1)}
    assert found == {"short": 1, "param": 0, "long": 0, "written": 0, "calls": 0, "spin": 1}
    spin = nm.body(6)
    assert len([i for i in spin.instrs if nir.isa.EXTRA[spin.cells[i]].get("back")]) == 2
    store = wasmrt.Store(native)
    f = wasmrt.Func(store, wasmrt.FuncType([], []), lambda: None)
    ex = wasmrt.Instance(store, wasmrt.Module(native, COUNTED), [f]).exports(store)
    assert ex["short"](store) == 0



# Check points past cell 0: a failed check leaves machine code (a side exit at the check
# point, `FuncTranslator.guard_exits`) and the interpreter runs the stretch, so the trap,
# the stores before it, and a group whose addresses wrap at 2^32 (in bounds) are its.
EXITS = """
(module
  (memory (export "mem") 1)
  ;; after a loop: four words copied off $s to $d (the stores before a trap happen)
  (func (export "after") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (loop $l (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32.store (local.get $d) (i32.const 7))
    (i32.store offset=0 (local.get $d) (i32.load offset=0 (local.get $s)))
    (i32.store offset=4 (local.get $d) (i32.load offset=4 (local.get $s)))
    (i32.store offset=8 (local.get $d) (i32.load offset=8 (local.get $s)))
    (i32.store offset=12 (local.get $d) (i32.load offset=12 (local.get $s)))
    (i32.load offset=4 (local.get $d)))
  ;; a loop whose two loads off $s + 8 and $s + 12 wrap at 2^32 for $s near it (in bounds:
  ;; every iteration's check fails, the interpreter runs it, machine code is entered again)
  (func (export "wrap") (param $s i32) (param $n i32) (result i32) (local $acc i32)
    (local.set $acc (i32.const 1))
    (loop $l
      (local.set $acc (i32.add (local.get $acc)
        (i32.mul (i32.load (i32.add (local.get $s) (i32.const 8)))
                 (i32.load (i32.add (local.get $s) (i32.const 12))))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
)
"""

EXIT_CASES: list[tuple[str, tuple[int, ...]]] = [
    ("after", (64, 1024, 3)), ("after", (PAGE - 16, 8, 3)), ("after", (PAGE - 12, 8, 3)),
    ("after", (PAGE - 4, 8, 3)), ("after", (8, PAGE - 8, 3)), ("after", (U32 - 4, 8, 1)),
    ("wrap", (16, 100)), ("wrap", (U32 - 8, 1000)), ("wrap", (U32 - 12, 1000)),
    ("wrap", (PAGE - 12, 5)), ("wrap", (PAGE - 8, 5)),
]


def test_failed_check_points_continue_in_the_interpreter(native: wasmrt.Engine,
                                                         interp: wasmrt.Engine) -> None:
    nm = wasmrt.Module(native, EXITS)._native
    for fi in (0, 1):
        b = nm.body(fi)
        points = [b.instrs[k] for k in nir.plan_guards(b)]
        assert points and 0 not in points
    observe_alike(native, interp, EXITS, EXIT_CASES,
                  bytes((k * 13 + 5) & 0xFF for k in range(PAGE)), traps=7)
    assert trap_reports(native, EXITS, EXIT_CASES) == trap_reports(interp, EXITS, EXIT_CASES)
