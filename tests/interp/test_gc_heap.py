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
from wasmrt.errors import Trap
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
