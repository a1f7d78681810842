"""Typed function references (Wasm 3.0): ``(ref $t)``, ``(ref null ht)``, ``call_ref``,
``ref.as_non_null``, ``br_on_null``/``br_on_non_null``, non-null locals, table
initialisers; ``ValType.ref`` in the API, and the checks a ``Func`` passes where a
``(ref $t)`` is expected.

wasmtime-py cannot describe typed references (its C API aborts on them), so the tests that
run on both runtimes (``rt``) keep 2.0 types at the boundary.
"""

from __future__ import annotations

import pickle
from types import ModuleType

import pytest

import wasmrt
from wasmrt import _core
from wasmrt.errors import UnsupportedFeatureError, ValidationError
from wasmrt.wat import wat2wasm

DISPATCH = """(module
  (type $bin (func (param i32 i32) (result i32)))
  (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $bin) (i32.sub (local.get 0) (local.get 1)))
  (table $ops 2 (ref null $bin) (ref.func $add))
  (elem (table $ops) (i32.const 1) (ref $bin) (ref.func $sub))
  (global $g (mut (ref null $bin)) (ref.null $bin))
  (func (export "apply") (param i32 i32 i32) (result i32)
    (call_ref $bin (local.get 1) (local.get 2) (table.get $ops (local.get 0))))
  (func (export "tail") (param i32 i32 i32) (result i32)
    (return_call_ref $bin (local.get 1) (local.get 2) (table.get $ops (local.get 0))))
  (func (export "set") (param i32) (global.set $g (table.get $ops (local.get 0))))
  (func (export "call_g") (param i32 i32) (result i32)
    (call_ref $bin (local.get 0) (local.get 1) (global.get $g)))
  (func (export "is_null_g") (result i32)
    (block $null (result i32)
      (br_on_null $null (i32.const 1) (global.get $g)) (drop) (drop) (i32.const 0)))
  (func (export "non_null_g") (result i32) (local $f (ref $bin))
    (block $some (result (ref $bin))
      (br_on_non_null $some (global.get $g)) (return (i32.const -1)))
    (local.set $f)
    (call_ref $bin (i32.const 10) (i32.const 4) (local.get $f)))
  (func (export "as_non_null_g") (result i32)
    (call_ref $bin (i32.const 1) (i32.const 1) (ref.as_non_null (global.get $g)))))"""


def _exports(rt: ModuleType, text: str, imports: list | None = None):  # type: ignore[no-untyped-def]
    engine = rt.Engine()
    store = rt.Store(engine)
    return store, rt.Instance(store, rt.Module(engine, text), imports or []).exports(store)


def test_dispatch_through_typed_references(rt: ModuleType) -> None:
    """call_ref and return_call_ref through a typed table and global, br_on_null,
    br_on_non_null into a non-null local, ref.as_non_null: the same on both runtimes."""
    store, ex = _exports(rt, DISPATCH)
    assert ex["apply"](store, 0, 7, 5) == 12
    assert ex["apply"](store, 1, 7, 5) == 2
    assert ex["tail"](store, 1, 1, 5) == -4
    assert ex["is_null_g"](store) == 1
    assert ex["non_null_g"](store) == -1
    with pytest.raises(rt.Trap, match="null"):
        ex["call_g"](store, 1, 2)
    with pytest.raises(rt.Trap, match="null"):
        ex["as_non_null_g"](store)
    ex["set"](store, 1)
    assert ex["is_null_g"](store) == 0
    assert ex["non_null_g"](store) == 6
    assert ex["call_g"](store, 3, 2) == 1
    assert ex["as_non_null_g"](store) == 0


def test_null_traps_carry_the_spec_words() -> None:
    """call_ref of null: "null function reference"; ref.as_non_null: "null reference"
    (Trap.message), wasmtime's NULL_REFERENCE trap code for both."""
    store, ex = _exports(wasmrt, DISPATCH)
    with pytest.raises(wasmrt.Trap) as info:
        ex["call_g"](store, 1, 2)
    assert info.value.message == "null function reference"
    assert info.value.trap_code == wasmrt.TrapCode.NULL_REFERENCE
    assert "wasm trap: null reference" in str(info.value)
    with pytest.raises(wasmrt.Trap) as info:
        ex["as_non_null_g"](store)
    assert info.value.message == "null reference"


