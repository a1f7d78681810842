"""The native tier (Config.strategy "native" / "auto"): the same results, traps,
backtraces and limits as the interpreter."""

from __future__ import annotations

import itertools
import json
import math
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

import wasmrt
from tests.tiering import tier_thresholds
from wasmrt import _interp, _native, _native_ir

from .conftest import engine, interrupted_by_epoch

MIX = r"""
(module
  (type $ii (func (param i32) (result i32)))
  (memory (export "memory") 1 4)
  (global $g (mut i64) (i64.const 7))
  (table 4 funcref)
  (elem (i32.const 0) $sq $neg)
  (func $sq (type $ii) (i32.mul (local.get 0) (local.get 0)))
  (func $neg (type $ii) (i32.sub (i32.const 0) (local.get 0)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "ind") (param i32 i32) (result i32)
    (call_indirect (type $ii) (local.get 1) (local.get 0)))
  (func (export "ints") (param i32 i32) (result i32)
    (i32.xor (i32.rotl (local.get 0) (local.get 1))
      (i32.add (i32.clz (local.get 0)) (i32.add (i32.ctz (local.get 1))
        (i32.add (i32.popcnt (local.get 0)) (i32.shr_s (local.get 0) (local.get 1)))))))
  (func (export "i64s") (param i64 i64) (result i64)
    (i64.add (i64.rotr (local.get 0) (local.get 1))
      (i64.add (i64.shr_u (local.get 0) (local.get 1)) (i64.mul (local.get 0) (local.get 1)))))
  (func (export "divs") (param i32 i32) (result i32)
    (i32.add (i32.div_s (local.get 0) (local.get 1)) (i32.rem_s (local.get 0) (local.get 1))))
  (func (export "divu64") (param i64 i64) (result i64)
    (i64.add (i64.div_u (local.get 0) (local.get 1)) (i64.rem_u (local.get 0) (local.get 1))))
  (func (export "fmix") (param f64 f64) (result f64)
    (f64.add (f64.mul (local.get 0) (local.get 1))
      (f64.add (f64.min (local.get 0) (local.get 1))
        (f64.add (f64.max (local.get 0) (local.get 1))
          (f64.add (f64.sqrt (f64.abs (local.get 0))) (f64.nearest (local.get 1)))))))
  (func (export "fmin32") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
  (func (export "fneg32") (param f32) (result f32) (f32.neg (local.get 0)))
  (func (export "copysign") (param f64 f64) (result f64) (f64.copysign (local.get 0) (local.get 1)))
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "trunc_u64") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))
  (func (export "sat") (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
  (func (export "conv") (param i64) (result f32) (f32.convert_i64_u (local.get 0)))
  (func (export "ext") (param i32) (result i64)
    (i64.add (i64.extend_i32_s (local.get 0)) (i64.extend8_s (i64.extend_i32_u (local.get 0)))))
  (func (export "mem") (param i32 i32) (result i64)
    (i32.store (local.get 0) (local.get 1))
    (i32.store8 offset=5 (local.get 0) (local.get 1))
    (i64.add (i64.load (local.get 0)) (i64.load16_s offset=4 (local.get 0))))
  (func (export "grow") (param i32) (result i32)
    (drop (memory.grow (local.get 0)))
    (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (i32.const 99))
    (i32.add (memory.size) (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536))
                                              (i32.const 4)))))
  (func (export "glob") (param i64) (result i64)
    (global.set $g (i64.add (global.get $g) (local.get 0))) (global.get $g))
  (func (export "table") (param i32) (result i32)
    (if (i32.eqz (ref.is_null (table.get (local.get 0))))
      (then (return (i32.add (table.size) (i32.const 100)))))
    (table.size))
  (func (export "bulk") (param i32 i32 i32) (result i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2))
    (memory.copy (i32.add (local.get 0) (i32.const 1)) (local.get 0) (local.get 2))
    (i32.load (local.get 0)))
  (func (export "sw") (param i32) (result i32)
    (block $d (block $c (block $b (block $a
      (br_table $a $b $c $d (local.get 0)))
      (return (i32.const 10))) (return (i32.const 20))) (return (i32.const 30)))
    (i32.const 40))
  (func (export "loop") (param i32) (result i64) (local i64 i32)
    (loop $l
      (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (select (local.get 0) (i32.const 3)
        (i32.and (local.get 0) (i32.const 1))))))
      (local.set 2 (i32.add (local.get 2) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 2) (local.get 0))))
    (local.get 1))
  (func (export "multi") (param i32) (result i32 i64 f64)
    (local.get 0) (i64.extend_i32_s (local.get 0)) (f64.convert_i32_s (local.get 0)))
)
"""

CASES = [
    ("fib", (20,)), ("ind", (0, 9)), ("ind", (1, 9)), ("ind", (3, 9)), ("ind", (7, 9)),
    ("ints", (0x12345678, 5)), ("ints", (-1, 33)), ("i64s", (-123456789, 70)),
    ("divs", (-7, 2)), ("divs", (-2147483648, -1)), ("divs", (5, 0)), ("divs", (-2147483647, -1)),
    ("divu64", (-1, 3)), ("divu64", (1, 0)),
    ("fmix", (2.5, -3.5)), ("fmix", (math.nan, 1.0)), ("fmix", (-0.0, 0.0)),
    ("fmin32", (-0.0, 0.0)), ("fneg32", (math.nan,)), ("copysign", (math.inf, -0.0)),
    ("trunc", (-2147483648.9,)), ("trunc", (2147483648.0,)), ("trunc", (math.nan,)),
    ("trunc_u64", (-0.9,)), ("trunc_u64", (1.8446744e19,)), ("sat", (-5.0,)), ("sat", (1e20,)),
    ("conv", (-1,)), ("ext", (-129,)), ("ext", (200,)),
    ("mem", (8, 0x11223344)), ("mem", (65532, 1)), ("mem", (65533, 1)),
    ("grow", (1,)), ("grow", (0,)), ("glob", (5,)), ("glob", (-20,)),
    ("table", (0,)), ("table", (3,)), ("table", (4,)),
    ("bulk", (16, 0xAB, 8)), ("bulk", (65530, 1, 10)),
    *[("sw", (k,)) for k in range(6)], ("loop", (1000,)), ("multi", (-3,)),
]


def run_all(eng: wasmrt.Engine) -> list[object]:
    store = wasmrt.Store(eng)
    inst = wasmrt.Instance(store, wasmrt.Module(eng, MIX), [])
    ex = inst.exports(store)
    out: list[object] = []
    for name, args in CASES:
        try:
            r = ex[name](store, *args)
            out.append(_bits(r))
        except wasmrt.Trap as t:
            out.append(("trap", t.message, [(f.func_index, f.func_offset) for f in t.frames]))
    return out


def _bits(r: object) -> object:
    if isinstance(r, float):
        return ("f", struct.pack("<d", r))
    if isinstance(r, list):
        return [_bits(x) for x in r]
    return r


def test_native_equals_interpreter(native: wasmrt.Engine, interp: wasmrt.Engine) -> None:
    assert run_all(native) == run_all(interp)


# x * 1.0, x / 1.0, x - 0.0 and x + (-0.0) must quiet a signalling NaN x, so LLVM must never
# see a float operand it can prove constant (it would fold them to x): the one reaches
# the operation through a local, memory, an integer operation, a call's result or
# argument, a global, a conversion, a select and a default-zero local, or is a parameter
# known to be 1.0 in a branch guarded by an equality with 1.0: of the float, of its bits,
# of its bits read back from memory.
SNAN_ONE = r"""
(module
  (memory 1)
  (global $g (mut f64) (f64.const 0))
  (func $one (result f64) (f64.const 1))
  (func $mul (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
  (func (export "local") (param i64 i32) (result i64) (local $k f64) (local $x f64)
    (local.set $k (f64.const 1))
    (local.set $x (f64.reinterpret_i64 (local.get 0)))
    (loop $l
      (local.set $x (f64.mul (local.get $x) (local.get $k)))
      (br_if $l (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))))
    (i64.reinterpret_f64 (local.get $x)))
  (func (export "memory") (param i64) (result i64)
    (i64.store (i32.const 8) (i64.const 0x3FF0000000000000))
    (i64.reinterpret_f64 (f64.mul (f64.reinterpret_i64 (local.get 0))
                                  (f64.load (i32.const 8)))))
  (func (export "integer") (param i64) (result i64)
    (i64.reinterpret_f64 (f64.div (f64.reinterpret_i64 (local.get 0))
      (f64.reinterpret_i64 (i64.or (i64.const 0x3FF0000000000000) (i64.const 0))))))
  (func (export "result") (param i64) (result i64)
    (i64.reinterpret_f64 (f64.mul (f64.reinterpret_i64 (local.get 0)) (call $one))))
  (func (export "argument") (param i64) (result i64)
    (i64.reinterpret_f64 (call $mul (f64.reinterpret_i64 (local.get 0)) (f64.const 1))))
  (func (export "global") (param i64) (result i64)
    (global.set $g (f64.const 1))
    (i64.reinterpret_f64 (f64.mul (global.get $g) (f64.reinterpret_i64 (local.get 0)))))
  (func (export "convert") (param i64) (result i64)
    (i64.reinterpret_f64 (f64.mul (f64.reinterpret_i64 (local.get 0))
                                  (f64.convert_i32_s (i32.const 1)))))
  (func (export "select") (param i64 i32) (result i64)
    (i64.reinterpret_f64 (f64.mul (f64.reinterpret_i64 (local.get 0))
      (select (f64.const 1) (f64.const 1) (local.get 1)))))
  (func (export "zero") (param i64) (result i64) (local $z f64)
    (i64.reinterpret_f64 (f64.sub (f64.reinterpret_i64 (local.get 0)) (local.get $z))))
  (func (export "eq") (param i64 f64) (result i64)
    (if (f64.eq (local.get 1) (f64.const 1))
      (then (return (i64.reinterpret_f64
        (f64.mul (f64.reinterpret_i64 (local.get 0)) (local.get 1))))))
    (i64.const 0))
  (func (export "bits") (param i32 f32) (result i32)
    (if (i32.eq (i32.reinterpret_f32 (local.get 1)) (i32.const 0x3F800000))
      (then (return (i32.reinterpret_f32
        (f32.mul (f32.reinterpret_i32 (local.get 0)) (local.get 1))))))
    (i32.const 0))
  (func (export "stored") (param i32 f32) (result i32)
    (f32.store (i32.const 16) (local.get 1))
    (if (i32.eq (i32.load (i32.const 16)) (i32.const 0x3F800000))
      (then (return (i32.reinterpret_f32
        (f32.mul (f32.reinterpret_i32 (local.get 0)) (local.get 1))))))
    (i32.const 0))
  (func (export "f32") (param i32) (result i32) (local $k f32)
    (local.set $k (f32.reinterpret_i32 (i32.const 0x80000000)))
    (i32.reinterpret_f32 (f32.add (f32.reinterpret_i32 (local.get 0)) (local.get $k))))
)
"""
SNAN64, QUIET64, SNAN32 = 0x7FF0000000000001, 0x0008000000000000, 0x7F800001


