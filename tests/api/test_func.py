"""Func: host functions, calls from Python, value conversion, errors, traps."""

from __future__ import annotations

import math

import pytest

import wasmrt
from wasmrt._api_types import f32_from_bits, f32_to_bits


def instance(rt, store, wat, imports=()):
    return rt.Instance(store, rt.Module(store.engine, wat), list(imports))


def test_call_wasm(rt):
    store = rt.Store()
    inst = instance(
        rt,
        store,
        """(module
      (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
      (func (export "none"))
      (func (export "two") (param i64) (result i64 f64) local.get 0 f64.const 1.5)
      (func (export "f32") (param f32) (result f32) local.get 0))""",
    )
    ex = inst.exports(store)
    assert ex["add"](store, 2, 3) == 5
    assert ex["add"](store, 2**31 - 1, 1) == -(2**31)
    assert ex["add"](store, 2**32 + 1, 1) == 2
    assert ex["none"](store) is None
    assert ex["two"](store, -5) == [-5, 1.5]
    assert ex["f32"](store, 0.1) == pytest.approx(0.1)
    assert ex["add"](store, rt.Val.i32(4), 5) == 9


def test_func_type(rt):
    store = rt.Store()
    inst = instance(
        rt, store, '(module (func (export "f") (param i32 f64) (result i64) i64.const 0))'
    )
    ty = inst.exports(store)["f"].type(store)
    assert ty.params == [rt.ValType.i32(), rt.ValType.f64()]
    assert ty.results == [rt.ValType.i64()]


def test_argument_errors(rt):
    store = rt.Store()
    f = instance(rt, store, '(module (func (export "f") (param i32 f64)))').exports(store)["f"]
    with pytest.raises(rt.WasmtimeError, match="too few parameters"):
        f(store, 1)
    with pytest.raises(rt.WasmtimeError, match="too many parameters"):
        f(store, 1, 2.0, 3)
    with pytest.raises(TypeError):
        f(store, 1.0, 2.0)
    with pytest.raises(TypeError):
        f(store, "1", 2.0)
    with pytest.raises(TypeError):
        f(store, None, 2.0)
    with pytest.raises(TypeError):
        f()  # no store
    with pytest.raises(TypeError):
        f(store, 1, rt.Val.f32(1.0))


def test_host_func(rt):
    store = rt.Store()
    seen = []

    def host(a, b):
        seen.append((a, b))
        return a * 2

    ty = rt.FuncType([rt.ValType.i32(), rt.ValType.i64()], [rt.ValType.i32()])
    f = rt.Func(store, ty, host)
    assert f(store, 3, -1) == 6
    assert f.type(store).params == ty.params
    inst = instance(
        rt,
        store,
        """(module
      (import "" "h" (func $h (param i32 i64) (result i32)))
      (func (export "run") (result i32) i32.const 7 i64.const -2 call $h))""",
        [f],
    )
    assert inst.exports(store)["run"](store) == 14
    assert seen == [(3, -1), (7, -2)]


def test_host_multi_value_and_none(rt):
    store = rt.Store()
    ty = rt.FuncType([], [rt.ValType.i32(), rt.ValType.f64()])
    f = rt.Func(store, ty, lambda: (1, 2.5))
    inst = instance(
        rt,
        store,
        """(module (import "" "h" (func $h (result i32 f64)))
      (func (export "run") (result i32) call $h drop))""",
        [f],
    )
    assert inst.exports(store)["run"](store) == 1
    noop = rt.Func(store, rt.FuncType([], []), lambda: None)
    assert noop(store) is None


def test_host_result_errors(rt):
    store = rt.Store()
    bad = rt.Func(store, rt.FuncType([], [rt.ValType.i32()]), lambda: "x")
    with pytest.raises(TypeError):
        bad(store)
    extra = rt.Func(store, rt.FuncType([], []), lambda: 1)
    with pytest.raises(rt.WasmtimeError):
        extra(store)
    wrong_count = rt.Func(store, rt.FuncType([], [rt.ValType.i32()] * 2), lambda: [1])
    with pytest.raises(rt.WasmtimeError):
        wrong_count(store)


class Boom(Exception):
    pass


def test_host_exception_propagates(rt):
    store = rt.Store()

    def fail():
        raise Boom("inner")

    f = rt.Func(store, rt.FuncType([], []), fail)
    inst = instance(
        rt,
        store,
        """(module (import "" "h" (func $h))
      (func (export "run") call $h))""",
        [f],
    )
    with pytest.raises(Boom, match="inner"):
        inst.exports(store)["run"](store)
    # The store stays usable afterwards.
    with pytest.raises(Boom):
        f(store)


