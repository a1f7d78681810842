"""The GC heap's size limit, on wasmrt and on wasmtime-py (``rt``): 4 GiB by default (as
wasmtime's GC heap, a memory with a 32-bit index), lowered by ``Store.set_limits``'
``memory_size``.  A full heap raises ``WasmtimeError`` "GC heap out of memory" (wasmtime's
error, not a trap code), at instantiation (a constant expression) as in a function; an
object whose size does not fit 32 bits traps "allocation size too large".
"""

from __future__ import annotations

from types import ModuleType

import pytest

import wasmrt

MIB = 1 << 20

ARRAYS = """(module
  (type $bytes (array (mut i8)))
  (type $longs (array (mut i64)))
  (global $keep (mut (ref null $bytes)) (ref.null $bytes))
  (func (export "new") (param i32) (result i32)
    (array.len (array.new_default $bytes (local.get 0))))
  (func (export "filled") (param i32 i32) (result i32)
    (array.get_u $bytes (array.new $bytes (local.get 1) (local.get 0))
                 (i32.sub (local.get 0) (i32.const 1))))
  (func (export "keep") (param i32) (result i32)
    (global.set $keep (array.new_default $bytes (local.get 0)))
    (array.len (global.get $keep)))
  (func (export "longs") (param i32) (result i32)
    (array.len (array.new_default $longs (local.get 0))))
  (func (export "churn") (param $n i32) (param $len i32) (result i32)
    (local $sum i32)
    (loop $l
      (local.set $sum (i32.add (local.get $sum)
        (array.len (array.new_default $bytes (local.get $len)))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $sum)))
"""


def instance(rt: ModuleType, wat: str, limit: int | None = None):
    store = rt.Store(rt.Engine())
    if limit is not None:
        store.set_limits(memory_size=limit)
    inst = rt.Instance(store, rt.Module(store.engine, wat), [])
    return store, inst.exports(store)


def test_limit_in_a_function(rt: ModuleType) -> None:
    """Under a 64 MiB limit: a 60 MiB array is had, a 100 MiB one is not (an error, not a
    trap), nor one kept alive beside another; the Store runs on afterwards."""
    store, ex = instance(rt, ARRAYS, 64 * MIB)
    assert ex["new"](store, 60 * MIB) == 60 * MIB
    with pytest.raises(rt.WasmtimeError, match="GC heap out of memory"):
        ex["new"](store, 100 * MIB)
    assert ex["keep"](store, 40 * MIB) == 40 * MIB
    with pytest.raises(rt.WasmtimeError, match="GC heap out of memory"):
        ex["keep"](store, 40 * MIB)     # (the first is still held by the global)
    assert ex["filled"](store, 1000, 7) == 7


def test_churn_under_the_limit(rt: ModuleType) -> None:
    """Garbage does not count against the limit: 200 MiB of 1 MiB arrays pass through a
    16 MiB heap (collections make room)."""
    store, ex = instance(rt, ARRAYS, 16 * MIB)
    assert ex["churn"](store, 200, MIB) == 200 * MIB


def test_limit_at_instantiation(rt: ModuleType) -> None:
    """A constant expression allocating past the limit fails the instantiation with
    the same error."""
    wat = """(module (type $bytes (array i8))
      (global (ref $bytes) (array.new_default $bytes (i32.const 0x6000000))))"""
    with pytest.raises(rt.WasmtimeError, match="GC heap out of memory"):
        instance(rt, wat, 64 * MIB)
    instance(rt, wat, 128 * MIB)


def test_globals_before_tables(rt: ModuleType) -> None:
    """Globals are initialised before tables (the spec's order): a module whose global
    and table initialisers both fail gives the global's error."""
    wat = """(module (type $bytes (array i8)) (type $longs (array i64))
      (table 1 (ref null $longs) (array.new_default $longs (i32.const 0x20000000)))
      (global (ref $bytes) (array.new_default $bytes (i32.const 0x6000000))))"""
    with pytest.raises(rt.WasmtimeError, match="GC heap out of memory"):
        instance(rt, wat, 64 * MIB)
    with pytest.raises(rt.Trap, match="allocation size too large"):
        instance(rt, wat, 128 * MIB)


def test_allocation_size_too_large(rt: ModuleType) -> None:
    """An array whose byte size passes 32 bits is a trap, with or without a limit; an
    array of references counts 4 bytes an element there, as wasmtime's (wasmrt's are 8:
    larger ones are out of memory)."""
    for limit in (None, 64 * MIB):
        store, ex = instance(rt, ARRAYS, limit)
        with pytest.raises(rt.Trap, match="allocation size too large"):
            ex["longs"](store, 0x20000000)      # 4 GiB of elements
    wat = """(module (type $refs (array anyref))
      (func (export "refs") (param i32) (result i32)
        (array.len (array.new_default $refs (local.get 0)))))"""
    store, ex = instance(rt, wat, 64 * MIB)
    with pytest.raises(rt.WasmtimeError, match="GC heap out of memory"):
        ex["refs"](store, 0x30000000)
    with pytest.raises(rt.Trap, match="allocation size too large"):
        ex["refs"](store, 0x40000000)


def test_default_limit_is_4_gib() -> None:
    """Without limits, the heap holds at most 4 GiB: two arrays of 2.5 GB do not fit (the
    second fails before any of its pages are taken, and the first, fresh zero pages, is
    never written), and a limit above 4 GiB does not raise it.  (wasmrt only: wasmtime
    writes its arrays' bytes, 5 GB of memory.)"""
    big = 2_500_000_000
    for limit in (None, 8 << 30):
        store, ex = instance(wasmrt, ARRAYS, limit)
        assert ex["keep"](store, big) % (1 << 32) == big    # (an i32 result)
        with pytest.raises(wasmrt.WasmtimeError, match=f"allocation of {big + 16} bytes"):
            ex["new"](store, big)
        assert ex["new"](store, 1000) == 1000
