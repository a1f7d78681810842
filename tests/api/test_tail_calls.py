"""Tail calls (Wasm 3.0): ``return_call`` and ``return_call_indirect`` run in constant C
stack, value stack and call depth; the same scripts run on wasmtime-py (``rt``)."""

from __future__ import annotations

from types import ModuleType

import pytest

from wasmrt import _core
from wasmrt.errors import UnsupportedFeatureError, ValidationError
from wasmrt.wat import wat2wasm

MUTUAL = """(module
  (type $t (func (param i64 i64) (result i64)))
  (table 2 funcref)
  (elem (i32.const 0) $even_i $odd_i)
  (func $even (export "even") (param i64 i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (local.get 1))
      (else (return_call $odd (i64.sub (local.get 0) (i64.const 1))
                              (i64.add (local.get 1) (i64.const 1))))))
  (func $odd (param i64 i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.sub (i64.const 0) (local.get 1)))
      (else (return_call $even (i64.sub (local.get 0) (i64.const 1))
                               (i64.add (local.get 1) (i64.const 1))))))
  (func $even_i (export "even_i") (param i64 i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (local.get 1))
      (else (return_call_indirect (type $t) (i64.sub (local.get 0) (i64.const 1))
                                  (i64.add (local.get 1) (i64.const 1)) (i32.const 1)))))
  (func $odd_i (param i64 i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.sub (i64.const 0) (local.get 1)))
      (else (return_call_indirect (type $t) (i64.sub (local.get 0) (i64.const 1))
                                  (i64.add (local.get 1) (i64.const 1)) (i32.const 0)))))
  (func $deep (export "deep") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 0))
      (else (i64.add (i64.const 1) (call $deep (i64.sub (local.get 0) (i64.const 1))))))))"""


def _instance(rt: ModuleType, text: str, imports: list | None = None):  # type: ignore[no-untyped-def]
    engine = rt.Engine()
    store = rt.Store(engine)
    return store, rt.Instance(store, rt.Module(engine, text), imports or []).exports(store)


@pytest.mark.parametrize("export", ["even", "even_i"])
def test_million_deep_mutual_tail_recursion(rt: ModuleType, export: str) -> None:
    """10^6 tail calls between two functions (direct and through a table) return, where
    the same depth of ordinary calls exhausts the stack."""
    store, ex = _instance(rt, MUTUAL)
    assert ex[export](store, 1_000_000, 0) == 1_000_000
    assert ex[export](store, 1_000_001, 0) == -1_000_001
    with pytest.raises(rt.Trap, match="call stack exhausted"):
        ex["deep"](store, 1_000_000)


def test_tail_call_to_another_instance_and_host(rt: ModuleType) -> None:
    """A tail call into an imported wasm function (another instance, with its own memory)
    and into a host function returns their results to the caller's caller."""
    engine = rt.Engine()
    store = rt.Store(engine)
    callee = rt.Instance(store, rt.Module(engine, """(module (memory (export "m") 1)
        (data (i32.const 0) "\\07")
        (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))"""), [])
    i32 = rt.ValType.i32()
    host = rt.Func(store, rt.FuncType([i32, i32], [i32]), lambda a, b: a * 100 + b)
    caller = rt.Instance(store, rt.Module(engine, """(module
        (import "x" "peek" (func $peek (param i32) (result i32)))
        (import "x" "host" (func $host (param i32 i32) (result i32)))
        (memory 1) (data (i32.const 0) "\\09")
        (func $via (param i32) (result i32) (return_call $peek (local.get 0)))
        (func (export "peek") (result i32)
          (i32.add (call $via (i32.const 0)) (i32.load8_u (i32.const 0))))
        (func (export "host") (param i32) (result i32)
          (return_call $host (local.get 0) (i32.const 5))))"""),
        [callee.exports(store)["peek"], host])
    ex = caller.exports(store)
    assert ex["peek"](store) == 7 + 9       # the caller's memory is back after the return
    assert ex["host"](store, 3) == 305


def test_tail_call_traps_are_reported(rt: ModuleType) -> None:
    """return_call_indirect checks the element like call_indirect; a trap in the callee
    of a tail call is a trap of the call."""
    store, ex = _instance(rt, """(module (type $v (func)) (type $i (func (result i32)))
        (table 3 funcref) (elem (i32.const 0) $boom $i)
        (func $boom unreachable)
        (func $i (result i32) (i32.const 1))
        (func (export "f") (param i32) (return_call_indirect (type $v) (local.get 0))))""")
    with pytest.raises(rt.Trap, match="unreachable"):
        ex["f"](store, 0)
    with pytest.raises(rt.Trap, match="indirect call type mismatch"):
        ex["f"](store, 1)
    with pytest.raises(rt.Trap, match="uninitialized element"):
        ex["f"](store, 2)
    with pytest.raises(rt.Trap, match="undefined element|out of bounds table access"):
        ex["f"](store, 3)


def test_tail_call_frames(rt: ModuleType) -> None:
    """The activation of a function that tail-called is gone from the backtrace."""
    store, ex = _instance(rt, """(module
        (func $boom (unreachable))
        (func $mid (return_call $boom))
        (func $top (export "top") (call $mid)))""")
    with pytest.raises(rt.Trap) as info:
        ex["top"](store)
    names = [f.func_name for f in info.value.frames]
    assert names == ["boom", "top"]


def test_tail_call_with_v128_arguments(rt: ModuleType) -> None:
    """Arguments of two slots move down as a block."""
    if rt.__name__ != "wasmrt":
        pytest.skip("wasmtime-py cannot pass v128 values")
    store, ex = _instance(rt, """(module
        (func $pick (param i32 v128 i64) (result i64)
          (i64.add (i64x2.extract_lane 1 (local.get 1)) (local.get 2)))
        (func (export "f") (param v128 i64 i64) (result i64) (local f32)
          (return_call $pick (i32.const 0) (local.get 0) (local.get 2))))""")
    assert ex["f"](store, 5 << 64, 1, 2) == 7


@pytest.mark.parametrize(
    "text",
    [
        "(module (func $f (result i64) (i64.const 0)) (func (result i32) (return_call $f)))",
        ("(module (func $f (result i32 i32) (i32.const 0) (i32.const 0)) "
        "(func (result i32) (return_call $f)))"),
        "(module (func $f (param i32)) (func (return_call $f)))",
        ("(module (type $t (func (result i64))) (table 1 funcref) "
        "(func (result i32) (return_call_indirect (type $t) (i32.const 0))))"),
    ],
)
def test_invalid_tail_calls(text: str) -> None:
    with pytest.raises(ValidationError, match="type mismatch"):
        _core.validate_module(wat2wasm(text), _core.WASM2_FEATURES | _core.FEATURE_TAIL_CALL)


def test_tail_calls_need_the_feature() -> None:
    wasm = wat2wasm("(module (func $f) (func (return_call $f)))")
    with pytest.raises(UnsupportedFeatureError, match="tail calls"):
        _core.validate_module(wasm, _core.WASM2_FEATURES)
    _core.validate_module(wasm, _core.WASM2_FEATURES | _core.FEATURE_TAIL_CALL)
