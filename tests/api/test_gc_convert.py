"""``any.convert_extern`` / ``extern.convert_any``: a host object's cell is the same in
both hierarchies (``index << 2 | 2``), so the conversions are the identity on cells; the
result is nullable iff the operand is.  Differential where the values crossing the API are
externrefs (wasmtime-py 51 aborts on anyref in a function type)."""

from __future__ import annotations

from types import ModuleType

import pytest

import wasmrt
from wasmrt.errors import ValidationError

SIMPLE = """
(module
  (global $imp (import "h" "g") externref)
  (global $any (mut anyref) (any.convert_extern (global.get $imp)))
  (global $back (export "back") externref
    (extern.convert_any (any.convert_extern (global.get $imp))))
  (table $t 2 anyref)
  (func (export "roundtrip") (param externref) (result externref)
    (extern.convert_any (any.convert_extern (local.get 0))))
  (func (export "through_table") (param externref) (result externref)
    (table.set $t (i32.const 1) (any.convert_extern (local.get 0)))
    (extern.convert_any (table.get $t (i32.const 1))))
  (func (export "is_null") (param externref) (result i32)
    (ref.is_null (any.convert_extern (local.get 0))))
  (func (export "from_global") (result externref)
    (extern.convert_any (global.get $any))))
"""


def test_host_objects_round_trip(rt: ModuleType) -> None:
    """A host object converted to anyref (in a local, a table, a global initialiser) and
    back is the same object; null stays null."""
    store = rt.Store(rt.Engine())
    marker = object()
    g = rt.Global(store, rt.GlobalType(rt.ValType.externref(), False), marker)
    inst = rt.Instance(store, rt.Module(store.engine, SIMPLE), [g])
    ex = inst.exports(store)
    payload = {"k": 1}

    def unwrap(v: object) -> object:
        return getattr(v, "value", v)
    assert unwrap(ex["roundtrip"](store, payload)) is payload
    assert unwrap(ex["through_table"](store, payload)) is payload
    assert ex["roundtrip"](store, None) is None
    assert ex["is_null"](store, None) == 1 and ex["is_null"](store, payload) == 0
    assert unwrap(ex["from_global"](store)) is marker
    assert unwrap(ex["back"].value(store)) is marker


def test_nullability_follows_the_operand() -> None:
    """(ref extern) converts to (ref any): a function returning the non-null type
    validates; a nullable operand gives a nullable result, which does not."""
    engine = wasmrt.Engine()
    wasmrt.Module(engine, """(module
      (func (param (ref extern)) (result (ref any)) (any.convert_extern (local.get 0)))
      (func (param (ref any)) (result (ref extern)) (extern.convert_any (local.get 0)))
      (func (result (ref any)) (unreachable) (any.convert_extern)))""")
    for text in (
        "(func (param externref) (result (ref any)) (any.convert_extern (local.get 0)))",
        "(func (param anyref) (result (ref extern)) (extern.convert_any (local.get 0)))",
        "(func (param anyref) (result anyref) (any.convert_extern (local.get 0)))",
        "(func (param externref) (result externref) (extern.convert_any (local.get 0)))",
    ):
        with pytest.raises(ValidationError, match="type mismatch"):
            wasmrt.Module(engine, f"(module {text})")


def test_i31_through_extern_and_back() -> None:
    """An i31 converted to externref (kept in a global) and back to anyref is the same
    i31 (wasmrt only: the result crosses as an anyref); as an externref it crosses as its
    value too."""
    store = wasmrt.Store(wasmrt.Engine())
    inst = wasmrt.Instance(store, wasmrt.Module(store.engine, """(module
      (global $e (mut externref) (ref.null extern))
      (func (export "f") (param i32) (result anyref)
        (global.set $e (extern.convert_any (ref.i31 (local.get 0))))
        (any.convert_extern (global.get $e)))
      (func (export "g") (result externref) (global.get $e)))"""), [])
    ex = inst.exports(store)
    assert ex["f"](store, -5) == -5
    assert ex["g"](store) == -5


def test_store_gc_keeps_host_objects_held_as_anyref() -> None:
    """Store.gc() releases host objects no longer referenced, but not one held only in an
    anyref table (converted), and it keeps the cells valid after renumbering."""
    store = wasmrt.Store(wasmrt.Engine())
    g = wasmrt.Global(store, wasmrt.GlobalType(wasmrt.ValType.externref(), False), None)
    inst = wasmrt.Instance(store, wasmrt.Module(store.engine, SIMPLE), [g])
    ex = inst.exports(store)
    garbage = [object() for _ in range(5)]
    for obj in garbage:
        ex["roundtrip"](store, obj)
    kept = {"kept": True}
    ex["through_table"](store, kept)
    store.gc()
    assert len(store._context().externs) == 1
    assert ex["through_table"](store, kept) is kept
    assert ex["roundtrip"](store, kept) is kept
