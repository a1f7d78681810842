"""Exceptions are objects of their Store's GC heap: collected once nothing refers to them,
kept by exnref globals, tables, payloads, slots and Python values (ExnRef, WasmException)
across collections."""

from __future__ import annotations

import gc

import pytest

import wasmrt
from wasmrt import _interp

LOOP = """(module
  (type $box (struct (field i32)))
  (tag $t (param (ref $box) i32))
  (func (export "run") (param $n i32) (result i32)
    (local $sum i32) (local $k i32)
    (loop $l
      (block $h (result (ref $box) i32)
        (try_table (catch $t $h)
          (throw $t (struct.new $box (local.get $n)) (i32.const 1)))
        (unreachable))
      local.set $k
      struct.get $box 0
      local.get $k
      i32.add
      local.get $sum
      i32.add
      local.set $sum
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $sum)))"""


def stats(store: wasmrt.Store) -> dict[str, int]:
    return dict(_interp.gc_stats(store._context()))


def test_ten_million_exceptions_in_bounded_memory() -> None:
    """A guest throwing and catching 10M exceptions (each with a new struct in its
    payload: the throw is a safepoint that must keep it) runs in a heap of a few pages:
    every caught exception is garbage once its payload is taken."""
    store = wasmrt.Store()
    ex = wasmrt.Instance(store, wasmrt.Module(store.engine, LOOP), []).exports(store)
    n = 10_000_000
    expected = (n * (n + 1) // 2 + n) & 0xFFFFFFFF
    assert ex["run"](store, n) & 0xFFFFFFFF == expected
    s = stats(store)
    assert s["objects"] == 2 * n
    assert s["collections"] >= 50
    assert s["bytes"] <= 16 << 20          # 10M exceptions alone were 320 MB
    store.gc()
    assert stats(store)["live"] == 0


KEEP = """(module
  (type $box (struct (field i32)))
  (tag $t (export "t") (param i32 (ref null $box)))
  (tag $u (export "u") (param exnref))
  (global $g (export "g") (mut exnref) (ref.null exn))
  (table $tab (export "tab") 2 exnref)
  (func $catch (param $n i32) (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h)
        (throw $t (local.get $n) (struct.new $box (i32.mul (local.get $n) (i32.const 10)))))
      (unreachable)))
  (func (export "make") (param $n i32) (result exnref) (call $catch (local.get $n)))
  (func (export "keep") (param $n i32)
    (global.set $g (call $catch (local.get $n)))
    (table.set $tab (i32.const 1) (call $catch (i32.add (local.get $n) (i32.const 1)))))
  ;; an exception whose payload is another exception
  (func (export "wrap") (param $n i32) (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (throw $u (call $catch (local.get $n))))
      (unreachable)))
  ;; allocate until several collections ran
  (func (export "churn") (param $n i32)
    (loop $l
      (drop (struct.new $box (local.get $n)))
      (drop (call $catch (local.get $n)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  ;; the payload of a caught exception: its i32 + the box's field
  (func $open (export "open") (param exnref) (result i32)
    (block $h (result i32 (ref null $box))
      (try_table (catch $t $h) (throw_ref (local.get 0)))
      (unreachable))
    (struct.get $box 0)
    (i32.add))
  (func (export "unwrap") (param exnref) (result exnref)
    (block $h (result exnref)
      (try_table (catch $u $h) (throw_ref (local.get 0)))
      (unreachable)))
  (func (export "from_global") (result i32) (call $open (global.get $g)))
  (func (export "from_table") (result i32) (call $open (table.get $tab (i32.const 1))))
  (func (export "clear")
    (global.set $g (ref.null exn))
    (table.set $tab (i32.const 1) (ref.null exn))))"""


def keep_instance() -> tuple[wasmrt.Store, dict[str, object]]:
    store = wasmrt.Store()
    inst = wasmrt.Instance(store, wasmrt.Module(store.engine, KEEP), [])
    return store, inst.exports(store)


def test_exnrefs_in_globals_tables_python_and_payloads_survive_collections() -> None:
    store, ex = keep_instance()
    ex["keep"](store, 4)                    # global: 4 + 40, table: 5 + 50
    held = ex["make"](store, 7)             # Python: 7 + 70
    wrapped = ex["wrap"](store, 2)          # an exception in an exception's payload: 2 + 20
    ex["churn"](store, 300_000)             # several collections meanwhile
    store.gc()
    assert stats(store)["collections"] >= 3
    assert ex["from_global"](store) == 44
    assert ex["from_table"](store) == 55
    assert ex["open"](store, held) == 77
    inner = ex["unwrap"](store, wrapped)
    del wrapped
    gc.collect()
    store.gc()
    assert ex["open"](store, inner) == 22
    # once nothing refers to them, the exceptions and their boxes are freed
    live = stats(store)["live"]
    ex["clear"](store)
    del held, inner
    gc.collect()
    store.gc()
    assert stats(store)["live"] < live
    assert stats(store)["live"] == 0


def test_an_uncaught_exception_keeps_its_identity_across_collections() -> None:
    """A WasmException that left wasm holds its exception (pinned): after collections, a
    host function re-raising it throws the same exnref into wasm."""
    store = wasmrt.Store()
    saved: list[wasmrt.WasmException] = []

    def host() -> None:
        raise saved[0]

    module = wasmrt.Module(store.engine, """(module
      (import "h" "f" (func $f))
      (type $box (struct (field i32)))
      (tag $t (export "t") (param i32))
      (global $g (export "g") (mut exnref) (ref.null exn))
      (func (export "throw") (param i32)
        (throw $t (local.get 0)))
      (func (export "churn") (param $n i32)
        (loop $l
          (drop (struct.new $box (local.get $n)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
      (func (export "catch") (result i32)
        (block $h (result i32 exnref)
          (try_table (catch_ref $t $h) (call $f))
          (unreachable))
        (global.set $g)))""")
    ex = wasmrt.Instance(store, module, [wasmrt.Func(store, wasmrt.FuncType([], []),
                                                     host)]).exports(store)
    with pytest.raises(wasmrt.WasmException) as info:
        ex["throw"](store, 1234)
    saved.append(info.value)
    ref = info.value._origin.ref
    ex["churn"](store, 500_000)
    store.gc()
    assert _interp.gc_test_object_at(store._context(), ref)
    assert ex["catch"](store) == 1234
    assert ex["g"].value(store).ref == ref  # the same exception, caught again
    saved.clear()
    del info
    gc.collect()
    store.gc()
    assert _interp.gc_test_object_at(store._context(), ref)     # now held by $g


def test_host_made_exceptions_are_collected() -> None:
    """An exception a host function throws (WasmException(tag, values)) is an object of
    the heap too: caught and dropped, it is freed."""
    store = wasmrt.Store()
    holder: dict[str, object] = {}

    def host(n: int) -> None:
        raise wasmrt.WasmException(holder["t"], [n])

    module = wasmrt.Module(store.engine, """(module
      (import "h" "f" (func $f (param i32)))
      (tag $t (export "t") (param i32))
      (func (export "run") (param $n i32) (result i32)
        (local $sum i32)
        (loop $l
          (block $h (result i32)
            (try_table (catch $t $h) (call $f (local.get $n)))
            (unreachable))
          (local.set $sum (i32.add (local.get $sum)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $sum)))""")
    ex = wasmrt.Instance(store, module, [wasmrt.Func(
        store, wasmrt.FuncType([wasmrt.ValType.i32()], []), host)]).exports(store)
    holder["t"] = ex["t"]
    assert ex["run"](store, 1000) == 500500
    assert stats(store)["objects"] == 1000
    store.gc()
    assert stats(store)["live"] == 0


NATIVE = """(module
  (tag $t (param i32))
  (global $g (mut exnref) (ref.null exn))
  (table $tab 1 funcref)
  (func $make (param i32) (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (throw $t (local.get 0)))
      (unreachable)))
  (func $churn (param $n i32)
    (loop $l
      (drop (call $make (local.get $n)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func $hold (param $n i32) (result exnref)
    (local $e exnref)
    (local.set $e (global.get $g))
    (global.set $g (ref.null exn))
    (call $churn (local.get $n))
    (local.get $e))
  (func $plain (param i32) (result i32)
    (drop (table.get $tab (i32.const 0)))
    (i32.add (local.get 0) (i32.const 1)))
  (func (export "run") (param $n i32) (result i32)
    (global.set $g (call $make (i32.const 42)))
    (block $h (result i32)
      (try_table (catch $t $h) (throw_ref (call $hold (local.get $n))))
      (unreachable)))
  (func (export "plain") (param i32) (result i32) (call $plain (local.get 0))))"""


def test_native_tier_leaves_bodies_holding_exnrefs_interpreted() -> None:
    """Strategy "native": a body that reads an exnref from a global and holds it across a
    call (which throws enough to collect) stays interpreted, since machine code keeps it
    in a register the collector does not see; one reading only funcrefs is compiled."""
    pytest.importorskip("llvmlite")
    config = wasmrt.Config()
    config.strategy = "native"
    engine = wasmrt.Engine(config)
    module = wasmrt.Module(engine, NATIVE)
    assert module._native is not None
    assert module._native.installed == {3, 5}      # $plain and "plain"
    store = wasmrt.Store(engine)
    ex = wasmrt.Instance(store, module, []).exports(store)
    assert ex["run"](store, 400_000) == 42
    assert stats(store)["collections"] >= 1
    assert ex["plain"](store, 1) == 2

