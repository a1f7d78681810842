"""The Store's GC heap (``_interp_gc.pxi``): object layouts of canonical struct and array
types, allocation (the handlers' ``gc_alloc``, reached here through an internal hook), the
exact object-start test, and objects freed with their Store."""

from __future__ import annotations

import ctypes
import gc
import struct

import pytest

import wasmrt
from wasmrt import _core, _interp
from wasmrt.errors import Trap, WasmtimeError
from wasmrt.wat import wat2wasm

I8, I16, I32, I64, F32, F64, V128, REF = 0x78, 0x77, 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 1

TYPES = """
  (type $empty (struct))
  (type $mixed (struct (field i8) (field i64) (field (mut i16)) (field anyref)
                       (field i32) (field v128) (field f32) (field (mut (ref null $empty)))))
  (type $bytes (array (mut i8)))
  (type $refs (array (mut anyref)))
  (type $vecs (array v128))
  (type $f (func))
"""


def type_ids() -> list[int]:
    info = _core.validate_module(wat2wasm(f"(module {TYPES})"), sum(_core.FEATURES.values()))
    return [t.type_id for t in info.types]


def new_store() -> wasmrt.Store:
    return wasmrt.Store(wasmrt.Engine())


def test_layouts() -> None:
    """Fields in declaration order at their natural alignment after the 8-byte header,
    packed i8/i16 as 1/2 bytes, references 8 bytes; sizes in multiples of 16; arrays keep
    their elements at 16; function types have none."""
    empty, mixed, bytes_, refs, vecs, func = type_ids()
    assert _interp.gc_test_layout(empty) == (1, 16, (), ())
    kind, size, fields, ref_offsets = _interp.gc_test_layout(mixed)
    assert kind == 1
    assert fields == ((8, 1, I8, 0), (16, 8, I64, 0), (24, 2, I16, 1), (32, 8, REF, 0),
                      (40, 4, I32, 0), (48, 16, V128, 0), (64, 4, F32, 0), (72, 8, REF, 1))
    assert ref_offsets == (32, 72) and size == 80
    assert _interp.gc_test_layout(bytes_) == (2, 16, ((16, 1, I8, 1),), ())
    assert _interp.gc_test_layout(refs) == (2, 16, ((16, 8, REF, 1),), (16,))
    assert _interp.gc_test_layout(vecs) == (2, 16, ((16, 16, V128, 0),), ())
    assert _interp.gc_test_layout(func) is None
    with pytest.raises(ValueError):
        _interp.gc_test_layout(1 << 22)


def test_alloc_header_and_zeroed_fields() -> None:
    """An object starts with its canonical type id; an array's length follows; fields are
    zero; addresses are 16-byte aligned (a reference cell's low bits stay free for null,
    i31 and host objects)."""
    empty, mixed, bytes_, refs, vecs, _ = type_ids()
    ctx = new_store()._context()
    seen = set()
    for _ in range(3):
        for tid, n, size in ((empty, 0, 16), (mixed, 0, 80), (bytes_, 37, 16 + 37),
                             (refs, 5, 16 + 40), (vecs, 3, 16 + 48)):
            p = _interp.gc_test_alloc(ctx, tid, n)
            assert p % 16 == 0 and p not in seen
            seen.add(p)
            raw = ctypes.string_at(p, size)
            assert struct.unpack_from("<I", raw)[0] == tid
            if tid in (bytes_, refs, vecs):
                assert struct.unpack_from("<I", raw, 8)[0] == n
                assert raw[16:] == bytes(size - 16)
            else:
                assert raw[8:] == bytes(size - 8)
            assert _interp.gc_test_object_at(ctx, p)
    stats = _interp.gc_stats(ctx)
    assert stats["objects"] == 15 and stats["bytes"] >= 15 * 16


def test_object_start_test() -> None:
    """Only the start of an allocated object passes: interior words, null, i31 cells, host
    cells, unaligned values and addresses outside the heap do not."""
    _, mixed, bytes_, _, _, _ = type_ids()
    ctx = new_store()._context()
    small = _interp.gc_test_alloc(ctx, mixed)
    large = _interp.gc_test_alloc(ctx, bytes_, 100_000)
    for p in (small, large):
        assert _interp.gc_test_object_at(ctx, p)
        for off in (8, 16, 1, 2, 3):
            assert not _interp.gc_test_object_at(ctx, p + off)
    for cell in (0, 1, (12345 << 1) | 1, (7 << 2) | 2, 8, id(ctx), large + 100_000 + 16):
        assert not _interp.gc_test_object_at(ctx, cell)
    other = new_store()._context()
    assert not _interp.gc_test_object_at(other, small)


