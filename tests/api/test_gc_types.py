"""GC's types (Wasm 3.0): recursion groups, ``sub``/``final`` with declared supertypes, struct
and array types with packed and mutable fields, the abstract heap types of the any
hierarchy; iso-recursive canonicalisation (equal groups are equal types across modules),
subtyping in validation, ``call_indirect`` and import matching.

wasmtime-py aborts the process on a GC reference type at its API boundary (``anyref``
results, globals), so the tests that run on both runtimes (``rt``) keep 2.0 types there.
"""

from __future__ import annotations

from types import ModuleType

import pytest

import wasmrt
from wasmrt import _core
from wasmrt.errors import UnsupportedFeatureError
from wasmrt.wat import wat2wasm

# A rec group of two mutually recursive struct types, a subtype chain of function types.
TYPES = """
  (rec (type $node (sub (struct (field i32) (field (mut (ref null $list))))))
       (type $list (sub (struct (field (ref null $node))))))
  (type $pair (struct (field $a (mut i8)) (field $b i16)))
  (type $bytes (array (mut i8)))
  (type $base (sub (func (param i32) (result i32))))
  (type $derived (sub $base (func (param i32) (result i32))))
"""


def _instance(rt: ModuleType, text: str, imports: list | None = None):  # type: ignore[no-untyped-def]
    engine = rt.Engine()
    store = rt.Store(engine)
    module = rt.Module(engine, text)
    return store, rt.Instance(store, module, imports or []).exports(store)


def test_equal_rec_groups_are_equal_types_across_modules(rt: ModuleType) -> None:
    """A function whose type sits in a recursion group satisfies an import of the same
    group written in another module (iso-recursive equivalence); a different group, or
    the same type at another place of the group, does not."""
    store = rt.Store(rt.Engine())
    exporter = rt.Module(store.engine, f"""(module {TYPES}
      (rec (type $f (func (param (ref null $g)) (result i32)))
           (type $g (struct (field (ref null $f)))))
      (func (export "f") (type $f) (i32.const 7)))""")
    f = rt.Instance(store, exporter, []).exports(store)["f"]
    same = rt.Module(store.engine, """(module
      (rec (type $f (func (param (ref null $g)) (result i32)))
           (type $g (struct (field (ref null $f)))))
      (import "m" "f" (func (type $f))))""")
    rt.Instance(store, same, [f])
    for other in ("""(rec (type $f (func (param (ref null $g)) (result i32)))
                          (type $g (struct (field (ref null $f)) (field i32))))""",
                  """(rec (type $g (struct (field (ref null $f))))
                          (type $f (func (param (ref null $g)) (result i32))))"""):
        module = rt.Module(store.engine, f"""(module {other}
          (import "m" "f" (func (type $f))))""")
        with pytest.raises(rt.WasmtimeError, match="incompatible|types"):
            rt.Instance(store, module, [f])


def test_subtype_satisfies_a_supertype_import(rt: ModuleType) -> None:
    """A function of a declared subtype satisfies an import of its supertype, not the
    reverse."""
    store = rt.Store(rt.Engine())
    sub = rt.Instance(store, rt.Module(store.engine, f"""(module {TYPES}
      (func (export "f") (type $derived) (i32.add (local.get 0) (i32.const 1))))"""),
                      []).exports(store)["f"]
    sup = rt.Instance(store, rt.Module(store.engine, f"""(module {TYPES}
      (func (export "f") (type $base) (local.get 0)))"""), []).exports(store)["f"]
    importer = rt.Module(store.engine, f"""(module {TYPES}
      (import "m" "f" (func $f (type $base)))
      (func (export "call") (param i32) (result i32) (call $f (local.get 0))))""")
    ex = rt.Instance(store, importer, [sub]).exports(store)
    assert ex["call"](store, 41) == 42
    wants_derived = rt.Module(store.engine, f"""(module {TYPES}
      (import "m" "f" (func (type $derived))))""")
    with pytest.raises(rt.WasmtimeError, match="incompatible|types"):
        rt.Instance(store, wants_derived, [sup])