@pytest.mark.parametrize("name", ["local", "memory", "integer", "result", "argument",
                                  "global", "convert", "select", "zero", "eq", "bits",
                                  "stored", "f32"])
def test_float_operations_quiet_a_signalling_nan_whatever_lets_the_operand_be_known(
        name: str, native: wasmrt.Engine, interp: wasmrt.Engine) -> None:
    args: tuple[float, ...] = {"local": (SNAN64, 3), "select": (SNAN64, 1),
                               "eq": (SNAN64, 1.0), "bits": (SNAN32, 1.0),
                               "stored": (SNAN32, 1.0), "f32": (SNAN32,)}.get(name, (SNAN64,))
    got = []
    for eng in (native, interp):
        store = wasmrt.Store(eng)
        got.append(wasmrt.Instance(store, wasmrt.Module(eng, SNAN_ONE), [])
                   .exports(store)[name](store, *args))
    quiet = 0x400000 if name in ("f32", "bits", "stored") else QUIET64
    assert got[0] == got[1] and got[0] & quiet, [hex(g & (2**64 - 1)) for g in got]


def test_native_installs_every_body(native: wasmrt.Engine) -> None:
    m = wasmrt.Module(native, MIX)
    assert m._native is not None
    assert m._native.installed == set(range(len(m._info.func_codes)))
    for lf in m._info.func_codes:
        assert _interp.native_state(lf)[0]


def test_strategy_values(llvmlite_ok: None) -> None:
    cfg = wasmrt.Config()
    for s in ("auto", "cranelift", "winch", "interpreter", "native"):
        cfg.strategy = s
    with pytest.raises(wasmrt.WasmtimeError, match="unknown strategy: fast"):
        cfg.strategy = "fast"
    assert wasmrt.Engine()._strategy in ("auto", "native", "interpreter")
    cfg.strategy = "cranelift"
    assert wasmrt.Engine(cfg)._strategy == "auto"


def test_native_without_llvmlite_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_native, "available", lambda: False)
    with pytest.raises(wasmrt.WasmtimeError, match=r"wasmrt\[native\]"):
        wasmrt.Config().strategy = "native"
    # "auto" without llvmlite interprets
    eng = engine("auto")
    m = wasmrt.Module(eng, MIX)
    assert m._native is None


def test_interpreter_strategy_never_compiles() -> None:
    m = wasmrt.Module(engine("interpreter"), MIX)
    assert m._native is None


def test_trap_backtrace_matches(native: wasmrt.Engine, interp: wasmrt.Engine) -> None:
    wat = """(module
      (func $c (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
      (func $b (param i32) (result i32) (i32.add (call $c (local.get 0)) (i32.const 1)))
      (func (export "a") (param i32) (result i32) (call $b (local.get 0))))"""
    got = []
    for eng in (native, interp):
        store = wasmrt.Store(eng)
        a = wasmrt.Instance(store, wasmrt.Module(eng, wat), []).exports(store)["a"]
        with pytest.raises(wasmrt.Trap) as info:
            a(store, 0)
        got.append((info.value.message, info.value.trap_code,
                    [(f.func_index, f.func_offset, f.module_offset) for f in info.value.frames]))
        assert a(store, 1) == 2
    assert got[0] == got[1]
    assert [f[0] for f in got[0][2]] == [0, 1, 2]


def test_stack_exhaustion_traps(native: wasmrt.Engine) -> None:
    wat = """(module (func $r (export "r") (param i32) (result i32)
               (i32.add (call $r (i32.add (local.get 0) (i32.const 1))) (i32.const 1))))"""
    store = wasmrt.Store(native)
    r = wasmrt.Instance(store, wasmrt.Module(native, wat), []).exports(store)["r"]
    with pytest.raises(wasmrt.Trap, match="call stack exhausted"):
        r(store, 0)
    # and on a thread with a small C stack
    errors: list[str] = []

    def run() -> None:
        try:
            r(store, 0)
        except wasmrt.Trap as t:
            errors.append(t.message)

    threading.stack_size(4 * 1024 * 1024)
    try:
        t = threading.Thread(target=run)
        t.start()
        t.join()
    finally:
        threading.stack_size(0)
    assert errors == ["call stack exhausted"]


LOOP = """(module (func (export "spin") (param i32) (result i32) (local i32)
  (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 3)))
    (br_if $l (i32.ne (local.get 1) (local.get 0)))) (local.get 1)))"""


def test_fuel_in_native_code(llvmlite_ok: None) -> None:
    eng = engine("native", consume_fuel=True)
    store = wasmrt.Store(eng)
    store.set_fuel(10_000)
    spin = wasmrt.Instance(store, wasmrt.Module(eng, LOOP), []).exports(store)["spin"]
    assert spin(store, 300) == 300
    with pytest.raises(wasmrt.Trap, match="all fuel consumed"):
        spin(store, 1)  # never equal: runs until the fuel is gone


def test_epoch_interrupts_native_loop(llvmlite_ok: None) -> None:
    interrupted_by_epoch(LOOP)


@pytest.mark.parametrize("wat", ["SPIN", "SPIN_CALL", "SPIN_MAYBE_CALL", "SPIN_SHORT_INNER"])
def test_ctrl_c_interrupts_native_loop(native: wasmrt.Engine, wat: str) -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        store = wasmrt.Store(native)    # a new Store re-hooks SIGINT after signal.signal()
        spin = wasmrt.Instance(store, wasmrt.Module(native, globals()[wat]),
                               []).exports(store)["spin"]
        # from another process: a Timer thread would need the GIL the guest holds
        killer = subprocess.Popen(["sh", "-c", f"sleep 0.2; kill -INT {os.getpid()}"])
        try:
            with pytest.raises(KeyboardInterrupt):
                spin(store)
        finally:
            killer.wait()
    finally:
        signal.signal(signal.SIGINT, old)


SPIN = """(module (func (export "spin") (loop $l (br $l))))"""
# The loop's back-edge has no check of its own (the call's runs every iteration) ...
SPIN_CALL = """(module (func $f) (func (export "spin") (loop $l (call $f) (br $l))))"""
# ... unless an iteration may skip the call
SPIN_MAYBE_CALL = """(module (func $f) (func (export "spin") (local i32)
  (loop $l (if (local.get 0) (then (call $f))) (br $l))))"""
# ... and an endless loop around a short counted loop (whose back-edge has no check)
SPIN_SHORT_INNER = """(module (func (export "spin") (local i32)
  (loop $outer (local.set 0 (i32.const 0))
    (loop $l (br_if $l (i32.lt_u (local.tee 0 (i32.add (local.get 0) (i32.const 1)))
                                 (i32.const 100))))
    (br $outer))))"""


def test_back_edges_checked_by_a_call(native: wasmrt.Engine) -> None:
    """The translator leaves out a back-edge's attention check exactly where every
    iteration passes a call (whose check then runs once per iteration)."""
    def skipped(wat: str) -> set[int]:
        nm = wasmrt.Module(native, wat)._native
        return nm.body(1).back_edges_through_calls()
    assert len(skipped(SPIN_CALL)) == 1
    assert skipped(SPIN_MAYBE_CALL) == set()
    assert len(skipped(HOST)) == 1  # a call of an import: `wr_call` makes the check


HOST = """(module (import "env" "f" (func $f (param i32) (result i32)))
  (func (export "g") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (call $f (local.get 0))))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 1)))"""


