"""Bodies compiled in part: machine code of a body left without some of its blocks
(`_native_ir.Body.omit`) leaves at an edge into one of them (a side exit: its live slots
spilled, TRAP_SIDE), machine-code callers unwind as for a pause, and the interpreter
continues the activation at once, entering machine code again at the next loop header.
Results, traps, backtraces, fuel, epochs and pauses equal the interpreter's."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import wasmrt
from wasmrt import _interp, _native, _native_ir

from . import test_pause
from .conftest import engine, interrupted_by_epoch
from .test_native import MIX, run_all

Choose = Callable[[_native_ir.Body], set[int]]


def leave_out(monkeypatch: pytest.MonkeyPatch, choose: Choose) -> None:
    """Compile every body without the blocks `choose(body)` names (their first cells)."""
    monkeypatch.setattr(_native, "_OMIT", "test")
    monkeypatch.setattr(_native, "omitted", lambda b, spec: frozenset(choose(b)))


def block_of(b: _native_ir.Body, op: str, nth: int = 0) -> set[int]:
    """The block holding the `nth` instruction `op` of body b ({} if it has none)."""
    at = [i for i in b.instrs if _native_ir.isa.NAMES[b.cells[i]] == op]
    if len(at) <= nth:
        return set()
    leaders = b.leaders()
    return {leaders[bisect.bisect_right(leaders, at[nth]) - 1]}


def exits(module: wasmrt.Module) -> dict[int, int]:
    """Side exits taken per body (function index -> count) of `module`'s machine code."""
    nm = module._native
    assert nm is not None
    return {fi: sum(nm.side_exits(fi).values()) for fi in nm.installed if nm.exit_cells.get(fi)}


@pytest.mark.parametrize("seed", range(4))
def test_bodies_compiled_in_part_equal_the_interpreter(
        seed: int, monkeypatch: pytest.MonkeyPatch, native: wasmrt.Engine,
        interp: wasmrt.Engine) -> None:
    monkeypatch.setattr(_native, "_OMIT", f"0.5:{seed}")
    store = wasmrt.Store(native)
    module = wasmrt.Module(native, MIX)
    wasmrt.Instance(store, module, [])
    assert module._native is not None and module._native.exit_cells
    assert run_all(native) == run_all(interp)


RARE = """(module
  (global $hits (export "hits") (mut i32) (i32.const 0))
  (func (export "run") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (local.get $i)))
      (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 100)))
        (then (global.set $hits (i32.add (global.get $hits) (i32.const 1)))
              (local.set $acc (i32.mul (local.get $acc) (i32.const 3)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))"""


def test_a_loop_leaves_at_a_rare_block_and_comes_back(monkeypatch: pytest.MonkeyPatch,
                                                      native: wasmrt.Engine,
                                                      interp: wasmrt.Engine) -> None:
    leave_out(monkeypatch, lambda b: block_of(b, "global_set"))
    # every rare iteration left machine code: after each exit the interpreter entered it
    # again at the loop header
    got = both_with_exits(native, interp, RARE, "run", 10_000, "hits", {0: 100})
    assert got[1] == 100


# a rare block that runs a loop of its own (1,000 back-edges: more checks than the
# SIDE_ATTEND after a side exit) before the hot loop goes on
RARE_LOOP = """(module
  (global $hits (export "hits") (mut i32) (i32.const 0))
  (func (export "run") (param $n i32) (result i32) (local $i i32) (local $j i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (local.get $i)))
      (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 2000000)))
        (then (global.set $hits (i32.add (global.get $hits) (i32.const 1)))
              (local.set $j (i32.const 0))
              (loop $k
                (local.set $acc (i32.xor (local.get $acc) (local.get $j)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br_if $k (i32.lt_u (local.get $j) (i32.const 1000))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))"""


def test_a_loop_comes_back_after_a_long_left_out_loop(monkeypatch: pytest.MonkeyPatch,
                                                      native: wasmrt.Engine,
                                                      interp: wasmrt.Engine) -> None:
    """The left-out block's own loop outlasts the checks a side exit keeps attention for:
    the ticker (parked, since machine code takes no tier-up samples) is woken and its next
    ticks look again, so the activation enters machine code at the loop header before
    the next rare block, whose edge leaves again: one exit per rare block."""
    leave_out(monkeypatch, lambda b: block_of(b, "global_set") | block_of(b, "i32_xor"))
    old = _interp.set_tick_idle(2)      # park after 2 ms without a sample
    try:
        got, left = runs_with_exits(native, interp, RARE_LOOP, "run", 20_000_000, "hits")
    finally:
        _interp.set_tick_idle(old)
    assert got[1] == 10
    # (before the ticker was woken: 1, the rest ran interpreted; a tick that a loaded
    # machine delays past 2,000,000 interpreted iterations may let one more pass)
    assert 8 <= left[0] <= 10