def test_host_base_exception_propagates(rt):
    store = rt.Store()

    def stop():
        raise KeyboardInterrupt

    f = rt.Func(store, rt.FuncType([], []), stop)
    inst = instance(
        rt, store, '(module (import "" "h" (func $h)) (func (export "run") call $h))', [f]
    )
    with pytest.raises(KeyboardInterrupt):
        inst.exports(store)["run"](store)


def test_host_trap(rt):
    store = rt.Store()

    def trap():
        raise rt.Trap("custom failure")

    f = rt.Func(store, rt.FuncType([], []), trap)
    inst = instance(
        rt, store, '(module (import "" "h" (func $h)) (func (export "run") call $h))', [f]
    )
    with pytest.raises(rt.Trap, match="custom failure"):
        inst.exports(store)["run"](store)


def test_wasm_trap(rt):
    store = rt.Store()
    inst = instance(
        rt,
        store,
        """(module
      (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
      (func (export "unreachable") unreachable))""",
    )
    ex = inst.exports(store)
    with pytest.raises(rt.Trap) as info:
        ex["div"](store, 1, 0)
    assert info.value.trap_code == rt.TrapCode.INTEGER_DIVISION_BY_ZERO
    with pytest.raises(rt.Trap) as info:
        ex["unreachable"](store)
    assert info.value.trap_code == rt.TrapCode.UNREACHABLE
    assert ex["div"](store, 7, 2) == 3


def test_reentrant_calls(rt):
    store = rt.Store()
    box = {}

    def host(n):
        return box["f"](store, n - 1) + 1 if n > 0 else 0

    h = rt.Func(store, rt.FuncType([rt.ValType.i32()], [rt.ValType.i32()]), host)
    inst = instance(
        rt,
        store,
        """(module (import "" "h" (func $h (param i32) (result i32)))
      (func (export "f") (param i32) (result i32) local.get 0 call $h))""",
        [h],
    )
    box["f"] = inst.exports(store)["f"]
    assert box["f"](store, 20) == 20


def test_refs(rt):
    store = rt.Store()
    inst = instance(
        rt,
        store,
        """(module
      (func (export "ext") (param externref) (result externref) local.get 0)
      (func (export "fn") (param funcref) (result funcref) local.get 0)
      (func (export "isnull") (param externref) (result i32) local.get 0 ref.is_null))""",
    )
    ex = inst.exports(store)
    obj = {"key": [1, 2]}
    assert ex["ext"](store, obj) is obj
    assert ex["ext"](store, None) is None
    assert ex["isnull"](store, None) == 1
    assert ex["isnull"](store, 0) == 0
    f = ex["ext"]
    back = ex["fn"](store, f)
    assert isinstance(back, rt.Func)
    assert back(store, "x") == "x"
    assert ex["fn"](store, None) is None


def test_f32_nan_payload_crosses():
    store = wasmrt.Store()
    inst = instance(
        wasmrt,
        store,
        """(module
      (func (export "id") (param f32) (result f32) local.get 0)
      (func (export "bits") (param f32) (result i32) local.get 0 i32.reinterpret_f32)
      (func (export "mk") (param i32) (result f32) local.get 0 f32.reinterpret_i32))""",
    )
    ex = inst.exports(store)
    for bits in (0x7FA00001, 0xFFC00000, 0x7F800001):
        value = f32_from_bits(bits)
        assert math.isnan(value)
        assert ex["bits"](store, value) == wasmrt.Val.i32(bits).value
        assert f32_to_bits(ex["mk"](store, bits)) == bits
        assert f32_to_bits(ex["id"](store, value)) == bits


def test_v128():
    store = wasmrt.Store()
    try:
        inst = instance(
            wasmrt,
            store,
            """(module
          (func (export "id") (param v128) (result v128) local.get 0)
          (func (export "k") (result v128) v128.const i32x4 1 2 3 -1))""",
        )
    except wasmrt.errors.UnsupportedFeatureError as e:
        pytest.skip(f"SIMD not executable yet: {e}")
    ex = inst.exports(store)
    assert ex["id"](store, 2**128 - 1) == 2**128 - 1
    assert ex["id"](store, bytes(range(16))) == int.from_bytes(bytes(range(16)), "little")
    assert ex["k"](store) == 1 | 2 << 32 | 3 << 64 | 0xFFFFFFFF << 96


def test_cross_store_use_rejected(rt):
    s1, s2 = rt.Store(), rt.Store()
    f = rt.Func(s1, rt.FuncType([], []), lambda: None)
    with pytest.raises(rt.WasmtimeError):
        rt.Instance(s2, rt.Module(s2.engine, '(module (import "" "f" (func)))'), [f])
