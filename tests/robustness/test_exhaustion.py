"""Resource exhaustion: deep recursion, huge grows, huge declared counts, deep nesting and
giant functions each end in a Trap, -1 from grow or a ``WasmtimeError``, in bounded time;
``Store.set_limits`` holds for every limit, from wasm and from the host."""

from __future__ import annotations

import time

import pytest

import wasmrt
from wasmrt import (
    Engine,
    Instance,
    Limits,
    Memory,
    MemoryType,
    Module,
    Store,
    Table,
    TableType,
    ValType,
)


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + _leb(len(payload)) + payload


HEADER = b"\0asm\1\0\0\0"


def _exports(wat: str, store: Store | None = None) -> tuple[Store, wasmrt.InstanceExports]:
    store = store or Store(Engine())
    return store, Instance(store, Module(store.engine, wat), []).exports(store)


@pytest.mark.parametrize("name", ["r", "r4"])  # plain recursion; frames with 4 params + 16 locals
def test_deep_recursion_traps_and_store_survives(name: str) -> None:
    store, ex = _exports("""(module
      (func $r (export "r") (param i32) (result i32) local.get 0 call $r)
      (func $r4 (param i32 i32 i32 i32) (result i32)
        (local f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)
        local.get 0 local.get 1 local.get 2 local.get 3 call $r4)
      (func (export "r4") (param i32) (result i32) local.get 0 local.get 0 local.get 0 local.get 0 call $r4)
      (func (export "one") (result i32) i32.const 1))""")
    start = time.monotonic()
    with pytest.raises(wasmrt.Trap) as info:
        ex[name](store, 1)
    assert info.value.trap_code == wasmrt.TrapCode.STACK_OVERFLOW
    assert time.monotonic() - start < 30
    assert ex["one"](store) == 1
    with pytest.raises(wasmrt.Trap):
        ex[name](store, 1)


def test_huge_memory_grow_returns_minus_one() -> None:
    store, ex = _exports("""(module (memory (export "m") 1)
      (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))""")
    for pages in (65536, 0x7FFFFFFF, -1, 0x10000000):  # past 4 GiB
        assert ex["grow"](store, pages) == -1
    assert ex["grow"](store, 0) == 1
    with pytest.raises(wasmrt.WasmtimeError):
        ex["m"].grow(store, 70000)
    assert ex["m"].size(store) == 1
    store.set_limits(memory_size=1 << 30)  # 1 GiB
    assert ex["grow"](store, 16384) == -1
    assert ex["grow"](store, 1) == 1


def test_huge_table_grow_returns_minus_one() -> None:
    """Past the 2^32-1 element bound, past a declared maximum, and (the guard a host needs:
    without it a table may grow to 2^32-1 elements, 32 GiB, in wasmtime too) past
    ``set_limits(table_elements=...)``."""
    store, ex = _exports("""(module (table (export "t") 1 funcref) (table $b 1 100 funcref)
      (func (export "grow") (param i32) (result i32) ref.null func local.get 0 table.grow)
      (func (export "grow_b") (param i32) (result i32) ref.null func local.get 0 table.grow $b))""")
    assert ex["grow"](store, -1) == -1
    assert ex["grow_b"](store, 100) == -1
    assert ex["grow_b"](store, 99) == 1
    store.set_limits(table_elements=1_000_000)
    for n in (-1, 0x7FFFFFFF, 0x10000000, 1_000_000):
        start = time.monotonic()
        assert ex["grow"](store, n) == -1
        assert time.monotonic() - start < 5
    assert ex["grow"](store, 0) == 1


def test_store_limit_memory_from_wasm_and_host() -> None:
    store = Store(Engine())
    store.set_limits(memory_size=3 * 65536)
    _, ex = _exports("""(module (memory (export "m") 1)
      (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))""", store)
    assert ex["grow"](store, 3) == -1
    assert ex["grow"](store, 2) == 1
    with pytest.raises(wasmrt.WasmtimeError):
        Memory(store, MemoryType(Limits(4, None)))


def test_store_limit_table_elements_from_wasm() -> None:
    store = Store(Engine())
    store.set_limits(table_elements=100)
    _, ex = _exports("""(module (table 10 funcref)
      (func (export "grow") (param i32) (result i32) ref.null func local.get 0 table.grow))""", store)
    assert ex["grow"](store, 91) == -1
    assert ex["grow"](store, 90) == 10