def test_valtype_ref() -> None:
    """ValType.ref: abstract heap types by name, defined ones by FuncType; nullable or
    not; funcref and externref are the nullable abstract ones."""
    vt = wasmrt.ValType
    binary = wasmrt.FuncType([vt.i32(), vt.i32()], [vt.i32()])
    assert vt.ref("func", nullable=True) == vt.funcref()
    assert vt.ref("extern", nullable=True) == vt.externref()
    assert vt.ref("func") != vt.funcref()
    assert str(vt.ref("func")) == "(ref func)"
    assert str(vt.ref("noextern", nullable=True)) == "(ref null noextern)"
    r = vt.ref(binary)
    assert r.is_reference and not r.nullable and r.heap_type == binary
    assert vt.ref(binary, nullable=True) != r
    assert vt.ref(wasmrt.FuncType([vt.i32(), vt.i32()], [vt.i32()])) == r
    assert vt.funcref().heap_type == "func" and vt.funcref().nullable
    assert vt.i32().heap_type is None and not vt.i32().nullable
    assert pickle.loads(pickle.dumps(r)) == r
    with pytest.raises(wasmrt.WasmtimeError, match="unknown heap type"):
        vt.ref("funky")


def test_export_types_are_canonical() -> None:
    """Types of exports and imports name defined types by value: equal across modules,
    and a recursive type keeps its identity."""
    engine = wasmrt.Engine()
    a = wasmrt.Module(engine, DISPATCH)
    b = wasmrt.Module(engine, """(module (type $x (func (param i32 i32) (result i32)))
        (global (export "g") (ref null $x) (ref.null $x)))""")
    binary = wasmrt.FuncType([wasmrt.ValType.i32()] * 2, [wasmrt.ValType.i32()])
    gtype = b.exports[0].type
    assert gtype.content == wasmrt.ValType.ref(binary, nullable=True)
    assert gtype.content.heap_type == binary
    rec = wasmrt.Module(engine, """(module (type $r (func (param (ref null $r))))
        (func (export "f") (type $r)))""").exports[0].type
    (param,) = rec.params
    assert param.heap_type == rec and param.nullable
    assert a.exports[0].type.params == [wasmrt.ValType.i32()] * 3


def test_api_types_naming_defined_types() -> None:
    """A FuncType built in Python whose parameter names another defined type is the
    canonical type a module declares with the same structure (not a recursive type that
    names itself), at every depth, and a Func of it fills such an import."""
    vt = wasmrt.ValType
    inner = wasmrt.FuncType([vt.i32()], [])
    outer = wasmrt.FuncType([vt.ref(inner)], [])
    outer2 = wasmrt.FuncType([vt.ref(outer, nullable=True)], [vt.i64()])
    assert len({inner, outer, outer2}) == 3
    (param,) = outer.params
    assert param.heap_type == inner and param.heap_type != outer
    engine = wasmrt.Engine()
    module = wasmrt.Module(engine, """(module
        (type $i (func (param i32)))
        (type $o (func (param (ref $i))))
        (type $o2 (func (param (ref null $o)) (result i64)))
        (import "env" "f" (func $f (type $o2)))
        (func (export "o") (type $o))
        (func (export "o2") (type $o2) (call $f (local.get 0))))""")
    assert [e.type for e in module.exports] == [outer, outer2]
    store = wasmrt.Store(engine)
    host = wasmrt.Func(store, outer2, lambda f: 7 if f is None else 8)
    inst = wasmrt.Instance(store, module, [host])
    assert inst.exports(store)["o2"](store, None) == 7
    assert inst.exports(store)["o2"](store, inst.exports(store)["o"]) == 8