def runs_with_exits(native: wasmrt.Engine, interp: wasmrt.Engine, wat: str, func: str,
                    n: int, glob: str) -> tuple[tuple[object, object], dict[int, int]]:
    """`func(n)` and global `glob` after it, natively and interpreted, which must agree;
    and the native run's side exits per body."""
    got = []
    left: dict[int, int] = {}
    for eng in (native, interp):
        store = wasmrt.Store(eng)
        module = wasmrt.Module(eng, wat)
        ex = wasmrt.Instance(store, module, []).exports(store)
        got.append((ex[func](store, n), ex[glob].value(store)))
        if eng is native:
            left = exits(module)
    assert got[0] == got[1]
    return got[0], left


def both_with_exits(native: wasmrt.Engine, interp: wasmrt.Engine, wat: str, func: str,
                    n: int, glob: str, want: dict[int, int]) -> tuple[object, object]:
    """`runs_with_exits` whose side exits per body must be `want`."""
    got, left = runs_with_exits(native, interp, wat, func, n, glob)
    assert left == want
    return got


NESTED = """(module
  (global $g (export "g") (mut i32) (i32.const 0))
  (func $inner (param $x i32) (result i32)
    (if (result i32) (i32.eqz (i32.and (local.get $x) (i32.const 63)))
      (then (global.set $g (i32.add (global.get $g) (local.get $x))) (i32.const 7))
      (else (i32.add (local.get $x) (i32.const 1)))))
  (func (export "outer") (param $n i32) (result i64)
    (local $i i32) (local $a i64) (local $f f64) (local $b i32)
    (loop $l
      (local.set $b (i32.mul (local.get $i) (i32.const 5)))
      (local.set $f (f64.add (local.get $f) (f64.convert_i32_u (local.get $i))))
      (local.set $a (i64.add (local.get $a)
        (i64.extend_i32_u (i32.add (call $inner (local.get $i)) (local.get $b)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.add (local.get $a) (i64.trunc_f64_u (local.get $f)))))"""


def test_a_side_exit_in_a_callee_unwinds_its_machine_code_caller(
        monkeypatch: pytest.MonkeyPatch, native: wasmrt.Engine, interp: wasmrt.Engine) -> None:
    leave_out(monkeypatch, lambda b: block_of(b, "global_set") if b.func_index == 0 else set())
    both_with_exits(native, interp, NESTED, "outer", 6400, "g", {0: 100})


TRAPS = """(module
  (memory 1)
  (func $c (param i32) (result i32)
    (if (i32.gt_u (local.get 0) (i32.const 5))
      (then (i32.store (i32.const 0) (i32.div_u (i32.const 1)
                                               (i32.sub (local.get 0) (i32.const 10))))))
    (i32.add (local.get 0) (i32.load (i32.const 0))))
  (func $b (param i32) (result i32) (i32.add (call $c (local.get 0)) (i32.const 1)))
  (func (export "a") (param i32) (result i32) (call $b (local.get 0))))"""


@pytest.mark.parametrize("arg", [3, 7, 10])
def test_a_trap_in_a_left_out_block_has_the_interpreters_backtrace(
        arg: int, monkeypatch: pytest.MonkeyPatch, native: wasmrt.Engine,
        interp: wasmrt.Engine) -> None:
    leave_out(monkeypatch, lambda b: block_of(b, "i32_div_u"))
    got = []
    for eng in (native, interp):
        store = wasmrt.Store(eng)
        module = wasmrt.Module(eng, TRAPS)
        a = wasmrt.Instance(store, module, []).exports(store)["a"]
        try:
            got.append(a(store, arg))
        except wasmrt.Trap as t:
            got.append((t.message, [(f.func_index, f.func_offset) for f in t.frames]))
        got.append(a(store, 2))     # (the store is usable afterwards)
        if eng is native:
            assert exits(module) == {0: 1 if arg > 5 else 0}
    assert got[:2] == got[2:]