def test_host_calls_from_native(native: wasmrt.Engine) -> None:
    store = wasmrt.Store(native)
    m = wasmrt.Module(native, HOST)
    f = wasmrt.Func(store, wasmrt.FuncType([wasmrt.ValType.i32()], [wasmrt.ValType.i32()]),
                    lambda x: x * 2)
    g = wasmrt.Instance(store, m, [f]).exports(store)["g"]
    assert g(store, 10) == 110

    def boom(x: int) -> int:
        raise ValueError("from host")

    h = wasmrt.Func(store, wasmrt.FuncType([wasmrt.ValType.i32()], [wasmrt.ValType.i32()]), boom)
    g2 = wasmrt.Instance(store, m, [h]).exports(store)["g"]
    with pytest.raises(ValueError, match="from host"):
        g2(store, 3)


def test_release_gil_threads(llvmlite_ok: None) -> None:
    eng = engine("native", release_gil=True)
    m = wasmrt.Module(eng, MIX)
    results: list[int] = []

    def work() -> None:
        store = wasmrt.Store(eng)
        fib = wasmrt.Instance(store, m, []).exports(store)["fib"]
        results.append(fib(store, 22))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [17711, 17711]


def auto_run(wat: str) -> tuple[wasmrt.Store, wasmrt.Module, Any]:
    """A Store of an "auto" Engine, the Module of `wat` and its instance's export "run"."""
    eng = engine("auto")
    store = wasmrt.Store(eng)
    m = wasmrt.Module(eng, wat)
    return store, m, wasmrt.Instance(store, m, []).exports(store)["run"]


