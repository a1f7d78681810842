"""Memory: type, size, grow, read/write, pointers, zero-copy views."""

from __future__ import annotations

import ctypes

import pytest

import wasmrt


def test_new_memory(rt):
    store = rt.Store()
    mem = rt.Memory(store, rt.MemoryType(rt.Limits(1, 3)))
    assert mem.type(store).limits == rt.Limits(1, 3)
    assert mem.size(store) == 1
    assert mem.data_len(store) == 65536
    assert mem.grow(store, 1) == 1
    assert mem.size(store) == 2
    assert mem.data_len(store) == 131072
    with pytest.raises(rt.WasmtimeError):
        mem.grow(store, 5)
    with pytest.raises(rt.WasmtimeError):
        mem.grow(store, -1)
    assert mem.size(store) == 2


def test_read_write(rt):
    store = rt.Store()
    mem = rt.Memory(store, rt.MemoryType(rt.Limits(1, None)))
    assert mem.write(store, b"hello", 10) == 5
    assert mem.write(store, bytearray(b"!"), 15) == 1
    assert mem.read(store, 10, 16) == bytearray(b"hello!")
    assert mem.read(store, -2) == bytearray(2)
    assert mem.read(store, 5, 5) == bytearray()
    with pytest.raises(IndexError):
        mem.write(store, b"xx", 65535)
    with pytest.raises(IndexError):
        mem.write(store, b"x", 65536)


def test_write_any_buffer():
    store = wasmrt.Store()
    mem = wasmrt.Memory(store, wasmrt.MemoryType(wasmrt.Limits(1, None)))
    mem.write(store, memoryview(b"abc"), 0)
    import array

    mem.write(store, array.array("B", [1, 2]), 3)
    assert mem.read(store, 0, 5) == b"abc\x01\x02"


def test_pointers(rt):
    store = rt.Store()
    mem = rt.Memory(store, rt.MemoryType(rt.Limits(1, None)))
    mem.write(store, b"xyz", 100)
    ptr = mem.data_ptr(store)
    assert bytes(ptr[100:103]) == b"xyz"
    buf = mem.get_buffer_ptr(store, 3, 100)
    assert bytes(buf) == b"xyz"
    buf[0] = ord("X")
    assert mem.read(store, 100, 101) == b"X"


def test_view_zero_copy():
    store = wasmrt.Store()
    inst = wasmrt.Instance(
        store,
        wasmrt.Module(
            store.engine,
            """(module (memory (export "m") 1 2)
      (func (export "peek") (param i32) (result i32) local.get 0 i32.load8_u))""",
        ),
        [],
    )
    mem = inst.exports(store)["m"]
    view = mem.view(store)
    assert isinstance(view, memoryview) and len(view) == 65536
    view[7] = 99
    assert inst.exports(store)["peek"](store, 7) == 99
    part = mem.view(store, 10, 20)
    assert len(part) == 10
    part[0] = 5
    assert mem.read(store, 10, 11) == b"\x05"
    mem.grow(store, 1)
    view[8] = 1  # still valid: the memory never moves
    assert mem.read(store, 8, 9) == b"\x01"


def test_numpy_view():
    np = pytest.importorskip("numpy")
    store = wasmrt.Store()
    mem = wasmrt.Memory(store, wasmrt.MemoryType(wasmrt.Limits(1, None)))
    arr = np.frombuffer(mem.view(store), dtype=np.uint32)
    arr[:4] = [1, 2, 3, 4]
    assert mem.read(store, 0, 8) == b"\x01\0\0\0\x02\0\0\0"
    assert ctypes.sizeof(mem.get_buffer_ptr(store)) == 65536