SPIN = """(module (func (export "spin") (param i32) (result i32) (local i32)
  (loop $l
    (if (i32.eqz (i32.and (local.get 1) (i32.const 7)))
      (then (local.set 1 (i32.add (local.get 1) (i32.const 2)))))
    (local.set 1 (i32.add (local.get 1) (i32.const 3)))
    (br_if $l (i32.ne (local.get 1) (local.get 0)))) (local.get 1)))"""


def test_fuel_is_consumed_as_interpreted(monkeypatch: pytest.MonkeyPatch,
                                         llvmlite_ok: None) -> None:
    leave_out(monkeypatch, lambda b: block_of(b, "i32_add_imm"))
    got = []
    for strategy in ("native", "interpreter"):
        eng = engine(strategy, consume_fuel=True)
        store = wasmrt.Store(eng)
        store.set_fuel(1_000_000)
        module = wasmrt.Module(eng, SPIN)
        spin = wasmrt.Instance(store, module, []).exports(store)["spin"]
        got.append((spin(store, 3000), store.get_fuel()))
        if strategy == "native":
            assert exits(module)[0] > 0
        with pytest.raises(wasmrt.Trap, match="all fuel consumed"):
            spin(store, 1)      # never equal: runs until the fuel is gone
    assert got[0] == got[1]


def test_an_epoch_deadline_stops_a_loop_that_leaves_machine_code(
        monkeypatch: pytest.MonkeyPatch, llvmlite_ok: None) -> None:
    leave_out(monkeypatch, lambda b: block_of(b, "i32_add_imm"))
    assert exits(interrupted_by_epoch(SPIN))[0] > 1000


@pytest.mark.parametrize("seed", range(3))
def test_a_guest_compiled_in_part_pauses_and_resumes(seed: int, monkeypatch: pytest.MonkeyPatch,
                                                     llvmlite_ok: None) -> None:
    monkeypatch.setattr(_native, "_OMIT", f"0.5:{seed}")
    got = {}
    for strategy in ("native", "interpreter"):
        store, ex, _module = test_pause.make(strategy, test_pause.later)
        store.set_async_yield_interval(0.001)
        spin, _turns = asyncio.run(test_pause.counting_turns(
            ex["spin"].call_async(store, 3_000_000)))
        got[strategy] = (asyncio.run(ex["deep"].call_async(store, 40)),
                         asyncio.run(ex["mixed"].call_async(store, 5)), spin,
                         ex["g"].value(store))
    assert got["native"] == got["interpreter"]
    assert got["native"][2] == test_pause.spin_expected(3_000_000)


def test_the_test_knob_leaves_out_blocks_but_the_first(llvmlite_ok: None) -> None:
    store = wasmrt.Store(engine("native"))
    module = wasmrt.Module(store.engine, RARE)
    assert module._native is not None
    b = module._native.body(0)
    everything = _native.omitted(b, "1:0")
    assert everything == frozenset(b.leaders()) - {0}
    assert _native.omitted(b, "0:0") == frozenset()
    assert _native.omitted(b, "0.5:3") == _native.omitted(b, "0.5:3")


# A bytecode interpreter's shape (CPython's eval loop): a loop around a br_table whose arms
# are the handlers.  `vm(n, prog)` runs n steps of the 8-byte program at `prog`.
VM = """(module
  (memory 1)
  (data (i32.const 0) "\\00\\01\\00\\01\\00\\01\\00\\01")
  (data (i32.const 16) "\\02\\03\\02\\03\\02\\03\\00\\02")
  (func (export "vm") (param $n i32) (param $prog i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $run
      (block $next
        (block $op3 (block $op2 (block $op1 (block $op0
          (br_table $op0 $op1 $op2 $op3
            (i32.load8_u (i32.add (local.get $prog) (i32.and (local.get $i) (i32.const 7))))))
          (local.set $acc (i32.add (local.get $acc) (i32.const 3))) (br $next))
        (local.set $acc (i32.xor (local.get $acc) (i32.mul (local.get $i) (i32.const 7))))
        (br $next))
        (local.set $acc (i32.rotl (local.get $acc) (i32.const 5))) (br $next))
        (local.set $acc (i32.sub (local.get $acc) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $run (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))"""


def vm_result(n: int, prog: bytes) -> int:
    acc = 0
    for i in range(n):
        op = prog[i & 7]
        if op == 0:
            acc = (acc + 3) % 2**32
        elif op == 1:
            acc ^= (i * 7) % 2**32
        elif op == 2:
            acc = ((acc << 5) | (acc >> 27)) % 2**32
        else:
            acc = (acc - i) % 2**32
    return acc - 2**32 if acc >= 2**31 else acc