def test_free_cells_are_not_objects() -> None:
    """The rest of a fresh page is free cells, never taken for objects."""
    empty = type_ids()[0]
    ctx = new_store()._context()
    p = _interp.gc_test_alloc(ctx, empty)
    q = _interp.gc_test_alloc(ctx, empty)
    assert abs(q - p) == 16      # neighbours in one page
    assert not _interp.gc_test_object_at(ctx, max(p, q) + 16)


def test_many_sizes_and_pages() -> None:
    """Arrays of every small size class and a few large ones; each page holds one size."""
    bytes_ = type_ids()[2]
    ctx = new_store()._context()
    addrs = [_interp.gc_test_alloc(ctx, bytes_, n) for n in range(0, 5000, 7)]
    addrs += [_interp.gc_test_alloc(ctx, bytes_, n) for n in (5000, 70_000, 1 << 20)]
    assert len(set(addrs)) == len(addrs)
    assert all(_interp.gc_test_object_at(ctx, p) for p in addrs)
    assert all(ctypes.string_at(p + 8, 4) != b"\xff\xff\xff\xff" for p in addrs)


def test_too_large() -> None:
    """An array whose bytes do not fit 4 GiB traps 'allocation size too large'."""
    vecs = type_ids()[4]
    ctx = new_store()._context()
    with pytest.raises(Trap, match="allocation size too large"):
        _interp.gc_test_alloc(ctx, vecs, 0xFFFFFFFF)


def test_function_type_refused() -> None:
    func = type_ids()[5]
    with pytest.raises(ValueError):
        _interp.gc_test_alloc(new_store()._context(), func)


def test_objects_die_with_the_store() -> None:
    """Stores that allocate 8 MiB each and die give their heap back (RSS stays bounded)."""
    bytes_ = type_ids()[2]

    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    def churn() -> None:
        ctx = new_store()._context()
        for _ in range(512):
            _interp.gc_test_alloc(ctx, bytes_, 16_000)     # large objects
        for _ in range(2048):
            _interp.gc_test_alloc(ctx, bytes_, 4000)
    churn()
    gc.collect()                # a Store is part of reference cycles
    before = rss()
    for _ in range(20):
        churn()
        gc.collect()
    assert rss() - before < 64 << 20


# ---- the collector ----

NODE = """(type $node (struct (field (mut anyref)) (field (mut anyref)) (field i64)))"""


def node_type() -> int:
    info = _core.validate_module(wat2wasm(f"(module {NODE})"), sum(_core.FEATURES.values()))
    return info.types[0].type_id


def set_field(obj: int, offset: int, value: int) -> None:
    ctypes.c_uint64.from_address(obj + offset).value = value


def alive(ctx: object, *objs: int) -> list[bool]:
    return [_interp.gc_test_object_at(ctx, p) for p in objs]


def test_unreachable_objects_are_freed_pinned_survive() -> None:
    """Store.gc() frees what nothing reaches; a pinned object (an API value) and what its
    fields reach survive until unpinned; cycles die once unreachable."""
    node, refs = node_type(), type_ids()[3]
    store = new_store()
    ctx = store._context()
    a, b, c, d = (_interp.gc_test_alloc(ctx, node) for _ in range(4))
    arr = _interp.gc_test_alloc(ctx, refs, 3)
    set_field(a, 8, b)                  # a -> b -> c -> a (a cycle), arr[1] -> d
    set_field(b, 16, c)
    set_field(c, 8, a)
    set_field(arr, 16 + 8, d)
    set_field(arr, 16, (5 << 1) | 1)    # an i31 beside them
    _interp.gc_test_pin(ctx, b)
    _interp.gc_test_pin(ctx, arr)
    store.gc()
    assert alive(ctx, a, b, c, d, arr) == [True] * 5
    assert _interp.gc_stats(ctx)["collections"] == 1
    _interp.gc_test_pin(ctx, arr, False)
    store.gc()
    assert alive(ctx, a, b, c, d, arr) == [True, True, True, False, False]
    _interp.gc_test_pin(ctx, b, False)
    store.gc()
    assert alive(ctx, a, b, c) == [False] * 3
    assert _interp.gc_stats(ctx)["live"] == 0


def test_pins_count() -> None:
    """An object pinned twice survives one unpin."""
    node = node_type()
    store = new_store()
    ctx = store._context()
    a = _interp.gc_test_alloc(ctx, node)
    _interp.gc_test_pin(ctx, a)
    _interp.gc_test_pin(ctx, a)
    _interp.gc_test_pin(ctx, a, False)
    store.gc()
    assert alive(ctx, a) == [True]
    _interp.gc_test_pin(ctx, a, False)
    store.gc()
    assert alive(ctx, a) == [False]