def test_func_where_a_typed_reference_is_expected() -> None:
    """A Func passed for (ref $t) must be of type $t, and not None for a non-null type:
    arguments, globals, tables, host results."""
    engine = wasmrt.Engine()
    store = wasmrt.Store(engine)
    vt = wasmrt.ValType
    binary = wasmrt.FuncType([vt.i32(), vt.i32()], [vt.i32()])
    unary = wasmrt.FuncType([vt.i32()], [vt.i32()])
    mul = wasmrt.Func(store, binary, lambda a, b: a * b)
    neg = wasmrt.Func(store, unary, lambda a: -a)
    inst = wasmrt.Instance(store, wasmrt.Module(engine, """(module
        (type $bin (func (param i32 i32) (result i32)))
        (func (export "call") (param (ref $bin) i32 i32) (result i32)
          (call_ref $bin (local.get 1) (local.get 2) (local.get 0)))
        (func (export "call_null") (param (ref null $bin)) (result i32)
          (call_ref $bin (i32.const 1) (i32.const 2) (local.get 0))))"""), [])
    ex = inst.exports(store)
    assert ex["call"](store, mul, 6, 7) == 42
    assert ex["call"](store, wasmrt.Val.funcref(mul), 2, 3) == 6
    with pytest.raises(TypeError, match="function of type"):
        ex["call"](store, neg, 6, 7)
    with pytest.raises(TypeError, match="null reference where"):
        ex["call"](store, None, 6, 7)
    with pytest.raises(wasmrt.Trap) as info:
        ex["call_null"](store, None)
    assert info.value.message == "null function reference"
    g = wasmrt.Global(store, wasmrt.GlobalType(vt.ref(binary), True), mul)
    with pytest.raises(TypeError, match="function of type"):
        g.set_value(store, neg)
    with pytest.raises(TypeError, match="null reference"):
        g.set_value(store, None)
    with pytest.raises(TypeError, match="function of type"):
        wasmrt.Global(store, wasmrt.GlobalType(vt.ref(binary), False), neg)
    with pytest.raises(TypeError, match="non-null initial value"):
        wasmrt.Table(store, wasmrt.TableType(vt.ref(binary), wasmrt.Limits(1, None)), None)
    t = wasmrt.Table(store, wasmrt.TableType(vt.ref(binary), wasmrt.Limits(1, None)), mul)
    with pytest.raises(TypeError, match="function of type"):
        t.set(store, 0, neg)
    with pytest.raises(TypeError, match="function of type"):
        t.grow(store, 1, neg)
    assert t.get(store, 0) == mul
    # a host function promising (ref $bin) must return one
    bad = wasmrt.Func(store, wasmrt.FuncType([], [vt.ref(binary)]), lambda: neg)
    with pytest.raises(TypeError, match="function of type"):
        bad(store)


def test_imports_of_typed_globals_and_tables() -> None:
    """An immutable global import matches by subtyping, a mutable one and a table only with
    equal types."""
    engine = wasmrt.Engine()
    store = wasmrt.Store(engine)
    vt = wasmrt.ValType
    binary = wasmrt.FuncType([vt.i32(), vt.i32()], [vt.i32()])
    mul = wasmrt.Func(store, binary, lambda a, b: a * b)
    module = wasmrt.Module(engine, """(module (type $bin (func (param i32 i32) (result i32)))
        (import "m" "g" (global (ref null func))))""")
    exact = wasmrt.Global(store, wasmrt.GlobalType(vt.ref(binary), False), mul)
    wasmrt.Instance(store, module, [exact])          # (ref $bin) <: (ref null func)
    mutable = wasmrt.Module(engine, """(module (import "m" "g" (global (mut (ref null func)))))""")
    with pytest.raises(wasmrt.WasmtimeError, match="incompatible import type"):
        wasmrt.Instance(store, mutable, [wasmrt.Global(store, wasmrt.GlobalType(vt.ref(binary),
                                                                                True), mul)])
    table = wasmrt.Module(engine, """(module (type $bin (func (param i32 i32) (result i32)))
        (import "m" "t" (table 1 (ref null $bin))))""")
    good = wasmrt.Table(store, wasmrt.TableType(vt.ref(binary, nullable=True),
                                                wasmrt.Limits(1, None)), None)
    wasmrt.Instance(store, table, [good])
    funcs = wasmrt.Table(store, wasmrt.TableType(vt.funcref(), wasmrt.Limits(1, None)), None)
    with pytest.raises(wasmrt.WasmtimeError, match="incompatible import type"):
        wasmrt.Instance(store, table, [funcs])


