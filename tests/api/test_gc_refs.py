"""GC references as Python values: a struct or array crossing the API is a ``StructRef`` /
``ArrayRef`` (``AnyRef``) that pins its object while it lives; null is ``None`` and an
i31 an ``int``.  Every place values cross: parameters and results (also of host
functions), globals, tables, ``Val``, exception payloads and ``call_async``.  The
differential part keeps GC reference types off wasmtime-py 51's boundary (it aborts on
them) and compares what it can: i31 and null through ``externref``."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from types import ModuleType
from typing import Any

import pytest

import wasmrt
from wasmrt import _interp
from wasmrt.api import AnyRef, ArrayRef, StructRef

WAT = """
(module
  (type $p (struct (field (mut i32)) (field i64)))
  (type $p0 (sub (struct (field (mut i32)) (field i64))))
  (type $q (sub $p0 (struct (field (mut i32)) (field i64) (field f32))))
  (type $a (array (mut i8)))
  (type $node (struct (field (mut anyref))))
  (tag $t (export "tag") (param anyref i32))
  (global $g (export "g") (mut anyref) (ref.null any))
  (global $gs (export "gs") (mut (ref null $p)) (ref.null $p))
  (table $t (export "t") 4 anyref)
  (table $ts (export "ts") 2 structref)
  (func (export "mk") (param i32) (result (ref $p)) (struct.new $p (local.get 0) (i64.const 7)))
  (func (export "mk_q") (param i32) (result (ref $q))
    (struct.new $q (local.get 0) (i64.const 1) (f32.const 2.5)))
  (func (export "mka") (param i32) (result arrayref) (array.new $a (i32.const 200) (local.get 0)))
  (func (export "x") (param (ref null $p)) (result i32) (struct.get $p 0 (local.get 0)))
  (func (export "x0") (param (ref null $p0)) (result i32) (struct.get $p0 0 (local.get 0)))
  (func (export "len") (param arrayref) (result i32) (array.len (local.get 0)))
  (func (export "eq") (param eqref eqref) (result i32) (ref.eq (local.get 0) (local.get 1)))
  (func (export "id") (param anyref) (result anyref) (local.get 0))
  (func (export "ext") (param anyref) (result externref) (extern.convert_any (local.get 0)))
  (func (export "is_i31") (param anyref) (result i32) (ref.test (ref i31) (local.get 0)))
  (func (export "i31") (param i32) (result i31ref) (ref.i31 (local.get 0)))
  (func (export "throw") (param anyref) (throw $t (local.get 0) (i32.const 3)))
  (func (export "churn") (param i32)           ;; allocation-triggered collections
    (loop $l
      (drop (struct.new $node (ref.null any)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))
)"""

ANY = wasmrt.ValType.ref("any", nullable=True)
SIZE_P = 32     # bytes of a $p object: header 8, i32 at 8, i64 at 16 (16-byte cells)


def setup(store: wasmrt.Store | None = None) -> tuple[wasmrt.Store, Any]:
    store = store or wasmrt.Store()
    inst = wasmrt.Instance(store, wasmrt.Module(store.engine, WAT), [])
    return store, inst.exports(store)


def stats(store: wasmrt.Store) -> dict[str, int]:
    return _interp.gc_stats(store._context())  # type: ignore[no-any-return]


def test_params_results_identity_and_equality() -> None:
    store, ex = setup()
    s = ex["mk"](store, 5)
    a = ex["mka"](store, 3)
    assert isinstance(s, StructRef) and isinstance(s, AnyRef) and s.kind == "struct"
    assert isinstance(a, ArrayRef) and a.kind == "array"
    assert ex["x"](store, s) == 5 and ex["len"](store, a) == 3
    back = ex["id"](store, s)
    assert back is not s and back == s and hash(back) == hash(s)
    assert ex["eq"](store, s, back) == 1 and ex["eq"](store, s, ex["mk"](store, 5)) == 0
    assert s != a and s != ex["mk"](store, 5) and s != 5 and s is not None
    assert {s, back, a} == {s, a}
    assert "StructRef" in repr(s)
    # null stays None, an i31 an int, in and out
    assert ex["id"](store, None) is None
    assert ex["i31"](store, -5) == -5 and ex["id"](store, (1 << 30) - 1) == (1 << 30) - 1
    assert ex["is_i31"](store, 7) == 1 and ex["is_i31"](store, s) == 0


def test_subtypes_and_wrong_types_refused() -> None:
    """A value fits where its type or a supertype is expected: a $q struct is a $p0, not a
    $p; a struct is no arrayref or i31ref; ints and host objects are no struct."""
    store, ex = setup()
    s, q, a = ex["mk"](store, 1), ex["mk_q"](store, 9), ex["mka"](store, 2)
    assert ex["x0"](store, q) == 9
    with pytest.raises(TypeError, match=r"struct of type .* where \(ref null \$\d+\) is expected"):
        ex["x"](store, q)
    with pytest.raises(TypeError, match="array of type"):
        ex["x"](store, a)
    with pytest.raises(TypeError, match=r"where \(ref null array\) is expected"):
        ex["len"](store, s)
    with pytest.raises(TypeError):
        ex["x"](store, 5)
    with pytest.raises(TypeError):
        ex["eq"](store, object(), None)         # host objects are no eqref
    with pytest.raises(TypeError):
        ex["id"](store, True)
    with pytest.raises(TypeError):
        ex["id"](store, 1 << 40)                # not an i31
    with pytest.raises(TypeError, match="not by Python"):
        AnyRef()
    with pytest.raises(TypeError, match="cannot pickle"):
        import pickle
        pickle.dumps(s)


def test_another_store_refuses_a_reference() -> None:
    store, ex = setup()
    store2, ex2 = setup()
    s = ex["mk"](store, 1)
    with pytest.raises(ValueError, match="GC reference belongs to another store"):
        ex2["x"](store2, s)
    with pytest.raises(ValueError, match="another store"):
        ex2["g"].set_value(store2, s)
    with pytest.raises(ValueError, match="another store"):
        ex2["t"].set(store2, 0, s)


def test_host_objects_as_anyref() -> None:
    """Any other Python object passed as anyref is a host object (any.convert_extern's):
    it comes back as itself, through externref too; a GC reference passed as externref
    is the object (extern.convert_any's)."""
    store, ex = setup()
    marker = object()
    assert ex["id"](store, marker) is marker
    assert ex["ext"](store, marker) is marker
    s = ex["mk"](store, 1)
    assert ex["ext"](store, s) == s
    assert ex["is_i31"](store, marker) == 0


def test_globals_tables_and_val() -> None:
    store, ex = setup()
    s, a = ex["mk"](store, 4), ex["mka"](store, 1)
    g, gs, t, ts = ex["g"], ex["gs"], ex["t"], ex["ts"]
    g.set_value(store, s)
    assert g.value(store) == s
    g.set_value(store, 17)
    assert g.value(store) == 17
    gs.set_value(store, s)
    assert ex["x"](store, gs.value(store)) == 4
    with pytest.raises(TypeError):
        gs.set_value(store, a)
    t.set(store, 1, a)
    assert t.get(store, 1) == a and t.get(store, 0) is None
    assert t.grow(store, 2, s) == 4 and t.get(store, 5) == s
    ts.set(store, 0, s)
    assert ts.get(store, 0) == s
    with pytest.raises(TypeError):
        ts.set(store, 1, a)
    # Val wrappers of the any hierarchy
    assert ex["id"](store, wasmrt.Val(ANY, s)) == s
    assert ex["x"](store, wasmrt.Val(wasmrt.ValType.ref("struct", True), s)) == 4
    with pytest.raises(TypeError, match="wrong type of `Val`"):
        ex["id"](store, wasmrt.Val.externref(s))
    # a Global and a Table made by Python
    g2 = wasmrt.Global(store, wasmrt.GlobalType(ANY, True), s)
    assert g2.value(store) == s
    t2 = wasmrt.Table(store, wasmrt.TableType(ANY, wasmrt.Limits(2, None)), a)
    assert t2.get(store, 1) == a


def test_host_functions_take_and_return_references() -> None:
    store = wasmrt.Store()
    seen: list[Any] = []

    def host(x: Any) -> Any:
        seen.append(x)
        return x

    module = wasmrt.Module(store.engine, """(module
      (type $p (struct (field i32)))
      (import "h" "f" (func $f (param anyref) (result anyref)))
      (func (export "run") (param i32) (result i32)
        (struct.get $p 0 (ref.cast (ref $p) (call $f (struct.new $p (local.get 0)))))))""")
    f = wasmrt.Func(store, wasmrt.FuncType([ANY], [ANY]), host)
    ex = wasmrt.Instance(store, module, [f]).exports(store)
    assert ex["run"](store, 41) == 41
    assert isinstance(seen[0], StructRef)
    # a host function returning a reference of the wrong type traps the call with TypeError
    module2 = wasmrt.Module(store.engine, """(module
      (type $p (struct (field i32)))
      (import "h" "g" (func $g (result structref)))
      (func (export "run") (result structref) (call $g)))""")
    g = wasmrt.Func(store, wasmrt.FuncType([], [wasmrt.ValType.ref("struct", True)]),
                    lambda: 5)
    with pytest.raises(TypeError):
        wasmrt.Instance(store, module2, [g]).exports(store)["run"](store)


def test_exception_payloads_and_call_async() -> None:
    store, ex = setup()
    s = ex["mk"](store, 8)
    with pytest.raises(wasmrt.WasmException) as info:
        ex["throw"](store, s)
    assert info.value.values == [s, 3]

    async def main() -> Any:
        return await ex["id"].call_async(store, s)
    assert asyncio.run(main()) == s


def test_a_reference_pins_its_object() -> None:
    """An object held only from Python survives Store.gc() and the collections a long
    allocation loop starts, and dies once its last reference is dropped."""
    store, ex = setup()
    s = ex["mk"](store, 123)
    store.gc()
    ex["churn"](store, 400_000)                 # 16 bytes each: over 4 MiB, collections
    assert stats(store)["collections"] >= 2
    assert ex["x"](store, s) == 123
    store.gc()
    live = stats(store)["live"]
    assert live == SIZE_P                       # `s` alone
    copy = ex["id"](store, s)
    del s
    store.gc()
    assert stats(store)["live"] == live         # `copy` still pins it
    assert ex["x"](store, copy) == 123
    del copy
    gc.collect()
    store.gc()
    assert stats(store)["live"] == 0
    assert stats(store)["pins"] == 0


def test_many_references_unpin_in_any_order() -> None:
    """Pins are counts in the objects' headers: 20,000 live references released oldest
    first leave nothing pinned (the list of pinned objects is compacted by a collection)."""
    store, ex = setup()
    refs = [ex["mk"](store, i) for i in range(20_000)]
    twice = [ex["id"](store, r) for r in refs[:100]]
    assert stats(store)["pins"] == 20_000
    store.gc()
    live = stats(store)["live"]
    while refs:
        refs.pop(0)
    store.gc()
    assert stats(store)["live"] == 100 * SIZE_P and live == 20_000 * SIZE_P
    assert [ex["x"](store, r) for r in twice[:3]] == [0, 1, 2]
    del twice
    store.gc()
    assert stats(store)["live"] == 0 and stats(store)["pins"] == 0


def test_references_dropped_on_another_thread_while_wasm_runs() -> None:
    """A reference dropped by a thread other than the one running the Store's wasm (which
    may be collecting without the GIL, writing the same header words) queues its unpin for
    the collector: here while the guest waits in a host call, and 20,000 of them while a
    guest without the GIL allocates through collections."""
    config = wasmrt.Config()
    config.release_gil = True
    store = wasmrt.Store(wasmrt.Engine(config))
    inside, dropped = threading.Event(), threading.Event()

    def wait() -> None:
        inside.set()
        assert dropped.wait(30)

    module = wasmrt.Module(store.engine, WAT.replace(
        "(type $a", '(import "h" "wait" (func $wait)) (type $a').replace(
        ";; allocation-triggered collections", "(call $wait)"))
    hf = wasmrt.Func(store, wasmrt.FuncType([], []), wait)
    ex = wasmrt.Instance(store, module, [hf]).exports(store)
    refs = [ex["mk"](store, 9)]
    ctx = store._context()      # (the Store's API refuses this thread while wasm runs)

    def drop() -> None:
        assert inside.wait(30)
        refs.clear()                            # queued: the guest's thread runs wasm
        assert _interp.gc_stats(ctx)["unpins"] == 1
        dropped.set()

    t = threading.Thread(target=drop)
    t.start()
    ex["churn"](store, 1)
    t.join()
    store.gc()
    assert stats(store)["unpins"] == 0 and stats(store)["live"] == 0

    # unpins on this thread while the guest collects on another
    refs = [ex["mk"](store, i) for i in range(20_000)]
    keep = refs[::1000]
    c0 = stats(store)["collections"]
    runner = threading.Thread(target=ex["churn"], args=(store, 4_000_000))
    runner.start()
    while _interp.gc_stats(ctx)["collections"] == c0:    # the guest is collecting
        time.sleep(0.001)
    queued = 0
    while refs:
        del refs[-20:]
        queued = max(queued, _interp.gc_stats(ctx)["unpins"])
    runner.join()
    assert stats(store)["collections"] >= c0 + 5
    assert queued > 0
    store.gc()
    assert stats(store)["unpins"] == 0
    assert stats(store)["live"] == len(keep) * SIZE_P
    assert [ex["x"](store, r) for r in keep[:3]] == [0, 1000, 2000]
    del keep
    store.gc()
    assert stats(store)["live"] == 0 and stats(store)["pins"] == 0


def test_a_reference_keeps_its_store_alive() -> None:
    """The public Store may go; the runtime store (and its heap) stays while a reference
    does: the object reads the same after other Stores reuse the freed memory."""
    store, ex = setup()
    s = ex["mk"](store, 77)
    ctx = store._context()
    type_id = s.type_id
    held = [r for r in gc.get_referents(s) if isinstance(r, _interp.StoreCtx)]
    assert held == [ctx]
    del store, ex, ctx, held
    gc.collect()
    for _ in range(3):
        other, ex2 = setup()
        ex2["churn"](other, 10_000)
    assert s.kind == "struct" and s.type_id == type_id


def test_i31_and_null_through_externref(rt: ModuleType) -> None:
    """What wasmtime-py can carry: i31s and nulls made in wasm and converted to externref
    (its anyref boundary aborts).  Null is None on both; a Python int passed as externref
    is a host object on both (not an i31); an i31 leaving as externref is its int on
    wasmrt (as an anyref would be), None on wasmtime-py 51 (its externref has no data)."""
    store = rt.Store(rt.Engine())
    module = rt.Module(store.engine, """(module
      (func (export "mk") (param i32) (result externref)
        (extern.convert_any (ref.i31 (local.get 0))))
      (func (export "is_i31") (param externref) (result i32)
        (ref.test (ref i31) (any.convert_extern (local.get 0))))
      (func (export "is_null") (param externref) (result i32)
        (ref.is_null (any.convert_extern (local.get 0))))
      (func (export "null") (result externref)
        (extern.convert_any (ref.null any))))""")
    ex = rt.Instance(store, module, []).exports(store)
    assert ex["null"](store) is None
    assert ex["is_null"](store, None) == 1 and ex["is_null"](store, 5) == 0
    assert ex["is_i31"](store, 5) == 0 and ex["is_i31"](store, None) == 0
    assert ex["mk"](store, -9) == (-9 if rt is wasmrt else None)


FIELDS = """
(module
  (type $p (struct (field (mut i8)) (field i64) (field (mut anyref)) (field funcref)
                   (field (mut v128)) (field f32) (field (mut i16))))
  (type $a (array (mut i16)))
  (type $c (array f64))
  (type $s (sub (struct (field i32))))
  (type $t (sub $s (struct (field i32) (field i32))))
  (elem declare func $f)
  (func $f)
  (func (export "mk") (result (ref $p))
    (struct.new $p (i32.const -1) (i64.const -7) (ref.i31 (i32.const 3)) (ref.func $f)
      (v128.const i64x2 1 2) (f32.const 1.5) (i32.const 0x8001)))
  (func (export "mka") (param i32) (result (ref $a)) (array.new $a (i32.const -2) (local.get 0)))
  (func (export "mkc") (result (ref $c)) (array.new_fixed $c 2 (f64.const 1) (f64.const 2)))
  (func (export "mkt") (result (ref $t)) (struct.new $t (i32.const 1) (i32.const 2)))
  (func (export "get0_s") (param (ref $p)) (result i32) (struct.get_s $p 0 (local.get 0)))
  (func (export "geta_s") (param (ref $a) i32) (result i32)
    (array.get_s $a (local.get 0) (local.get 1)))
  (func (export "take") (param (ref null $p) (ref null $a)))
)"""


def test_fields_read_and_written_from_python() -> None:
    """StructRef.field/set_field and ArrayRef.len/get/set: typed as the type says (packed
    fields zero-extended, as wasmtime reads them; writes wrap to the width and are seen by
    wasm's get_s), bounds-checked, immutable fields refused, the Store checked."""
    store = wasmrt.Store()
    ex = wasmrt.Instance(store, wasmrt.Module(store.engine, FIELDS), []).exports(store)
    s = ex["mk"](store)
    got = [s.field(store, i) for i in range(7)]
    assert got[:3] == [0xFF, -7, 3] and got[4:] == [(2 << 64) | 1, 1.5, 0x8001]
    assert isinstance(got[3], wasmrt.Func)
    s.set_field(store, 0, 0x17F)                # wrapped to 8 bits
    assert s.field(store, 0) == 0x7F and ex["get0_s"](store, s) == 0x7F
    s.set_field(store, 0, -1)
    assert s.field(store, 0) == 0xFF and ex["get0_s"](store, s) == -1
    s.set_field(store, 2, s)
    assert s.field(store, 2) == s
    s.set_field(store, 2, None)
    assert s.field(store, 2) is None
    s.set_field(store, 4, b"\x01" * 16)
    assert s.field(store, 4) == int.from_bytes(b"\x01" * 16, "little")
    with pytest.raises(wasmrt.WasmtimeError, match="field 1 is immutable"):
        s.set_field(store, 1, 5)
    with pytest.raises(IndexError, match="the struct has 7 fields"):
        s.field(store, 7)
    with pytest.raises(IndexError):
        s.field(store, -1)
    with pytest.raises(TypeError):
        s.set_field(store, 2, 1 << 40)
    a = ex["mka"](store, 3)
    assert a.len(store) == 3 and [a.get(store, i) for i in range(3)] == [0xFFFE] * 3
    a.set(store, 1, -3)
    assert a.get(store, 1) == 0xFFFD and ex["geta_s"](store, a, 1) == -3
    with pytest.raises(IndexError, match="the array has 3 elements"):
        a.get(store, 3)
    with pytest.raises(IndexError):
        a.set(store, 3, 0)
    c = ex["mkc"](store)
    assert [c.get(store, i) for i in range(c.len(store))] == [1.0, 2.0]
    with pytest.raises(wasmrt.WasmtimeError, match="immutable array"):
        c.set(store, 0, 1.0)
    other = wasmrt.Store()
    with pytest.raises(ValueError, match="another store"):
        s.field(other, 0)
    store.close()
    with pytest.raises(ValueError, match="closed"):
        a.len(store)


def test_struct_and_array_types() -> None:
    """ValType.heap_type of a defined struct/array type is its StructType/ArrayType (not
    a function type); AnyRef.type gives the object's; they round-trip through
    ValType.ref and compare by canonical identity."""
    store = wasmrt.Store()
    ex = wasmrt.Instance(store, wasmrt.Module(store.engine, FIELDS), []).exports(store)
    params = ex["take"].type(store).params
    st, at = params[0].heap_type, params[1].heap_type
    assert isinstance(st, wasmrt.StructType) and isinstance(at, wasmrt.ArrayType)
    assert [(f.storage, f.mutable) for f in st.fields] == [
        ("i8", True), (wasmrt.ValType.i64(), False), (ANY, True),
        (wasmrt.ValType.funcref(), False), (wasmrt.ValType.v128(), True),
        (wasmrt.ValType.f32(), False), ("i16", True)]
    assert at.field_type == wasmrt.FieldType("i16", True)
    assert wasmrt.ValType.ref(st, nullable=True) == params[0]
    assert ex["mk"](store).type(store) == st and ex["mka"](store, 1).type(store) == at
    t = ex["mkt"](store).type(store)
    assert isinstance(t, wasmrt.StructType) and not t.final
    assert t.supertype is not None and len(t.supertype.fields) == 1 and t.supertype.supertype is None
    assert st != at and st.final
    with pytest.raises(wasmrt.WasmtimeError):
        wasmrt.StructType()
    # a struct-typed value is no function reference: results are not wrapped as Func
    assert not isinstance(ex["mk"](store), wasmrt.Func)