ROOTS = f"""
(module
  {NODE}
  (import "h" "gc" (func $gc))
  (global $g (export "g") (mut anyref) (ref.null any))
  (global $e (export "e") (mut externref) (ref.null extern))
  (global $f (export "f") (mut funcref) (ref.null func))
  (table $t (export "t") 4 anyref)
  (func (export "hold")
    (local $x anyref)
    (local.set $x (global.get $g))
    (global.set $g (ref.null any))
    (call $gc)
    (global.set $g (local.get $x)))
  (func (export "drop")
    (global.set $g (ref.null any))
    (call $gc)))
"""


def roots_instance(store: wasmrt.Store) -> dict:
    module = wasmrt.Module(store.engine, ROOTS)
    gc_fn = wasmrt.Func(store, wasmrt.FuncType([], []), lambda: store.gc())
    inst = wasmrt.Instance(store, module, [gc_fn])
    return {name: item for name, item in inst.exports(store).items()}


def test_globals_and_tables_are_roots() -> None:
    """An anyref global or table element keeps its object; overwritten, it does not."""
    node = node_type()
    store = new_store()
    ctx = store._context()
    ex = roots_instance(store)
    g, t = ex["g"]._rt, ex["t"]._rt
    a, b = _interp.gc_test_alloc(ctx, node), _interp.gc_test_alloc(ctx, node)
    set_field(_interp.gc_test_cells(g), 0, a)
    set_field(_interp.gc_test_cells(t), 16, b)
    store.gc()
    assert alive(ctx, a, b) == [True, True]
    set_field(_interp.gc_test_cells(t), 16, 0)
    store.gc()
    assert alive(ctx, a, b) == [True, False]


def test_wasm_frames_are_roots() -> None:
    """A collection while wasm runs (a host call below it) keeps what the guest's locals
    hold; the same object only in a global it clears is freed."""
    node = node_type()
    store = new_store()
    ctx = store._context()
    ex = roots_instance(store)
    cell = _interp.gc_test_cells(ex["g"]._rt)
    a = _interp.gc_test_alloc(ctx, node)
    set_field(cell, 0, a)
    ex["hold"](store)
    assert alive(ctx, a) == [True]
    assert ctypes.c_uint64.from_address(cell).value == a
    ex["drop"](store)
    assert alive(ctx, a) == [False]


def test_paused_guest_frames_are_roots() -> None:
    """A guest paused at a yield (call_async) keeps the objects its locals hold through
    collections made while it is paused."""
    import asyncio
    node = node_type()
    store = new_store()
    ctx = store._context()
    module = wasmrt.Module(store.engine, f"""
(module
  {NODE}
  (global $g (export "g") (mut anyref) (ref.null any))
  (global $n (export "n") (mut i64) (i64.const 0))
  (func (export "spin") (param $iters i64)
    (local $x anyref)
    (local.set $x (global.get $g))
    (global.set $g (ref.null any))
    (loop $l
      (global.set $n (i64.add (global.get $n) (i64.const 1)))
      (br_if $l (i64.lt_u (global.get $n) (local.get $iters))))
    (global.set $g (local.get $x))))""")
    inst = wasmrt.Instance(store, module, [])
    ex = inst.exports(store)
    cell = _interp.gc_test_cells(ex["g"]._rt)
    a = _interp.gc_test_alloc(ctx, node)
    set_field(cell, 0, a)
    store.set_async_yield_interval(0.001)
    collected = []

    async def collector() -> None:
        while not collected or ctx.paused is not None:
            if ctx.paused is not None:
                store.gc()
                _interp.gc_test_churn(ctx, node, 0, 20_000, 0)     # reuse freed cells
                collected.append(alive(ctx, a)[0])
            await asyncio.sleep(0)

    async def main() -> None:
        task = asyncio.ensure_future(collector())
        await ex["spin"].call_async(store, 300_000_000)
        task.cancel()
    asyncio.run(main())
    assert collected and all(collected)
    assert ctypes.c_uint64.from_address(cell).value == a
    assert alive(ctx, a) == [True]


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_long_allocation_loop_runs_in_bounded_memory() -> None:
    """2 million objects (~100 MB allocated, chains of 1,000 kept live) are collected as
    they go: the heap and the process stay within a few MiB of the live data."""
    node = node_type()
    store = new_store()
    ctx = store._context()
    _interp.gc_test_churn(ctx, node, 0, 100_000, 8)
    before = rss()
    for _ in range(20):
        _interp.gc_test_churn(ctx, node, 0, 100_000, 8)
    stats = _interp.gc_stats(ctx)
    assert stats["collections"] >= 10
    assert stats["bytes"] < 16 << 20
    assert rss() - before < 16 << 20