@pytest.mark.parametrize(
    "text, message",
    [
        ("(module (func (local (ref func)) (drop (local.get 0))))", "uninitialized local"),
        (("(module (func (param i32) (local (ref extern)) (if (local.get 0) "
          "(then (local.set 1 (ref.as_non_null (ref.null extern))))) (drop (local.get 1))))"),
         "uninitialized local"),
        ("(module (type $t (func)) (func (param funcref) (call_ref $t (local.get 0))))",
         "type mismatch"),
        ("(module (func (result (ref func)) (ref.null func)))", "type mismatch"),
        ("(module (table 1 (ref func)))", "type mismatch"),
        (("(module (func (block (result funcref) (br_on_non_null 0 (ref.null extern)) "
          "(unreachable))))"), "type mismatch"),
        ("(module (func (param (ref 3))))", "unknown type"),
        ("(module (type $a (func (param (ref $b)))) (type $b (func)))", "unknown type"),
    ],
)
def test_invalid(text: str, message: str) -> None:
    features = _core.WASM2_FEATURES | _core.FEATURE_FUNCTION_REFERENCES
    with pytest.raises(ValidationError, match=message):
        _core.validate_module(wat2wasm(text), features)


def test_defaultable_locals_after_a_non_defaultable_one() -> None:
    """Only the non-defaultable locals must be set before a read: an i32 declared after a
    (ref func) is zero from the start, inside blocks too; a (ref extern) after it still
    counts as unset."""
    features = _core.WASM2_FEATURES | _core.FEATURE_FUNCTION_REFERENCES
    text = """(module (func (export "f") (param i32) (result i32)
        (local (ref func)) (local i32 i64) (local (ref extern))
        (block (loop (local.set 2 (i32.add (local.get 2) (local.get 0)))
                     (br_if 1 (i64.eqz (local.get 3)))))
        (local.get 2)))"""
    _core.validate_module(wat2wasm(text), features)
    store = wasmrt.Store(wasmrt.Engine())
    run = wasmrt.Instance(store, wasmrt.Module(store.engine, text), []).exports(store)["f"]
    assert run(store, 5) == 5
    with pytest.raises(ValidationError, match="uninitialized local"):
        _core.validate_module(wat2wasm(text.replace("(local.get 2)))", "(drop (local.get 4)) "
                                                    "(local.get 2)))")), features)


def test_valid_subtyping() -> None:
    """(ref $t) <: (ref null $t) <: funcref; structurally equal types are one type."""
    features = _core.WASM2_FEATURES | _core.FEATURE_FUNCTION_REFERENCES
    _core.validate_module(wat2wasm("""(module
        (type $a (func (param i32))) (type $b (func (param i32)))
        (func $f (type $a))
        (elem declare func $f)
        (func (result (ref null $b)) (ref.func $f))
        (func (result funcref) (ref.func $f))
        (func (param (ref $a)) (result (ref $b)) (local.get 0))
        (func (result (ref null func)) (ref.null $a)))"""), features)


def test_typed_references_need_the_feature() -> None:
    """Off (Config.wasm_function_references = False): typed forms are unsupported."""
    wasm = wat2wasm("(module (func (param (ref func))))")
    with pytest.raises(UnsupportedFeatureError, match="typed function references"):
        _core.validate_module(wasm, _core.WASM2_FEATURES)
    config = wasmrt.Config()
    config.wasm_function_references = False
    with pytest.raises(wasmrt.WasmtimeError, match="typed function references"):
        wasmrt.Module(wasmrt.Engine(config), wasm)