def test_auto_tiers_up_a_loop_called_once(llvmlite_ok: None) -> None:
    """A function called once whose loop runs long moves to machine code (OSR) while it
    runs: the call finishes much sooner than it would interpreted."""
    wat = """(module (func (export "run") (param i32) (result i32) (local i32 i32)
      (loop $l
        (local.set 2 (i32.add (local.get 2) (i32.mul (local.get 1) (local.get 1))))
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
      (local.get 2)))"""
    store, m, run = auto_run(wat)
    n = 300_000_000
    _native.wait_idle(120)     # bodies other tests made hot may still be queued
    got = run(store, n)
    for _ in range(3):         # a busy machine may finish the first call before the compile
        if _interp.native_state(m._info.func_codes[0])[0]:
            break
        assert run(store, n) == got
    assert _interp.native_state(m._info.func_codes[0])[0], "the body was not compiled"
    want = ((n - 1) * n * (2 * n - 1) // 6) % 2**32
    assert got == (want - 2**32 if want >= 2**31 else want)
    assert run(store, 1000) == sum(i * i for i in range(1000))


def test_auto_tiers_up_hot_function(llvmlite_ok: None) -> None:
    eng = engine("auto")
    store = wasmrt.Store(eng)
    m = wasmrt.Module(eng, MIX)
    fib = wasmrt.Instance(store, m, []).exports(store)["fib"]
    idx = next(i for i, lf in enumerate(m._info.func_codes) if lf.func_index == 2)
    end = time.monotonic() + 20
    while not _interp.native_state(m._info.func_codes[idx])[0] and time.monotonic() < end:
        assert fib(store, 20) == 6765
    assert _interp.native_state(m._info.func_codes[idx])[0]
    assert fib(store, 25) == 75025


def test_serialize_carries_machine_code(native: wasmrt.Engine) -> None:
    m = wasmrt.Module(native, MIX)
    data = m.serialize()
    before = _native.stats()["batches"]
    m2 = wasmrt.Module.deserialize(native, data)
    assert _native.stats()["batches"] == before, "compiled again instead of loading"
    assert m2._native.installed == m._native.installed
    store = wasmrt.Store(native)
    fib = wasmrt.Instance(store, m2, []).exports(store)["fib"]
    assert fib(store, 15) == 610
    # an interpreter Engine ignores the native section; pickling keeps it
    import pickle

    assert pickle.loads(pickle.dumps(m))._native.installed == m._native.installed
    plain = wasmrt.Module.deserialize(engine("interpreter"), data)
    assert plain._native is None


def test_a_damaged_native_section_is_compiled_again(native: wasmrt.Engine) -> None:
    """Machine code is linked and run unchecked: a native section that does not match its
    digest (damage past the envelope's checksum, or a cache file's) is ignored."""
    from wasmrt import _api_module

    data = wasmrt.Module(native, MIX).serialize()
    n = struct.unpack_from("<I", data, 68)[0]
    section = len(data) - n
    for at in (section, section + 8, section + 41, section + 60, len(data) - 100,
               len(data) - 1):
        damaged = bytearray(data)
        damaged[at] ^= 0xA5
        before = _native.stats()["batches"]
        struct.pack_into("<I", damaged, 64, _api_module._checksum((memoryview(damaged),)))
        m = wasmrt.Module.deserialize(native, damaged)
        assert _native.stats()["batches"] > before, f"byte {at - section} of the section"
        store = wasmrt.Store(native)
        assert wasmrt.Instance(store, m, []).exports(store)["fib"](store, 15) == 610


LINKED = """(module (memory 1)
  (func $deep (param i32) (result i32)
    """ + "local.get 0 i32.load local.get 0 i32.add local.set 0 " * 20 + """ local.get 0)
  (func $mid (param i32) (result i32) (call $deep (local.get 0)))
  (func (export "run") (param i32 i32) (result i32) (local i32)
    (loop $l
      (local.set 2 (i32.add (local.get 2) (call $mid (local.get 0))))
      (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
      (br_if $l (local.get 1)))
    (local.get 2)))"""


def _linked_runs(store: wasmrt.Store, m: wasmrt.Module) -> list[object]:
    run = wasmrt.Instance(store, m, []).exports(store)["run"]
    out: list[object] = [run(store, 8, 5), run(store, 0, 1)]
    with pytest.raises(wasmrt.Trap) as info:
        run(store, 65534, 3)
    out.append((info.value.message, [(f.func_index, f.func_offset) for f in info.value.frames]))
    return out


def test_batches_call_bodies_of_earlier_batches(monkeypatch: pytest.MonkeyPatch,
                                                native: wasmrt.Engine,
                                                interp: wasmrt.Engine) -> None:
    """A body compiled in an earlier batch is called directly by the later ones (linked to
    its machine code, not compiled again): the interpreter's results, traps and
    backtraces, also after a serialize round trip; tier-up links a compiled callee too."""
    monkeypatch.setattr(_native, "NATIVE_BATCH_CELLS", 1)     # one batch per body
    assert run_all(native) == run_all(interp)
    m = wasmrt.Module(native, LINKED)
    assert [entry[3:] for entry in m._native.objects] == [([0], []), ([1], [0]), ([2], [1])]
    want = _linked_runs(wasmrt.Store(interp), wasmrt.Module(interp, LINKED))
    assert want == [40, 0, ("out of bounds memory access", [(0, 3), (1, 3), (2, 9)])]
    assert _linked_runs(wasmrt.Store(native), m) == want
    before = _native.stats()["batches"]
    m2 = wasmrt.Module.deserialize(native, m.serialize())
    assert _native.stats()["batches"] == before, "compiled again instead of loading"
    assert m2._native.installed == {0, 1, 2}
    assert _linked_runs(wasmrt.Store(native), m2) == want
    # tier-up: the hot body's batch calls $deep's machine code instead of compiling it again
    monkeypatch.undo()
    auto = engine("auto")
    m3 = wasmrt.Module(auto, LINKED)
    assert m3._info.func_codes[0].ncells > _native.CALLEE_SMALL
    m3._native.compile([0])
    m3._native.tier_up(2)
    assert m3._native.objects[-1][3:] == ([2, 1], [0])
    assert _linked_runs(wasmrt.Store(auto), m3) == want


# $load and $next are small (<= CALLEE_SMALL cells); $next calls $load.
SMALL_CALLEES = """(module (memory 1)
  (func $load (param i32) (result i32) (i32.load (local.get 0)))
  (func $next (param i32) (result i32) (i32.add (call $load (local.get 0)) (i32.const 1)))
  (func (export "run") (param i32 i32) (result i32) (local i32)
    (i32.store (i32.const 8) (i32.const 40))
    (loop $l
      (local.set 2 (i32.add (local.get 2)
        (i32.add (call $load (local.get 0)) (call $next (local.get 0)))))
      (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
      (br_if $l (local.get 1)))
    (local.get 2)))"""


def test_a_small_callee_compiled_before_is_linked_not_compiled_again(
        llvmlite_ok: None, interp: wasmrt.Engine) -> None:
    """A hot body's batch calls the machine code of a small callee compiled in an earlier
    batch (nothing would inline a copy) and takes in a small callee not compiled yet, which
    calls the first one there too: the interpreter's results, traps and backtraces."""
    want = _linked_runs(wasmrt.Store(interp), wasmrt.Module(interp, SMALL_CALLEES))
    assert want == [405, 1, ("out of bounds memory access", [(0, 3), (2, 16)])]
    auto = engine("auto")
    m = wasmrt.Module(auto, SMALL_CALLEES)
    load, nxt, _ = m._info.func_codes
    assert max(load.ncells, nxt.ncells) <= _native.CALLEE_SMALL
    m._native.compile([0])
    assert m._native.tier_batch(2) == [2, 1]
    m._native.tier_up(2)
    assert m._native.objects[-1][3:] == ([2, 1], [0])
    assert m._native.installed == {0, 1, 2}
    assert _linked_runs(wasmrt.Store(auto), m) == want
    # a trap in $load called from $next, itself called by the hot body
    m2 = wasmrt.Module(auto, SMALL_CALLEES.replace(
        "(i32.add (call $load (local.get 0)) (call $next (local.get 0)))",
        "(call $next (local.get 0))"))
    m2._native.compile([0])
    m2._native.tier_up(2)
    assert m2._native.objects[-1][3:] == ([2, 1], [0])
    run = wasmrt.Instance(store := wasmrt.Store(auto), m2, []).exports(store)["run"]
    assert run(store, 8, 5) == 205
    with pytest.raises(wasmrt.Trap) as info:
        run(store, 65534, 1)
    assert [f.func_index for f in info.value.frames] == [0, 1, 2]


def _xor_chain(name: str, n: int) -> str:
    """A function `name` (param i32) (result i32) of n dependent xors: n * 3 cells or so."""
    body = "".join(f"(local.set 0 (i32.xor (local.get 0) (i32.const {k + 1})))"
                   for k in range(n))
    return f"(func ${name} (param i32) (result i32) {body} (local.get 0))"


class _Samples:
    """The interpreter as a NativeModule sees it, with the tier-up samples of some bodies
    set by hand (FuncCode -> samples) and the default tier cost."""

    def __init__(self, samples: dict[Any, int]) -> None:
        self.samples = samples

    def native_state(self, lf: Any) -> tuple[bool, int]:
        return False, self.samples.get(lf, 0)

    def tier_cost(self) -> int:
        return _native.TIER_COST_DEFAULT

    def __getattr__(self, name: str) -> Any:
        return getattr(_interp, name)


def test_a_callee_joins_a_batch_once_its_samples_pay_for_its_cells(
        llvmlite_ok: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hot body's batch takes in a callee that is not small only when the callee has run
    the samples its own cells are estimated to cost in the batch (COST_CALLEE_CELL, at
    this process's price): one that ran a little is left to be called interpreted (and
    compiled on its own once it is hot), not compiled for nothing."""
    wat = ("(module " + _xor_chain("a", 40) + _xor_chain("b", 40)
           + """(func (export "run") (param i32) (result i32)
                  (i32.add (call $a (local.get 0)) (call $b (local.get 0)))))""")
    monkeypatch.setattr(_native, "_price", _native._Price())     # the estimate as fitted
    m = wasmrt.Module(engine("auto"), wat)
    nm = m._native
    a, b, _ = m._info.func_codes
    assert min(a.ncells, b.ncells) > _native.CALLEE_SMALL
    pays = [math.ceil(1000 * _native.COST_CALLEE_CELL * lf.ncells) for lf in (a, b)]
    nm._interp = _Samples({a: pays[0], b: pays[1] - 1})
    assert nm.tier_batch(2) == [2, 0]
    nm._interp = _Samples({a: 3, b: pays[1]})
    assert nm.tier_batch(2) == [2, 1]
    nm._interp = _Samples({a: pays[0], b: pays[1]})
    assert nm.tier_batch(2) == [2, 0, 1]
    nm._interp = _Samples({})
    assert nm.tier_batch(2) == [2]
    # at a lower tier cost (a core idle beside the guest) the price falls with it
    nm._interp = _Samples({a: pays[0] // 3 + 1, b: pays[1] // 3 - 1})
    nm._interp.tier_cost = lambda: _native.TIER_COST_DEFAULT // 3   # type: ignore[method-assign]
    assert nm.tier_batch(2) == [2, 0]


def test_disk_cache_starts_native_in_a_cold_process(llvmlite_ok: None, tmp_path: object) -> None:
    import subprocess
    import sys

    conf = tmp_path / "cache.toml"  # type: ignore[operator]
    conf.write_text(f'[cache]\ndirectory = "{tmp_path}"\n')
    code = (
        "import sys, wasmrt\n"
        "c = wasmrt.Config(); c.cache = sys.argv[1]; c.strategy = sys.argv[2]\n"
        "m = wasmrt.Module(wasmrt.Engine(c), sys.argv[3])\n"
        "print(len(m._native.installed))\n"
    )
    wat = LOOP
    run = [sys.executable, "-c", code, str(conf)]
    first = subprocess.run([*run, "native", wat], capture_output=True, text=True, check=True)
    assert first.stdout.strip() == "1"
    second = subprocess.run([*run, "auto", wat], capture_output=True, text=True, check=True)
    assert second.stdout.strip() == "1", second.stderr  # auto, yet native from the start


TYPED_REFS = r"""
(module
  (type $ii (func (param i32) (result i32)))
  (table $t 2 (ref null $ii))
  (elem (table $t) (i32.const 0) (ref $ii) (ref.func $sq))
  (func $sq (type $ii) (i32.mul (local.get 0) (local.get 0)))
  (func (export "via_ref") (param i32) (result i32)
    (call_ref $ii (local.get 0) (table.get $t (i32.const 0))))
  (func (export "tail_ref") (param i32) (result i32)
    (return_call_ref $ii (local.get 0) (ref.func $sq)))
  (func (export "non_null") (param i32) (result i32)
    (drop (ref.as_non_null (table.get $t (local.get 0)))) (i32.const 1))
  (func (export "on_null") (param i32) (result i32)
    (block $null
      (br_on_null $null (table.get $t (local.get 0)))
      (drop) (return (i32.const 1)))
    (i32.const 0)))
"""


def test_typed_reference_ops_stay_interpreted(native: wasmrt.Engine,
                                              interp: wasmrt.Engine) -> None:
    """call_ref, return_call_ref and ref.as_non_null are not translated by the native tier:
    their functions stay interpreted (br_on_null lowers to the covered branch ops); the
    results are the interpreter's."""
    m = wasmrt.Module(native, TYPED_REFS)
    assert m._native is not None
    assert m._native.installed == {0, 4}        # $sq and on_null

    def run(eng: wasmrt.Engine) -> list[object]:
        store = wasmrt.Store(eng)
        ex = wasmrt.Instance(store, wasmrt.Module(eng, TYPED_REFS), []).exports(store)
        out: list[object] = []
        for name, arg in [("via_ref", 7), ("tail_ref", -3), ("non_null", 0), ("non_null", 1),
                          ("on_null", 0), ("on_null", 1)]:
            try:
                out.append(ex[name](store, arg))
            except wasmrt.Trap as t:
                out.append(("trap", t.message))
        return out

    assert run(native) == run(interp) == [49, 9, 1, ("trap", "null reference"), 1, 0]


def test_auto_compiles_a_loop_free_callee_of_machine_code(llvmlite_ok: None) -> None:
    """A hot loop's batch leaves out a callee that never ran hot and is not small (no
    loop, no call: no tier-up sample is ever charged to it); machine code counts its
    calls and queues it, so it is compiled in a batch of its own."""
    ops = "local.get 0 i32.const 3 i32.mul i32.const 7 i32.xor local.set 0 " * 30

    def mix_value(x: int) -> int:
        for _ in range(30):
            x = ((x * 3) % 2**32) ^ 7
        return x

    wat = f"""(module
      (func $mix (param i32) (result i32) {ops} local.get 0)
      (func (export "run") (param i32) (result i32) (local i32 i32)
        (loop $l
          (local.set 2 (i32.add (local.get 2) (call $mix (local.get 1))))
          (local.set 1 (i32.add (local.get 1) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
        (local.get 2)))"""
    store, m, run = auto_run(wat)
    mix, main = m._info.func_codes
    assert mix.ncells > _native.CALLEE_SMALL
    want = sum(mix_value(i) for i in range(200_000)) % 2**32
    want = want - 2**32 if want >= 2**31 else want
    _native.wait_idle(120)     # bodies other tests made hot may still be queued
    with tier_thresholds(1):
        def step() -> None:
            assert run(store, 200_000) == want

        run_until(lambda: _interp.native_state(mix)[0] and _interp.native_state(main)[0],
                  step, "not compiled", time.monotonic() + 300, wait=True)
    assert _interp.native_state(mix)[1] == 0       # never sampled: queued by its calls
    assert run(store, 200_000) == want



def run_until(done: Callable[[], bool], step: Callable[[], object], what: str,
              deadline: float, wait: bool = False) -> None:
    """Call `step` (then, if `wait`, let the compile queue drain) until `done()` holds;
    fail with `what` once `time.monotonic()` passes `deadline`."""
    while not done():
        assert time.monotonic() < deadline, what
        step()
        if wait:
            _native.wait_idle(120)


def xor_loop(k: int) -> str:
    """A module whose ``run(n)`` sums ``i ^ k`` for i < n in one loop (i32)."""
    return f"""(module (func (export "run") (param i32) (result i32) (local i32 i32)
      (loop $l
        (local.set 2 (i32.add (local.get 2) (i32.xor (local.get 1) (i32.const {k}))))
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
      (local.get 2)))"""


def xor_loop_result(k: int, n: int) -> int:
    """What ``xor_loop(k)``'s ``run(n)`` returns (a signed i32)."""
    want = sum(i ^ k for i in range(n)) % 2**32
    return want - 2**32 if want >= 2**31 else want


def test_a_body_past_the_threshold_is_queued(llvmlite_ok: None) -> None:
    """A body is queued once its samples reach the threshold or more (not only when they
    equal it): lowering the threshold below the samples a body already has queues it at
    its next sample."""
    store, m, run = auto_run(xor_loop(5))
    code = m._info.func_codes[0]
    _native.wait_idle(120)     # bodies other tests made hot may still be queued
    with tier_thresholds(1_000_000):
        deadline = time.monotonic() + 300
        run_until(lambda: _interp.native_state(code)[1] >= 3,     # a few samples, interpreted
                  lambda: run(store, 1_000_000), "no samples", deadline)
        assert not _interp.native_state(code)[0]
        _interp.set_tier_samples(2)
        run_until(lambda: _interp.native_state(code)[0], lambda: run(store, 1_000_000),
                  "not compiled", deadline, wait=True)
    assert run(store, 1_000_000) == xor_loop_result(5, 1_000_000)


def test_a_large_body_needs_samples_in_proportion_to_its_size(llvmlite_ok: None) -> None:
    """Tier-up's threshold grows with a body's size (compiling it costs in proportion):
    with a cost of 1000 samples per cell, a body that has its base samples is not queued;
    lowered to what it has, it is queued at its next sample."""
    store, m, run = auto_run(xor_loop(7))
    code = m._info.func_codes[0]
    _native.wait_idle(120)     # bodies other tests made hot may still be queued
    with tier_thresholds(1, 1_000_000):
        deadline = time.monotonic() + 300
        run_until(lambda: _interp.native_state(code)[1] >= 3,     # past the base threshold
                  lambda: run(store, 1_000_000), "no samples", deadline)
        _native.wait_idle(120)
        assert not _interp.native_state(code)[0]
        _interp.set_tier_cost(1)        # 1 sample per 1000 cells: what it has
        run_until(lambda: _interp.native_state(code)[0], lambda: run(store, 1_000_000),
                  "not compiled", deadline, wait=True)
    assert run(store, 1_000_000) == xor_loop_result(7, 1_000_000)


def test_a_body_whose_batch_costs_more_than_it_ran_waits(llvmlite_ok: None) -> None:
    """The compile thread holds a queued body for compiling only once its batch's samples
    pay for the batch's estimated cost; otherwise it gives the body back to the
    interpreter (queued again at the samples still missing)."""
    store, m, run = auto_run(xor_loop(9))
    code = m._info.func_codes[0]
    addr = _interp.funccode_address(code)
    _native.wait_idle(120)     # bodies other tests made hot may still be queued
    with tier_thresholds(1_000_000, 1_000_000):     # sampled, never queued
        run_until(lambda: _interp.native_state(code)[1] >= _native.TIER_SAMPLES_MIN,
                  lambda: run(store, 1_000_000), "no samples", time.monotonic() + 300)
        held: dict[int, list[float]] = {}
        _native._consider(addr, held)      # priced at 1,000,000 / 150 times the estimate
        assert addr not in held
        _interp.set_tier_cost(0)            # free: held at once
        _native._consider(addr, held)
        assert addr in held
    assert not _interp.native_state(code)[0]
    assert run(store, 1_000) == xor_loop_result(9, 1_000)


def test_an_idle_core_is_seen_in_idle_time_and_compile_time(monkeypatch: Any) -> None:
    """The gauge of an idle core: the idle seconds of the process's CPUs per second of a
    window of at least SPARE_WINDOW (the first one SPARE_FIRST), the compile thread's CPU
    seconds counted as idle."""
    clock = [100.0]
    idle = [50.0]
    monkeypatch.setattr(_native.time, "monotonic", lambda: clock[0])
    spare = _native._Spare()
    spare.usable = 2
    monkeypatch.setattr(spare, "_idle", lambda: idle[0])
    monkeypatch.setitem(_native._stats, "optimise_s", 0.0)
    assert not spare.update()                   # the first reading: no window yet

    def window(seconds: float, idle_s: float, compile_s: float = 0.0) -> bool:
        clock[0] += seconds
        idle[0] += idle_s
        _native._stats["optimise_s"] += compile_s
        return spare.update()
    first = _native.SPARE_FIRST
    assert window(2 * first, 1.8 * first)       # the first verdict comes after a short window
    assert window(first, 0.0)                   # ... later ones need a whole window
    assert window(1.0, 0.9)                     # 0.9 of a core idle
    assert not window(1.0, 0.2)                 # both cores busy
    assert window(1.0, 0.1, 0.8)                # busy with our own compile: as idle
    assert window(0.1, 0.0)                     # a short window keeps the last verdict
    assert not window(0.5, 0.0)
    spare.usable = 1.5
    assert not window(1.0, 1.0)                 # under two CPUs: never spare


def test_an_idle_compile_thread_runs_while_a_guest_holds_the_gil(
        llvmlite_ok: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A guest that holds the GIL and makes no host call gives it to the compile thread
    at its ticks whenever the thread is out of its wait (`wasmrt_tier_awake`), not only
    while bodies are queued: the thread's look at the spare core every 200 ms goes on
    while the guest runs (it used to wait for the guest's end)."""
    store, _m, run = auto_run(xor_loop(13))
    old = _interp.set_tier_cost(10**6)      # never compiled: interpreted, sampled, ticking
    wakes: list[float] = []
    real_pop = _interp.tier_pop

    def pop(*args: Any) -> list[int]:
        out = real_pop(*args)
        wakes.append(time.monotonic())
        return out
    monkeypatch.setattr(_interp, "tier_pop", pop)
    try:
        assert run(store, 1_000_000) == xor_loop_result(13, 1_000_000)
        n, took = 1_000_000, 0.0
        while took < 0.1 and n < 2**29:     # (iterations for about 1.5 s)
            n *= 4
            t0 = time.monotonic()
            run(store, n)
            took = time.monotonic() - t0
        n = min(2**31 - 1, int(n * 1.5 / took))
        t0 = time.monotonic()
        run(store, n)
        t1 = time.monotonic()
    finally:
        _interp.set_tier_cost(old)
    assert t1 - t0 > 0.8, "the guest ran too briefly to tell"
    assert len([t for t in wakes if t0 < t < t1]) >= 2


@pytest.mark.parametrize(("load", "usable", "spare"),
                         [(1.0, 2, True), (1.3, 2, False), (2.9, 4, True), (3.5, 4, False)])
def test_an_idle_core_is_seen_in_the_load_average_without_proc_stat(
        monkeypatch: Any, load: float, usable: int, spare: bool) -> None:
    """Where /proc/stat cannot be read, the load average (the guest's own thread in it)
    at most SPARE_IDLE of a core under the usable CPUs is an idle core."""
    gauge = _native._Spare()
    gauge.usable = usable
    monkeypatch.setattr(gauge, "_idle", lambda: None)
    monkeypatch.setattr(_native.os, "getloadavg", lambda: (load, load, load))
    assert gauge.update() is spare
    assert gauge.judged     # (a verdict at once: the compile thread goes back to 200 ms)


@pytest.mark.parametrize("v2", [True, False])
def test_a_containers_cpu_quota_is_read_from_its_cgroup(tmp_path: Any, v2: bool) -> None:
    """cgroup v2's cpu.max and v1's cfs quota and period of the process's cgroup give the
    CPUs it may use; "max" or -1 is no quota, and so is no cgroup file."""
    cg = tmp_path / "cgroup"
    if v2:
        cg.write_text("0::/box\n")
        limit = tmp_path / "box" / "cpu.max"
        limit.parent.mkdir()
        limit.write_text("150000 100000\n")
    else:
        cg.write_text("4:memory:/box\n1:cpu,cpuacct:/box\n0::/\n")
        base = tmp_path / "cpu,cpuacct" / "box"
        base.mkdir(parents=True)
        (base / "cpu.cfs_period_us").write_text("100000\n")
        limit = base / "cpu.cfs_quota_us"
        limit.write_text("250000\n")
    assert _native.cpu_quota(str(tmp_path), str(cg)) == (1.5 if v2 else 2.5)
    limit.write_text("max 100000\n" if v2 else "-1\n")
    assert _native.cpu_quota(str(tmp_path), str(cg)) is None
    assert _native.cpu_quota(str(tmp_path), str(tmp_path / "none")) is None


def test_an_idle_core_lowers_the_tier_cost_the_native_tier_set(monkeypatch: Any) -> None:
    """While a core is idle the tier cost falls to SPARE_COST, and rises back to the
    default when none is; a cost set by someone else (a test, tiering experiments) is
    left alone."""
    spare = [True]
    monkeypatch.setattr(_native._spare, "update", lambda: spare[0])
    monkeypatch.setattr(_native, "_TIER_COST_FORCED", "")
    old = _interp.set_tier_cost(_native.TIER_COST_DEFAULT)
    monkeypatch.setattr(_native, "_auto_cost", _native.TIER_COST_DEFAULT)
    try:
        _native._set_price()
        assert _interp.tier_cost() == _native.SPARE_COST
        spare[0] = False
        _native._set_price()
        assert _interp.tier_cost() == _native.TIER_COST_DEFAULT
        _interp.set_tier_cost(7)
        spare[0] = True
        _native._set_price()
        assert _interp.tier_cost() == 7
    finally:
        _interp.set_tier_cost(old)


def test_the_hottest_held_body_compiles_first(llvmlite_ok: None) -> None:
    """Of the held bodies, the one whose samples grew most per estimated cost since the
    last choice is compiled first."""
    store, m1, run = auto_run(xor_loop(11))
    _, m2, _ = auto_run(xor_loop(12))
    hot, cold = m1._info.func_codes[0], m2._info.func_codes[0]
    _native.wait_idle(120)
    with tier_thresholds(1_000_000, 1_000_000):     # sampled, never queued
        run_until(lambda: _interp.native_state(hot)[1] >= 5, lambda: run(store, 1_000_000),
                  "no samples", time.monotonic() + 300)
    a_hot, a_cold = _interp.funccode_address(hot), _interp.funccode_address(cold)
    held = {a_cold: [0.0, 100.0], a_hot: [0.0, 100.0]}
    assert _native._hottest(held) == a_hot
    assert list(held) == [a_cold]
    assert _native._hottest(held) == a_cold and not held


def test_the_price_of_a_batch_follows_this_process_compiles() -> None:
    """The estimate's scale is what this process's batches cost against their estimates,
    within bounds (1 until enough has been seen)."""
    p = _native._Price()
    assert p.scale() == 1.0
    p.learn(0.1, 1.0)
    assert p.scale() == 1.0
    p.learn(0.3, 0.2)
    assert p.scale() == pytest.approx(3.0)
    p.learn(10.0, 1.0)
    assert p.scale() == pytest.approx(0.5)
    p.learn(1.6, 9.8)
    assert p.scale() == pytest.approx(1.0)


GC_I31 = """(module
  (type $box (struct (field (mut i32))))
  (type $arr (array (mut i32)))
  (func $sq (export "sq") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "round_trip") (param i32) (result i32)
    (i31.get_s (ref.i31 (call $sq (local.get 0)))))
  (func (export "same") (param i32 i32) (result i32)
    (ref.eq (ref.i31 (local.get 0)) (ref.i31 (local.get 1))))
  (func $boxed (param i32) (result i32) (struct.get $box 0 (struct.new $box (local.get 0))))
  (func (export "sum_boxed") (param i32) (result i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (call $boxed (local.get 0))))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get $s))
  (func (export "arr") (param i32) (result i32) (local $a anyref)
    (local.set $a (array.new $arr (local.get 0) (i32.const 3)))
    (i32.add (array.len (ref.cast (ref $arr) (local.get $a)))
             (array.get $arr (ref.cast (ref $arr) (local.get $a)) (i32.const 2)))))"""


def test_gc_ops_stay_interpreted(native: wasmrt.Engine, interp: wasmrt.Engine) -> None:
    """GC's instructions (i31, ref.eq, structs, arrays, casts) are not translated by the
    native tier: their functions stay interpreted while the others compile (a compiled
    loop calls an interpreted allocating function); results are the interpreter's."""
    m = wasmrt.Module(native, GC_I31)
    assert m._native is not None
    assert m._native.installed == {0, 4}        # $sq and sum_boxed

    def run(eng: wasmrt.Engine) -> list[object]:
        store = wasmrt.Store(eng)
        ex = wasmrt.Instance(store, wasmrt.Module(eng, GC_I31), []).exports(store)
        return [ex["round_trip"](store, 40000), ex["same"](store, 3, 3),
                ex["same"](store, 3, -0x7FFFFFFD), ex["sum_boxed"](store, 20000),
                ex["arr"](store, 7)]

    assert run(native) == run(interp) == [-547483648, 1, 1, 200010000, 10]



# A loop around a direct call writes its call record once (`call_record`); a host call,
# which may enter the Store again and write records from the same depth, makes the next
# direct call write it again.  `$host` re-enters through `deep` (records of $r at the
# loop's depth and below it); the trap's backtrace in the last `$d` must show $d and $c.
RECORDS = """(module
  (import "env" "host" (func $host (param i32) (result i32)))
  (func $c (param i32) (result i32) (i32.div_u (i32.const 100) (local.get 0)))
  (func $d (param i32) (result i32) (i32.add (call $c (local.get 0)) (i32.const 1)))
  (func $r (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (call $r (i32.sub (local.get 0) (i32.const 1))) (i32.const 2)))))
  (func (export "loop") (param $n i32) (param $k i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (call $d (i32.sub (local.get $n) (local.get $i)))))
      (if (i32.eq (i32.and (local.get $i) (i32.const 3)) (local.get $k))
        (then (local.set $acc (i32.add (local.get $acc) (call $host (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.le_u (local.get $i) (local.get $n))))
    (local.get $acc)))"""


def test_call_records_written_once_per_loop_match_the_interpreter(
        native: wasmrt.Engine, interp: wasmrt.Engine) -> None:
    got = []
    for eng in (native, interp):
        store = wasmrt.Store(eng)
        module = wasmrt.Module(eng, RECORDS)
        linker = wasmrt.Linker(eng)
        deep: list[Any] = []

        def host(x: int, store: wasmrt.Store = store, deep: list[Any] = deep) -> Any:
            return deep[0](store, x % 5 + 3)

        linker.define_func("env", "host", wasmrt.FuncType([wasmrt.ValType.i32()],
                                                          [wasmrt.ValType.i32()]), host)
        ex = linker.instantiate(store, module).exports(store)
        deep.append(ex["deep"])
        if eng is native:
            assert all(_interp.native_state(lf)[0] for lf in module._info.func_codes)
        seen = []
        for n, k in ((9, 1), (12, 0), (7, 3), (10, 2)):
            with pytest.raises(wasmrt.Trap) as info:
                ex["loop"](store, n, k)
            seen.append((info.value.message, [(f.func_index, f.func_offset)
                                              for f in info.value.frames]))
        got.append(seen)
    assert got[0] == got[1]
    assert [f[0] for f in got[0][0][1]] == [1, 2, 4]


NESTED = """(module
  (import "env" "h" (func $h (param i32)))
  (memory 1)
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $acc i64) (local $t i32) (local $u i64)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $a
        (local.set $t (i32.mul (local.get $j) (local.get $i)))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $t))))
        (br_if $a (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 7))))
      (local.set $j (i32.const 0))
      (loop $b
        (i32.store (i32.shl (local.get $j) (i32.const 2)) (i32.xor (local.get $i) (local.get $j)))
        (br_if $b (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 5))))
      (local.set $j (i32.const 0))
      (loop $c
        (local.set $u (i64.rotl (local.get $acc) (i64.extend_i32_u (local.get $j))))
        (local.set $acc (i64.xor (local.get $acc) (i64.shr_u (local.get $u) (i64.const 7))))
        (br_if $c (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 3))))
      (local.set $j (i32.const 0))
      (loop $d
        (local.set $acc (i64.add (local.get $acc)
          (i64.load32_u (i32.shl (local.get $j) (i32.const 2)))))
        (br_if $d (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 5))))
      (local.set $t (i32.add (i32.and (local.get $i) (i32.const 3)) (i32.const 1)))
      (loop $e
        (local.set $acc (i64.add (local.get $acc) (i64.const 3)))
        (br_if $e (local.tee $t (i32.sub (local.get $t) (i32.const 1)))))
      (if (i32.eq (local.get $i) (i32.const 10)) (then (call $h (local.get $i))))
      (br_if $outer (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (local.get $n))))
    (local.get $acc)))"""


def test_osr_entries_of_a_body_of_many_loops(llvmlite_ok: None,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A body of more than OSR_ALL loops (here lowered to 4) gets OSR entries at its
    outermost loops' headers only, loading the slots live there, unless it is compiled in
    part: then at every loop header kept (the interpreter that continues after a side
    exit enters machine code again at the next back-edge it takes, CPython's eval loop at
    its dispatch loop inside two others); machine code installed while the body runs (by a
    host call from inside its outer loop) finishes the call as the interpreter would."""
    store = wasmrt.Store(engine("auto"))
    m = wasmrt.Module(store.engine, NESTED)
    nm = m._native
    every = nm.body(1).osr_headers()
    assert len(every) == 6     # (every loop's: outer and five inner)
    monkeypatch.setattr(_native_ir, "OSR_ALL", 4)
    assert len(nm.body(1).osr_headers()) == 1
    part = nm.body(1)
    part.omit = frozenset({every[-1]})      # (a loop left out: its header too)
    assert part.osr_headers() == every[:-1]

    def compile_now(i: int) -> None:
        nm.compile([1])

    h = wasmrt.Func(store, wasmrt.FuncType([wasmrt.ValType.i32()], []), compile_now)
    got = wasmrt.Instance(store, m, [h]).exports(store)["run"](store, 300_000)
    assert _interp.native_state(m._info.func_codes[0])[0]
    ref = wasmrt.Store(engine("interpreter"))
    h2 = wasmrt.Func(ref, wasmrt.FuncType([wasmrt.ValType.i32()], []), lambda i: None)
    want = wasmrt.Instance(ref, wasmrt.Module(ref.engine, NESTED), [h2]).exports(ref)["run"](
        ref, 300_000)
    assert got == want



def test_no_jump_crosses_or_ends_at_a_32_byte_boundary(llvmlite_ok: None,
                                                        tmp_path: Any) -> None:
    """On x86 the worker has the assembler pad so that no jump crosses or ends at a
    32-byte boundary (where one did, a hot loop ran up to 50% slower on an Intel machine
    by where its code fell).  Checked on the object code of a branchy body with objdump."""
    import platform
    import shutil

    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("an x86 code-generation option")
    objdump = shutil.which("objdump") or shutil.which("llvm-objdump")
    if objdump is None:
        pytest.skip("no objdump to read the object code")
    arms = "".join(f"(if (i32.eq (local.get $x) (i32.const {k})) (then (local.set $s "
                   f"(i32.add (local.get $s) (i32.const {k * 7})))))" for k in range(40))
    wat = f"""(module (func (export "f") (param $n i32) (result i32)
      (local $x i32) (local $s i32)
      (loop $l
        (local.set $x (i32.rem_u (i32.mul (local.get $n) (i32.const 17)) (i32.const 41)))
        {arms}
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      (local.get $s)))"""
    m = wasmrt.Module(engine("native"), wat)
    obj = tmp_path / "batch.o"
    obj.write_bytes(m._native.objects[0][0])
    out = subprocess.run([objdump, "-d", str(obj)], capture_output=True, text=True,
                         check=True).stdout
    jumps = 0
    for line in out.splitlines():
        addr, _, rest = line.partition(":\t")
        fields = rest.split("\t")
        if len(fields) < 2 or not fields[1].startswith("j"):
            continue
        start, size = int(addr, 16), len(fields[0].split())
        jumps += 1
        assert start // 32 == (start + size - 1) // 32 and (start + size) % 32, line
    assert jumps > 40


_SAME_CODE = r"""
import sys
import llvmlite.binding as llvm
import wasmrt
from wasmrt import _native, _native_worker
cfg = wasmrt.Config(); cfg.strategy = "interpreter"
m = wasmrt.Module(wasmrt.Engine(cfg), sys.argv[1])
nm = _native.NativeModule(m._info, "auto")
j = _native.jit()
bodies = [nm.body(fi) for fi in range(len(m._info.func_codes))]
ir = _native._ir().Translator(nm.module, j.layout).module(bodies, {})
options = _native_worker.CODEGEN_OPTIONS
_native_worker.CODEGEN_OPTIONS = ()
opt = _native_worker.optimiser(j.cpu, j.features)
without = opt(ir, 2)[0]
for o in options:
    llvm.set_option("", o)
print(len(options), len(without), opt(ir, 2)[0] == without)
"""


def test_the_code_generation_options_change_no_object_byte(llvmlite_ok: None) -> None:
    """The worker's CODEGEN_OPTIONS make LLVM's code generation cheaper, not different: a
    body with many calls, memory accesses and loops compiles to the same object code with
    them as without (a fresh process: LLVM's options are global to one)."""
    import sys

    arms = "".join(f"(if (i32.eq (local.get $x) (i32.const {k})) (then (local.set $s "
                   f"(i32.add (local.get $s) (call $g (i32.load offset={4 * k} "
                   f"(local.get $n)))))))" for k in range(40))
    wat = f"""(module (memory 1)
      (func $g (param i32) (result i32)
        (i32.store (local.get 0) (i32.add (i32.load (local.get 0)) (i32.const 3)))
        (i32.mul (local.get 0) (i32.const 7)))
      (func (export "f") (param $n i32) (result i32) (local $x i32) (local $s i32)
        (loop $l
          (local.set $x (i32.rem_u (i32.mul (local.get $n) (i32.const 17)) (i32.const 41)))
          {arms}
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $s)))"""
    out = subprocess.run([sys.executable, "-c", _SAME_CODE, wat], capture_output=True,
                         text=True, check=True, cwd=os.path.dirname(os.path.dirname(
                             os.path.dirname(os.path.abspath(__file__))))).stdout.split()
    assert int(out[0]) >= 1 and int(out[1]) > 4000, out
    assert out[2] == "True", "an option of CODEGEN_OPTIONS changed the object code"


def test_a_body_called_from_fp_loads_each_argument_as_stored(llvmlite_ok: None,
                                                             tmp_path: Any) -> None:
    """`body_name`, the entry of a body called in registers for callers outside its batch,
    loads its arguments from fp[] one 8-byte load each, as the caller stored them: past
    six arguments the code generator had merged them into one 16- or 32-byte load (to pass
    them on the stack), which cannot take its bytes from the caller's stores still in
    flight and waits for them (a call across batches took 12.1 ns instead of 5.5 on an
    Intel machine).  Read from the object code with objdump; the results are the
    interpreter's."""
    import platform
    import shutil

    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("x86 object code")
    objdump = shutil.which("objdump") or shutil.which("llvm-objdump")
    if objdump is None:
        pytest.skip("no objdump to read the object code")
    params = " ".join(["i64"] * 8)
    total = "(local.get 0)" + "".join(f"(i64.add (local.get {k}))" for k in range(1, 8))
    args = " ".join(f"(i64.add (local.get $s) (i64.const {k}))" for k in range(8))
    wat = f"""(module
      (func $f (param {params}) (result i64) (local $i i32) (local $s i64)
        (local.set $s {total})
        (loop $l
          (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (local.get $i))))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                              (i32.const 2))))
        (local.get $s))
      (func (export "run") (param $n i32) (result i64) (local $s i64)
        (loop $l
          (local.set $s (i64.add (local.get $s) (call $f {args})))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $s)))"""
    want = [wasmrt.Instance(st := wasmrt.Store(e), wasmrt.Module(e, wat), []).exports(st)[
        "run"](st, n) for n in (1, 5, 1000) for e in [engine("interpreter")]]
    auto = engine("auto")
    m = wasmrt.Module(auto, wat)
    m._native.compile([0])
    m._native.compile([1])      # calls $f through `wb0`, as a batch linked to it
    assert m._native.objects[-1][3:] == ([1], [0])
    run = wasmrt.Instance(st := wasmrt.Store(auto), m, []).exports(st)["run"]
    assert [run(st, n) for n in (1, 5, 1000)] == want
    obj = tmp_path / "f.o"
    obj.write_bytes(m._native.objects[0][0])
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(obj)], capture_output=True,
                         text=True, check=True).stdout
    wrapper = out.split("<wb0>:", 1)[1].split("\n\n", 1)[0]
    loads = [line for line in wrapper.splitlines() if "(%rdi)" in line.split(",")[0]]
    assert len(loads) == 8, wrapper
    assert all(("mov " in line or "push " in line) and "mm" not in line
               for line in loads), wrapper


def test_each_body_has_a_section_of_its_own(llvmlite_ok: None, tmp_path: Any) -> None:
    """Each body's function is in a section of its own (LLVM's assembler relaxes the
    jumps of one section in time growing faster than the section: one .text of 53 bodies
    of zstd, 27,651 cells, took 6.5 s of code generation, 3.6 s split so); the bodies call each
    other across sections as before.  Read from the object code with objdump."""
    import shutil

    objdump = shutil.which("objdump") or shutil.which("llvm-objdump")
    if objdump is None:
        pytest.skip("no objdump to read the object code")
    wat = """(module
      (func $sq (param i32) (result i32) (local i32)
        (loop $l (local.set 1 (i32.add (local.get 1) (local.get 0)))
          (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
        (local.get 1))
      (func (export "run") (param i32) (result i32)
        (i32.add (call $sq (local.get 0)) (call $sq (i32.const 3)))))"""
    eng = engine("native")
    m = wasmrt.Module(eng, wat)
    run = wasmrt.Instance(st := wasmrt.Store(eng), m, []).exports(st)["run"]
    assert run(st, 10) == 55 + 6
    assert m._native.objects[0][3] == [0, 1]
    obj = tmp_path / "batch.o"
    obj.write_bytes(m._native.objects[0][0])
    out = subprocess.run([objdump, "-h", str(obj)], capture_output=True, text=True,
                         check=True).stdout
    sections = {line.split()[1] for line in out.splitlines()
                if len(line.split()) > 1 and line.split()[1].startswith(".text.")}
    bodies = {name for name in sections if name[len(".text."):].startswith(("wi", "wb"))}
    assert {name[len(".text.") + 2:] for name in bodies} == {"0", "1"}, sections


def test_native_optimises_batches_side_by_side(llvmlite_ok: None, interp: wasmrt.Engine,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Strategy "native" with more than one CPU: LLVM workers optimise the batches side by
    side while they are translated and linked in order, each batch calling the machine
    code of the bodies of batches before it (translated ahead of their linking): the
    interpreter's results, traps and backtraces."""
    monkeypatch.setattr(_native, "NATIVE_BATCH_CELLS", 1)    # a batch per body
    monkeypatch.setattr(_native._spare, "usable", 3)
    funcs = ["""(func $f0 (param i32) (result i32)
                  (if (i32.eqz (local.get 0)) (then unreachable)) (local.get 0))"""]
    for k in range(1, 6):
        funcs.append(f"""(func $f{k} (param i32) (result i32) (local i32)
          (loop $l (local.set 1 (i32.add (local.get 1) (call $f{k - 1} (local.get 0))))
            (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
          (local.get 1))""")
    wat = f"""(module {" ".join(funcs)} (export "run" (func $f5)) (export "f1" (func $f1)))"""

    def runs(eng: wasmrt.Engine, m: wasmrt.Module) -> list[object]:
        ex = wasmrt.Instance(st := wasmrt.Store(eng), m, []).exports(st)
        out: list[object] = [ex["run"](st, 6), ex["f1"](st, 9)]
        try:
            ex["f1"](st, 0)
        except wasmrt.Trap as t:
            out.append([(f.func_index, f.func_offset) for f in t.frames])
        return out

    want = runs(interp, wasmrt.Module(interp, wat))
    assert len(want) == 3
    before = _native.stats()["batches"]
    eng = engine("native")
    m = wasmrt.Module(eng, wat)
    assert _native.stats()["batches"] - before == 6
    assert [entry[3:] for entry in m._native.objects] == [
        ([0], []), ([1], [0]), ([2], [1]), ([3], [2]), ([4], [3]), ([5], [4])]
    assert m._native.installed == set(range(6))
    assert len(_native._more_workers) >= 2 and all(w.alive() for w in _native._more_workers)
    assert runs(eng, m) == want


HOT_LEFT = """(module
  (func (export "a") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "b") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.xor (local.get 0) (i32.const 5))))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 1)))"""


def test_a_body_left_hot_is_compiled_by_the_next_process(llvmlite_ok: None,
                                                          tmp_path: Any) -> None:
    """A body that ran hot in a process but got no machine code there (its batch never
    paid within the run) is named in the cache, also when it got hot after the last
    batch was saved (the cache is brought up to date at exit); the next process that
    loads the cache compiles it at once, before it has run."""
    import sys

    conf = tmp_path / "cache.toml"
    conf.write_text(f'[cache]\ndirectory = "{tmp_path}"\n')
    code = (
        "import sys, time, wasmrt\n"
        "from wasmrt import _interp, _native\n"
        "c = wasmrt.Config(); c.cache = sys.argv[1]\n"
        "m = wasmrt.Module(wasmrt.Engine(c), sys.argv[3])\n"
        "b = m._info.func_codes[1]\n"
        "if sys.argv[2] == 'first':\n"
        "    m._native.compile([0]); m._native.save()\n"
        "    _interp.set_tier_samples(1_000_000)\n"
        "    s = wasmrt.Store(m.engine)\n"
        "    run = wasmrt.Instance(s, m, []).exports(s)['b']\n"
        "    end = time.monotonic() + 120\n"
        "    while _interp.native_state(b)[1] < _native.TIER_SAMPLES_MIN:\n"
        "        assert time.monotonic() < end\n"
        "        run(s, 1_000_000)\n"
        "else:\n"
        "    _native.wait_idle(120)\n"
        "print(sorted(m._native.installed), _interp.native_state(b))\n"
    )
    run = [sys.executable, "-c", code, str(conf)]
    first = subprocess.run([*run, "first", HOT_LEFT], capture_output=True, text=True,
                           check=True)
    installed, state = first.stdout.strip().split(" ", 1)[0], first.stdout
    assert installed == "[0]" and "(False," in state, first.stdout
    second = subprocess.run([*run, "second", HOT_LEFT], capture_output=True, text=True,
                            check=True)
    assert second.stdout.strip() == "[0, 1] (True, 0)", second.stdout + second.stderr
    third = subprocess.run([*run, "second", HOT_LEFT], capture_output=True, text=True,
                           check=True)      # (the second one saved b's machine code)
    assert third.stdout.strip() == "[0, 1] (True, 0)", third.stdout + third.stderr


_PERFMAP_CHILD = r"""
import json, os, sys
import wasmrt
cfg = wasmrt.Config()
cfg.strategy = "native"
cfg.profiler = sys.argv[1]
eng = wasmrt.Engine(cfg)
m = wasmrt.Module(eng, sys.argv[2])
st = wasmrt.Store(eng)
out = wasmrt.Instance(st, m, []).exports(st)["run"](st, 10)
print(json.dumps({"pid": os.getpid(), "out": out,
                  "wb": {str(fi): a for fi, a in m._native.body_addr.items()}}))
"""


def test_the_perfmap_profiler_names_every_compiled_function(llvmlite_ok: None) -> None:
    """``Config.profiler = "perfmap"``: each function of each linked batch (a body, its
    entry, and for a body called in registers its wrapper from fp[]) has a line "START
    SIZE name" in /tmp/perf-PID.map, named by the module's name section, at the address
    the linker gave it, none overlapping another; without the option no map is written."""
    wat = """(module
      (func $fib (param i32) (result i32)
        (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
          (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                         (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
      (func $run (export "run") (param i32) (result i32) (local i32)
        (loop $l
          (local.set 1 (i32.add (local.get 1) (call $fib (local.get 0))))
          (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
        (local.get 1)))"""
    maps = []
    try:
        runs = {}
        for profiler in ("perfmap", "none"):
            res = subprocess.run([sys.executable, "-c", _PERFMAP_CHILD, profiler, wat],
                                 capture_output=True, text=True, check=True,
                                 cwd=os.path.dirname(os.path.dirname(wasmrt.__file__)))
            runs[profiler] = json.loads(res.stdout)
            maps.append(f"/tmp/perf-{runs[profiler]['pid']}.map")
        assert runs["perfmap"]["out"] == runs["none"]["out"] == 143     # fib(1) + ... + fib(10)
        assert not os.path.exists(maps[1])
        rows = []
        with open(maps[0]) as f:
            for line in f:
                start, size, name = line.rstrip("\n").split(" ", 2)
                rows.append((int(start, 16), int(size, 16), name))
    finally:
        for path in maps:
            if os.path.exists(path):
                os.remove(path)
    names = {name for _s, _n, name in rows}
    for fi, fname in ((0, "fib"), (1, "run")):
        ours = {name for name in names if name.startswith(f"wasm::function[{fi}]::{fname}")}
        assert f"wasm::function[{fi}]::{fname}" in ours
        assert f"wasm::function[{fi}]::{fname} [entry]" in ours
    starts = {start: name for start, _n, name in rows}
    for fi, addr in runs["perfmap"]["wb"].items():     # the bodies the batches link by
        assert starts[addr].startswith(f"wasm::function[{fi}]::"), starts[addr]
    rows.sort()
    assert all(size > 0 for _s, size, _n in rows)
    assert all(a + n <= b for (a, n, _x), (b, _m, _y) in itertools.pairwise(rows)), rows
    assert _native.elf_symbol_sizes(b"\x7fELF" + bytes(60)) == {}   # (32-bit, not ours)


def test_the_translator_yields_the_gil_once_per_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    """`_native_ir.pause` (called every 64 instructions translated) gives other threads
    the GIL once PAUSE_EVERY has passed since it last did, not at every call: a guest
    holding the GIL hands it back only at its ticks, so a yield per call left the
    translator a sliver of each tick."""
    clock = [1000.0]
    slept: list[float] = []
    monkeypatch.setattr(_native_ir, "_clock", lambda: clock[0])
    monkeypatch.setattr(_native_ir, "_sleep", lambda s: slept.append(clock[0]))
    monkeypatch.setattr(_native_ir, "_paused", [0.0])
    step = _native_ir.PAUSE_EVERY / 10
    for _ in range(100):        # ten slices' worth of calls
        _native_ir.pause()
        clock[0] += step
    assert 9 <= len(slept) <= 11
    assert all(b - a >= _native_ir.PAUSE_EVERY - 1e-9 for a, b in itertools.pairwise(slept))


def test_a_body_of_an_earlier_batch_is_called_in_registers(llvmlite_ok: None) -> None:
    """A body whose arguments and result fit in registers exports its `reg_name`
    function (as `reg_export_name`), and a later batch calls it there directly, as a body
    of its own batch, not through the wrapper that loads its arguments from fp[]: the
    same results, and a trap in the callee has the interpreter's backtrace."""
    wat = """(module
      (func $f (param i32 i32) (result i32)
        (if (i32.eq (local.get 0) (i32.const 3)) (then (unreachable)))
        (i32.add (i32.mul (local.get 0) (local.get 1)) (i32.const 7)))
      (func (export "run") (param $n i32) (result i32) (local $s i32)
        (loop $l
          (local.set $s (i32.add (local.get $s) (call $f (local.get $n) (local.get $s))))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $s)))"""
    auto = engine("auto")
    m = wasmrt.Module(auto, wat)
    nm = m._native
    nm.compile([0])
    assert 0 in nm.reg_addr
    bt = nm.translate([1])
    assert bt is not None and f"@{_native_ir.reg_export_name(0)}(" in bt.ir
    assert f"@{_native_ir.body_name(0)}(" not in bt.ir.split("define", 1)[1]
    nm.compile([1])
    st = wasmrt.Store(auto)
    run = wasmrt.Instance(st, m, []).exports(st)["run"]
    ref = wasmrt.Store(engine("interpreter"))
    want = wasmrt.Instance(ref, wasmrt.Module(ref.engine, wat), []).exports(ref)["run"]
    assert _interp.native_state(m._info.func_codes[1])[0]
    assert [run(st, n) for n in (1, 2)] == [want(ref, n) for n in (1, 2)]
    with pytest.raises(wasmrt.Trap) as got:
        run(st, 1000)
    with pytest.raises(wasmrt.Trap) as exp:
        want(ref, 1000)
    assert [(f.func_index, f.func_offset) for f in got.value.frames] == [
        (f.func_index, f.func_offset) for f in exp.value.frames]