def test_call_indirect_accepts_a_declared_subtype(rt: ModuleType) -> None:
    """call_indirect of a supertype calls a function of a subtype; of a subtype, a function
    of its supertype traps (and so does an unrelated type of the same shape)."""
    store, ex = _instance(rt, f"""(module {TYPES}
      (type $plain (func (param i32) (result i32)))
      (func $d (type $derived) (i32.mul (local.get 0) (i32.const 2)))
      (func $b (type $base) (i32.mul (local.get 0) (i32.const 3)))
      (table funcref (elem $d $b))
      (func (export "as_base") (param i32 i32) (result i32)
        (call_indirect (type $base) (local.get 1) (local.get 0)))
      (func (export "as_derived") (param i32 i32) (result i32)
        (call_indirect (type $derived) (local.get 1) (local.get 0)))
      (func (export "as_plain") (param i32 i32) (result i32)
        (call_indirect (type $plain) (local.get 1) (local.get 0))))""")
    assert ex["as_base"](store, 0, 5) == 10
    assert ex["as_base"](store, 1, 5) == 15
    assert ex["as_derived"](store, 0, 5) == 10
    for name, index in (("as_derived", 1), ("as_plain", 0), ("as_plain", 1)):
        with pytest.raises(rt.Trap, match="indirect call type mismatch"):
            ex[name](store, index, 5)


@pytest.mark.parametrize(
    "types",
    [
        "(type $t (func)) (type (sub $t (func)))",  # $t is final
        "(type $t (sub final (struct))) (type (sub $t (struct)))",
        "(type $t (sub (struct (field i32)))) (type (sub $t (struct (field i64))))",
        "(type $t (sub (array (mut i8)))) (type (sub $t (array i8)))",
        "(type $t (sub (array (mut anyref)))) (type (sub $t (array (mut eqref))))",
        "(type $t (sub (func (param eqref)))) (type (sub $t (func (param anyref) (result i32))))",
        "(type $t (sub (struct))) (type (sub $t (array i32)))",
        "(type $t (sub (func (result anyref)))) (type (sub $t (func (result funcref))))",
    ],
)
def test_invalid_subtype_declarations(rt: ModuleType, types: str) -> None:
    """A supertype must not be final and the subtype's definition must match it."""
    with pytest.raises(rt.WasmtimeError):
        rt.Module(rt.Engine(), f"(module {types})")


@pytest.mark.parametrize(
    "types",
    [
        "(type $t (sub (struct (field i32)))) (type (sub $t (struct (field i32) (field i64))))",
        "(type $t (sub (array anyref))) (type (sub final $t (array eqref)))",
        ("(type $t (sub (func (param eqref) (result anyref))))"
        " (type (sub $t (func (param anyref) (result i31ref))))"),
        ("(rec (type $a (sub (struct (field (ref null $b))))) (type $b (sub $a (struct"
        " (field (ref null $b)) (field i8)))))"),
    ],
)
def test_valid_subtype_declarations(rt: ModuleType, types: str) -> None:
    """Width and depth subtyping of structs, covariant immutable fields, contravariant
    parameters, a supertype declared earlier in the same recursion group."""
    rt.Module(rt.Engine(), f"(module {types})")


def test_any_hierarchy_values_cross_as_none() -> None:
    """Nulls of the any hierarchy (anyref, eqref, i31ref, structref, arrayref, nullref,
    (ref null $struct)) cross the API as None, both ways; a non-null type refuses None and
    a Python object is no GC reference."""
    store, ex = _instance(wasmrt, f"""(module {TYPES}
      (global (export "g") (mut (ref null $pair)) (ref.null none))
      (table (export "t") 2 eqref)
      (func (export "id") (param anyref eqref i31ref structref arrayref nullref)
                          (result anyref eqref i31ref structref arrayref nullref)
        (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5))
      (func (export "is_null") (param (ref null $node)) (result i32)
        (ref.is_null (local.get 0)))
      (func (export "needs") (param (ref $node))))""")
    assert ex["id"](store, None, None, None, None, None, None) == [None] * 6
    assert ex["is_null"](store, None) == 1
    assert ex["g"].value(store) is None
    ex["g"].set_value(store, None)
    assert ex["t"].get(store, 1) is None
    with pytest.raises(TypeError):
        ex["needs"](store, None)
    with pytest.raises(TypeError):
        ex["is_null"](store, 5)
    ty = ex["id"].type(store)
    assert [str(t) for t in ty.params] == [
        "(ref null any)", "(ref null eq)", "(ref null i31)", "(ref null struct)",
        "(ref null array)", "(ref null none)"]