def test_store_limit_instances_tables_memories() -> None:
    store = Store(Engine())
    store.set_limits(instances=3, tables=2, memories=2)
    empty = Module(store.engine, "(module)")
    Instance(store, empty, [])
    Memory(store, MemoryType(Limits(1, None)))
    Table(store, TableType(ValType.funcref(), Limits(1, None)), None)
    with_both = Module(store.engine, "(module (memory 1) (table 1 funcref))")
    Instance(store, with_both, [])
    with pytest.raises(wasmrt.WasmtimeError):
        Memory(store, MemoryType(Limits(1, None)))
    with pytest.raises(wasmrt.WasmtimeError):
        Table(store, TableType(ValType.funcref(), Limits(1, None)), None)
    Instance(store, empty, [])
    with pytest.raises(wasmrt.WasmtimeError):
        Instance(store, empty, [])


@pytest.mark.parametrize("sid, entry", [
    (1, b"\x60\x00\x00"),  # types
    (3, b"\x00"),  # functions
    (5, b"\x00\x01"),  # memories
    (4, b"\x70\x00\x01"),  # tables
])
def test_millions_declared_entries_fail_fast(sid: int, entry: bytes) -> None:
    """A count of 10 million with only a few entries present: rejected without allocating."""
    payload = _leb(10_000_000) + entry * 3
    start = time.monotonic()
    with pytest.raises(wasmrt.WasmtimeError):
        Module(Engine(), HEADER + _section(sid, payload))
    assert time.monotonic() - start < 2


def test_million_functions_validate_in_bounded_time() -> None:
    """A real module with 200k functions (types/func/code sections all complete)."""
    n = 200_000
    types = _section(1, _leb(1) + b"\x60\x00\x00")
    funcs = _section(3, _leb(n) + b"\x00" * n)
    body = b"\x02\x00\x0b"  # size 2: no locals, end
    code = _section(10, _leb(n) + body * n)
    start = time.monotonic()
    module = Module(Engine(), HEADER + types + funcs + code)
    assert time.monotonic() - start < 60
    assert len(module.exports) == 0


def test_millions_of_locals() -> None:
    types = _section(1, _leb(1) + b"\x60\x00\x00")
    funcs = _section(3, _leb(1) + b"\x00")
    for count in (50_000_000, 0xFFFFFFFF):
        body = _leb(1) + _leb(count) + b"\x7f" + b"\x0b"
        code = _section(10, _leb(1) + _leb(len(body)) + body)
        start = time.monotonic()
        with pytest.raises(wasmrt.WasmtimeError):
            store = Store(Engine())
            ex = Instance(store, Module(store.engine, HEADER + types + funcs + code), [])
            del ex
        assert time.monotonic() - start < 10


def test_deeply_nested_blocks_run() -> None:
    depth = 20_000
    body = "(block " * depth + ")" * depth
    store, ex = _exports(f'(module (func (export "f") (result i32) {body} i32.const 7))')
    assert ex["f"](store) == 7


def test_giant_function_runs() -> None:
    n = 100_000
    body = "i32.const 0 " + "i32.const 1 i32.add " * n
    store, ex = _exports(f'(module (func (export "f") (result i32) {body}))')
    assert ex["f"](store) == n


def test_set_limits_caps_existing_memory_and_table() -> None:
    """Regression: limits set after instantiation bind the memories and tables already
    created (they used to be fixed at creation, so a later limit let table.grow allocate
    16 GiB)."""
    store, ex = _exports("""(module (memory (export "m") 1) (table (export "t") 1 funcref)
      (func (export "mgrow") (param i32) (result i32) local.get 0 memory.grow)
      (func (export "tgrow") (param i32) (result i32) ref.null func local.get 0 table.grow))""")
    host_mem = Memory(store, MemoryType(Limits(1, None)))
    store.set_limits(memory_size=4 * 65536, table_elements=10)
    assert ex["mgrow"](store, 4) == -1
    assert ex["mgrow"](store, 3) == 1
    assert ex["tgrow"](store, 10) == -1
    assert ex["tgrow"](store, 9) == 1
    with pytest.raises(wasmrt.WasmtimeError):
        host_mem.grow(store, 4)
    with pytest.raises(wasmrt.WasmtimeError):
        ex["t"].grow(store, 1, None)