@contextlib.contextmanager
def big_vm(monkeypatch: pytest.MonkeyPatch,
           partial: bool) -> Iterator[tuple[wasmrt.Store, Any, _native.NativeModule]]:
    """VM's `vm` under "auto", its body counted as over the size limit (20 cells) and
    `partial` (`WASMRT_NATIVE_PARTIAL`) set: (store, vm, its module's native state)."""
    from tests.tiering import tier_thresholds

    monkeypatch.setattr(_native, "PARTIAL", partial)
    monkeypatch.setattr(_native, "MAX_TIER_CELLS", 20)
    old = _interp.set_tier_big(20)
    try:
        with tier_thresholds(5):
            eng = engine("auto")
            store = wasmrt.Store(eng)
            module = wasmrt.Module(eng, VM)
            assert module._native is not None
            yield store, wasmrt.Instance(store, module, []).exports(store)["vm"], module._native
    finally:
        _interp.set_tier_big(old)


def test_a_big_body_is_compiled_in_part_and_grows_where_it_leaves(
        monkeypatch: pytest.MonkeyPatch, llvmlite_ok: None) -> None:
    """Tier-up compiles a body over the size limit in part: the blocks its samples' pcs
    lead through (the dispatch, and the handlers a br_table's attention check was about
    to enter), and once its side exits fire often, again with the blocks they lead to."""
    from .test_native import run_until

    monkeypatch.setattr(_native, "EXITS_RECOMPILE", 2000)
    with big_vm(monkeypatch, True) as (store, vm, nm):
        assert int(nm.lowered(0).ncells) > 20
        b = nm.body(0)
        late = block_of(b, "i32_rotl_imm") | block_of(b, "i32_sub")    # ops 2 and 3
        n = 200_000
        progs = {0: bytes([0, 1] * 4), 16: bytes([2, 3, 2, 3, 2, 3, 0, 2])}

        def run(prog: int) -> None:
            assert vm(store, n, prog) == vm_result(n, progs[prog])

        _native.wait_idle(120)
        run_until(lambda: 0 in nm.installed, lambda: run(0), "never compiled in part",
                  time.monotonic() + 60, wait=True)
        assert late <= nm.partial[0]        # (ops 2 and 3 never ran: left out)
        def rare_exits() -> bool:
            """Whether a run of ops 2 and 3 left machine code rarely (the code grown where
            it left is installed: its counts start at 0, so a swap midway counts as
            negative, not rare)."""
            before = sum(nm.side_exits(0).values())
            run(16)
            return 0 <= sum(nm.side_exits(0).values()) - before < n // 100

        # (the compile thread plans the grown part, then compiles and swaps it in)
        run_until(rare_exits, lambda: None, "never compiled again where it left",
                  time.monotonic() + 120, wait=True)
        assert nm.partial_runs[0] >= 1 and not late & nm.partial[0]  # (they ran: compiled)


def test_reached_keeps_the_dispatch_and_the_handlers_that_ran(llvmlite_ok: None) -> None:
    store = wasmrt.Store(engine("native"))
    module = wasmrt.Module(store.engine, VM)
    assert module._native is not None
    b = module._native.body(0)
    names = [_native_ir.isa.NAMES[b.cells[i]] for i in b.instrs]
    table = b.instrs[names.index("br_table")]
    head = b.osr_headers()[0]
    sizes = b.block_cells()
    keep = b.reached([table, head])
    # the way from cell 0 to the dispatch, not its arms
    arms = set(_native_ir.branch_targets(b.cells, table))
    assert block_of(b, "br_table") <= keep and not arms & keep
    assert block_of(b, "i32_rotl_imm").isdisjoint(keep)
    assert sum(sizes[k] for k in keep) < len(b.cells)
    rotl = block_of(b, "i32_rotl_imm")
    grown = b.reached([table, head], rotl)      # an exit that fired often: its handler
    assert rotl <= grown and grown > keep


def test_without_the_switch_a_big_body_stays_interpreted(monkeypatch: pytest.MonkeyPatch,
                                                          llvmlite_ok: None) -> None:
    with big_vm(monkeypatch, False) as (store, vm, nm):
        _native.wait_idle(120)
        end = time.monotonic() + 60
        while 0 not in nm.failed:
            assert time.monotonic() < end, "never considered"
            assert vm(store, 200_000, 0) == vm_result(200_000, bytes([0, 1] * 4))
            _native.wait_idle(120)
        assert 0 not in nm.installed and not nm.partial
