"""Linear memory: reservation, growth, zero-copy views, and the memory handlers."""

from __future__ import annotations

import pytest

from wasmrt import _memory
from wasmrt.errors import Trap, TrapCode

from .conftest import I32, I64, Rig

PAGE = 65536


def test_grow_keeps_base_and_views() -> None:
    m = _memory.MemoryInstance(1, 10)
    assert (m.pages, m.data_len, m.max_pages) == (1, PAGE, 10)
    base = m.data_ptr
    view = memoryview(m)
    view[5] = 42
    assert m.grow(2) == 1
    assert m.pages == 3 and len(m) == 3 * PAGE
    if m.mmap_backed:
        assert m.data_ptr == base
        assert view[5] == 42  # the old view still works
    assert memoryview(m)[3 * PAGE - 1] == 0
    assert m.grow(8) == -1  # over the maximum
    assert m.grow(7) == 3
    assert m.grow(0) == 10
    assert m.grow(-1) == -1


def test_read_write_bounds() -> None:
    m = _memory.MemoryInstance(1)
    m.write(b"hello", PAGE - 5)
    assert m.read(PAGE - 5, PAGE) == b"hello"
    with pytest.raises(IndexError):
        m.write(b"hello", PAGE - 4)
    with pytest.raises(IndexError):
        m.read(0, PAGE + 1)
    with pytest.raises(ValueError):
        _memory.MemoryInstance(2, 1)


def test_numpy_view_is_zero_copy() -> None:
    np = pytest.importorskip("numpy")
    m = _memory.MemoryInstance(1)
    a = np.frombuffer(m, dtype=np.uint32)
    a[1] = 0xDEADBEEF
    assert m.read(4, 8) == (0xDEADBEEF).to_bytes(4, "little")


def mem_rig(pages: int = 1, max_pages=None) -> tuple[Rig, object]:
    rig = Rig()
    m = rig.store.new_memory(pages, max_pages)
    rig.inst.set_memory(m)
    return rig, m


LOADS = [("i32_load", 4, I32, False), ("i64_load", 8, I64, False), ("i32_load8_s", 1, I32, True),
         ("i32_load8_u", 1, I32, False), ("i32_load16_s", 2, I32, True),
         ("i32_load16_u", 2, I32, False), ("i64_load8_s", 1, I64, True),
         ("i64_load8_u", 1, I64, False), ("i64_load16_s", 2, I64, True),
         ("i64_load16_u", 2, I64, False), ("i64_load32_s", 4, I64, True),
         ("i64_load32_u", 4, I64, False)]


@pytest.mark.parametrize("name,width,vt,signed", LOADS)
def test_loads(name: str, width: int, vt: int, signed: bool) -> None:
    rig, m = mem_rig()
    m.write(bytes(range(0xF8, 0x100)), 16)
    f = rig.func(0, [(name, {"dst": 1, "addr": 0, "offset": 8}), ("ret_slot", {"src": 1})], [I32], [vt])
    raw = int.from_bytes(bytes(range(0xF8, 0x100))[:width], "little")
    if signed and raw >> (8 * width - 1):
        raw -= 1 << (8 * width)
    bits = 32 if vt == I32 else 64
    want = raw & ((1 << bits) - 1)
    want = want - (1 << bits) if want >> (bits - 1) else want
    assert f(8) == want
    assert f(PAGE - 8 - width) == 0
    for addr in (PAGE - 8 - width + 1, PAGE, -1, -8):
        with pytest.raises(Trap) as ei:
            f(addr)
        assert ei.value.trap_code == TrapCode.MEMORY_OUT_OF_BOUNDS
        assert ei.value.message == "out of bounds memory access"


@pytest.mark.parametrize("name,width", [("i32_store", 4), ("i64_store", 8), ("i32_store8", 1),
                                        ("i32_store16", 2), ("i64_store8", 1), ("i64_store16", 2),
                                        ("i64_store32", 4), ("f32_store", 4), ("f64_store", 8)])
def test_stores(name: str, width: int) -> None:
    rig, m = mem_rig()
    f = rig.func(0, [(name, {"addr": 0, "val": 1, "offset": 4}), ("ret", {})], [I32, I64], [])
    f(100, 0x0102030405060708)
    assert m.read(104, 112) == (0x0102030405060708).to_bytes(8, "little")[:width] + bytes(8 - width)
    with pytest.raises(Trap, match="out of bounds memory access"):
        f(PAGE - 4 - width + 1, 0)
    assert m.read(PAGE - 8, PAGE) == bytes(8)  # a trapping store writes nothing


def test_memory_size_grow() -> None:
    rig, m = mem_rig(1, 3)
    # after growing, a store into the new page succeeds (mem/msize reloaded)
    f = rig.func(0, [("const32", {"dst": 3, "imm": PAGE + 8}), ("memory_grow", {"dst": 0, "delta": 0}),
                     ("memory_size", {"dst": 1}), ("i32_store", {"addr": 3, "val": 1, "offset": 0}),
                     ("ret", {})], [I32], [I32, I32], nlocals=3, max_slots=4)
    assert f(1) == [1, 2]
    assert m.read(PAGE + 8, PAGE + 12) == (2).to_bytes(4, "little")
    assert f(5) == [-1, 2]  # beyond the maximum: -1, no trap
    assert f(0) == [2, 2]


def test_bulk_memory() -> None:
    rig, m = mem_rig()
    rig.inst.set_data(0, b"abcdef")
    fill = rig.func(0, [("memory_fill", {"dst": 0, "val": 1, "n": 2}), ("ret", {})], [I32, I32, I32], [])
    copy = rig.func(1, [("memory_copy", {"dst": 0, "src": 1, "n": 2}), ("ret", {})], [I32, I32, I32], [])
    init = rig.func(2, [("memory_init", {"dst": 0, "src": 1, "n": 2, "data": 0}), ("ret", {})],
                    [I32, I32, I32], [])
    drop = rig.func(3, [("data_drop", {"data": 0}), ("ret", {})])
    fill(10, 0x41, 4)
    assert m.read(10, 14) == b"AAAA"
    copy(11, 10, 4)  # overlapping
    assert m.read(10, 16) == b"AAAAA\0"
    init(20, 1, 4)
    assert m.read(20, 24) == b"bcde"
    init(20, 6, 0)  # n = 0 at the end is fine
    for f, args in [(fill, (PAGE - 1, 0, 2)), (copy, (0, PAGE - 1, 2)), (init, (0, 3, 4)),
                    (fill, (PAGE + 1, 0, 0))]:
        with pytest.raises(Trap, match="out of bounds memory access"):
            f(*args)
    drop()
    init(20, 0, 0)
    with pytest.raises(Trap, match="out of bounds memory access"):
        init(20, 0, 1)


def test_realloc_fallback_refuses_to_grow_under_a_view() -> None:
    m = _memory.MemoryInstance(1, None, reserve=False)
    assert not m.mmap_backed
    m.write(b"abc", 10)
    view = memoryview(m)
    assert m.grow(1) == -1  # the base could move: refused while a view is exported
    view.release()
    assert m.grow(1) == 1
    assert m.read(10, 13) == b"abc" and m.read(PAGE, PAGE + 4) == bytes(4)
    rig = Rig()
    m2 = _memory.MemoryInstance(1, 2, reserve=False)
    rig.inst.set_memory(m2)
    f = rig.func(0, [("memory_grow", {"dst": 0, "delta": 0}), ("ret", {})], [I32], [I32])
    with memoryview(m2):
        assert f(1) == -1
    assert f(1) == 1 and f(1) == -1