def test_heap_limit() -> None:
    """StoreLimits' memory_size caps the GC heap: past it (after a collection), an
    allocation fails with "GC heap out of memory" (a WasmtimeError, as in wasmtime), an
    object larger than the limit too; what was freed is reused under it."""
    node = node_type()
    bytes_ = type_ids()[2]
    store = new_store()
    store.set_limits(memory_size=1 << 20)
    ctx = store._context()
    with pytest.raises(WasmtimeError, match="GC heap out of memory"):
        for _ in range(1 << 20):
            _interp.gc_test_pin(ctx, _interp.gc_test_alloc(ctx, node, 0, True))
    with pytest.raises(WasmtimeError, match=f"no capacity for allocation of {(2 << 20) + 16} bytes"):
        _interp.gc_test_alloc(ctx, bytes_, 2 << 20)
    fresh = new_store()
    fresh.set_limits(memory_size=1 << 20)
    _interp.gc_test_churn(fresh._context(), node, 0, 200_000, 4)   # 9.6 MB through 1 MiB
    assert _interp.gc_stats(fresh._context())["bytes"] <= 1 << 20


def test_two_stores_on_two_threads() -> None:
    """Each Store's heap is its own: two threads allocate and collect at once without the
    GIL, and each keeps exactly its own live objects."""
    import threading
    node = node_type()
    stores = [new_store() for _ in range(2)]
    results: list[int] = [0, 0]

    def run(k: int) -> None:
        ctx = stores[k]._context()
        results[k] = _interp.gc_test_churn(ctx, node, 0, 400_000, 16)
    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(2):
        ctx = stores[k]._context()
        stats = _interp.gc_stats(ctx)
        assert stats["objects"] == 400_000 and stats["collections"] >= 2
        assert _interp.gc_test_object_at(ctx, results[k])
        assert not _interp.gc_test_object_at(stores[1 - k]._context(), results[k])


def test_exception_payloads_are_traced() -> None:
    """An exception is an object of the heap: kept by an exnref global, it keeps its
    payload's object alive; once nothing refers to it, both are freed."""
    node = node_type()
    store = new_store()
    ctx = store._context()
    module = wasmrt.Module(store.engine, """
(module
  (tag $t (param anyref))
  (global $g (export "g") (mut anyref) (ref.null any))
  (global $e (export "e") (mut exnref) (ref.null exn))
  (func (export "throw_it")
    (block $h (result anyref exnref)
      (try_table (catch_ref $t $h) (throw $t (global.get $g)))
      (unreachable))
    (global.set $e)
    (drop)
    (global.set $g (ref.null any)))
  (func (export "forget") (global.set $e (ref.null exn))))""")
    ex = wasmrt.Instance(store, module, []).exports(store)
    cell = _interp.gc_test_cells(ex["g"]._rt)
    exn_cell = _interp.gc_test_cells(ex["e"]._rt)
    a = _interp.gc_test_alloc(ctx, node)
    set_field(cell, 0, a)
    ex["throw_it"](store)
    assert ctypes.c_uint64.from_address(cell).value == 0
    exn = ctypes.c_uint64.from_address(exn_cell).value
    assert _interp.gc_test_object_at(ctx, exn)
    store.gc()
    assert alive(ctx, a, exn) == [True, True]
    ex["forget"](store)
    store.gc()
    assert alive(ctx, a, exn) == [False, False]


def test_snapshot_refuses_objects_of_types_no_module_defines() -> None:
    """A snapshot holds the heap's live objects by types of the Store's modules (so that
    another process finds them): an object of a type no module of the Store defines is
    refused with a clear error; once it is garbage the snapshot is taken."""
    import asyncio
    node = node_type()
    store = new_store()
    ctx = store._context()

    async def pause() -> None:
        await asyncio.sleep(0)
    host = wasmrt.Func(store, wasmrt.FuncType([], []), pause)
    module = wasmrt.Module(store.engine, """(module
      (import "h" "pause" (func $pause))
      (global $g (export "g") (mut anyref) (ref.null any))
      (func (export "run") (call $pause)))""")
    ex = wasmrt.Instance(store, module, [host]).exports(store)
    a = _interp.gc_test_alloc(ctx, node)
    set_field(_interp.gc_test_cells(ex["g"]._rt), 0, a)
    results = []

    async def main() -> None:
        task = asyncio.ensure_future(ex["run"].call_async(store))
        while ctx.paused is None:
            await asyncio.sleep(0)
        with pytest.raises(wasmrt.WasmtimeError, match="whose type no module of the Store"):
            store.snapshot()
        set_field(_interp.gc_test_cells(ex["g"]._rt), 0, 0)
        results.append(store.snapshot())
        await task
    asyncio.run(main())
    assert results