def test_struct_and_array_types_decode() -> None:
    """The decoder reads recursion groups, supertypes, finality, packed and mutable fields;
    the two types of an equal group in another module get the same canonical ids."""
    info = _core.validate_module(wat2wasm(f"(module {TYPES})"), sum(_core.FEATURES.values()))
    node, lst, pair, arr, base, derived = info.types
    assert (node.kind, lst.kind, pair.kind, arr.kind) == (_core.TYPE_STRUCT,) * 3 + (
        _core.TYPE_ARRAY,)
    assert pair.fields == ((0x78, True), (0x77, False))
    assert arr.fields == ((0x78, True),)
    assert not node.final and pair.final and derived.supertype == 4
    again = _core.validate_module(wat2wasm(f"(module (type (func)) {TYPES})"),
                                  sum(_core.FEATURES.values()))
    assert [t.type_id for t in again.types[1:]] == [t.type_id for t in info.types]
    assert _core.canonical_matches(derived.type_id, base.type_id)
    assert not _core.canonical_matches(base.type_id, derived.type_id)


def test_gc_off_and_gc_instructions() -> None:
    """With wasm_gc off, GC types and instructions are refused at compile time with an
    UnsupportedFeatureError naming them; with it on, struct.new compiles."""
    config = wasmrt.Config()
    config.wasm_gc = False
    with pytest.raises(wasmrt.WasmtimeError, match="gc"):
        wasmrt.Module(wasmrt.Engine(config), "(module (type (struct)))")
    # (type $s (struct)) (func (result (ref $s)) (struct.new $s))
    binary = bytes.fromhex("0061736d01000000" "0108025f006000016400" "03020101"
                           "0a070105" "00fb00000b")
    with pytest.raises(UnsupportedFeatureError, match="gc"):
        _core.validate_module(binary, _core.FEATURES["function_references"])
    wasmrt.Module(wasmrt.Engine(), binary)


I31 = """(module
  (global $g i31ref (ref.i31 (i32.const -5)))
  (global $m (mut eqref) (ref.null eq))
  (func (export "get_s") (param i32) (result i32) (i31.get_s (ref.i31 (local.get 0))))
  (func (export "get_u") (param i32) (result i32) (i31.get_u (ref.i31 (local.get 0))))
  (func (export "global") (result i32) (i31.get_s (global.get $g)))
  (func (export "eq") (param i32 i32) (result i32)
    (ref.eq (ref.i31 (local.get 0)) (ref.i31 (local.get 1))))
  (func (export "eq_null") (param i32) (result i32)
    (global.set $m (ref.i31 (local.get 0)))
    (ref.eq (global.get $m) (ref.null none)))
  (func (export "null_get") (result i32) (i31.get_u (ref.null i31)))
  (func (export "mk") (param i32) (result i31ref) (ref.i31 (local.get 0)))
  (func (export "id") (param anyref) (result anyref) (local.get 0)))"""


def test_i31_and_ref_eq(rt: ModuleType) -> None:
    """ref.i31 keeps the low 31 bits, i31.get_s/u extend them, ref.eq compares i31 values
    (and nulls), an i31 in a constant expression; i31.get of null traps."""
    store, ex = _instance(rt, I31)
    assert [ex["get_s"](store, x) for x in (0, 1, -1, 0x40000000, 0x7FFFFFFF, -0x40000001)] \
        == [0, 1, -1, -0x40000000, -1, 0x3FFFFFFF]
    assert [ex["get_u"](store, x) for x in (0, 1, -1, 0x40000000)] \
        == [0, 1, 0x7FFFFFFF, 0x40000000]
    assert ex["global"](store) == -5
    assert [ex["eq"](store, a, b) for a, b in ((1, 1), (1, 2), (1, -0x7FFFFFFF), (0, 0))] \
        == [1, 0, 1, 1]
    assert ex["eq_null"](store, 0) == 0
    with pytest.raises(rt.Trap):
        ex["null_get"](store)


def test_i31_crosses_the_api_as_its_value() -> None:
    """An i31 reference crosses to Python as its signed value; an int in the i31 range
    (signed or unsigned 31 bits) crosses to an anyref, eqref or i31ref as an i31."""
    store, ex = _instance(wasmrt, I31)
    assert [ex["mk"](store, x) for x in (5, -1, 0x40000000)] == [5, -1, -0x40000000]
    assert [ex["id"](store, x) for x in (7, -(1 << 30), (1 << 31) - 1, None)] \
        == [7, -(1 << 30), -1, None]
    for bad in (1 << 31, -(1 << 30) - 1, True):      # ints outside the i31 range
        with pytest.raises(TypeError):
            ex["id"](store, bad)
    assert ex["id"](store, 1.5) == 1.5      # another object: a host object (anyref)
    with pytest.raises(wasmrt.Trap) as trap:
        ex["null_get"](store)
    assert trap.value.message == "null i31 reference"       # the spec's words
    assert "wasm trap: null reference" in str(trap.value)   # wasmtime's
