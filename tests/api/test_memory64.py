"""Multi-memory, memory64/table64, custom page sizes and wide arithmetic through the public
API, the same script on wasmrt and on wasmtime-py (the ``rt`` fixture): memory types,
growth, exports and imports of several memories, 64-bit addresses at the edges of the
address space, bulk operations between memories, table64, and the Config switches."""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any

import pytest

M64 = 1 << 64


def engine(rt: ModuleType, **options: bool) -> Any:
    config = rt.Config()
    config.wasm_multi_memory = True
    config.wasm_memory64 = True
    config.wasm_wide_arithmetic = True
    for name, on in options.items():
        setattr(config, name, on)
    return rt.Engine(config)


def instance(rt: ModuleType, text: str, **options: bool) -> tuple[Any, Any]:
    eng = engine(rt, **options)
    store = rt.Store(eng)
    return store, rt.Instance(store, rt.Module(eng, text), []).exports(store)


def outcome(store: Any, func: Any, *args: int) -> Any:
    """The results of a call, or the trap's message."""
    try:
        return func(store, *args)
    except Exception as e:  # noqa: BLE001 - both runtimes' traps, compared by message
        return "trap: " + str(e).split("wasm trap: ")[-1].strip().splitlines()[0]


def test_memory64_type_size_and_growth(rt):
    store = rt.Store(engine(rt))
    ty = rt.MemoryType(rt.Limits(1, None), is_64=True)
    mem = rt.Memory(store, ty)
    assert mem.type(store).is_64 and mem.type(store).limits == rt.Limits(1, None)
    assert mem.size(store) == 1 and mem.data_len(store) == 65536
    assert mem.grow(store, 2) == 1
    assert mem.data_len(store) == 3 * 65536
    with pytest.raises(rt.WasmtimeError):
        mem.grow(store, 1 << 62)
    assert mem.size(store) == 3
    with pytest.raises(rt.WasmtimeError):
        rt.MemoryType(rt.Limits(1 << 64, None), is_64=True)
    assert rt.MemoryType(rt.Limits(1 << 32, None), is_64=True).limits.min == 1 << 32


def test_page_size_custom(rt):
    store = rt.Store(engine(rt, wasm_custom_page_sizes=True))
    mem = rt.Memory(store, rt.MemoryType(rt.Limits(1, 3), page_size_log2=0))
    assert (mem.page_size(store), mem.page_size_log2(store)) == (1, 0)
    assert mem.type(store).page_size_log2 == 0
    assert mem.data_len(store) == 1
    assert mem.grow(store, 2) == 1
    assert mem.data_len(store) == 3 and mem.size(store) == 3
    with pytest.raises(rt.WasmtimeError):
        mem.grow(store, 1)
    store, ex = instance(rt, """(module
        (memory (export "m") 0 (pagesize 1))
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "size") (result i32) memory.size)
        (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))""",
                         wasm_custom_page_sizes=True)
    assert ex["grow"](store, 5) == 0 and ex["size"](store) == 5
    assert ex["m"].data_len(store) == 5
    assert outcome(store, ex["load"], 5) == "trap: out of bounds memory access"
    assert ex["load"](store, 4) == 0


def test_page_sizes_need_the_proposal(rt):
    with pytest.raises(rt.WasmtimeError):
        rt.Module(engine(rt), "(module (memory 1 (pagesize 1)))")


def test_several_memories_exported_and_imported(rt):
    eng = engine(rt)
    store = rt.Store(eng)
    provider = rt.Instance(store, rt.Module(eng, """(module
        (memory (export "a") 1) (memory (export "b") i64 1 2)
        (data (memory 1) (i64.const 8) "bee"))"""), []).exports(store)
    user = rt.Module(eng, """(module
        (memory $x (import "p" "a") 1) (memory $y (import "p" "b") i64 1)
        (func (export "copy") (param i64 i32 i32)
          (memory.copy $x $y (local.get 1) (local.get 0) (local.get 2)))
        (func (export "get") (param i32) (result i32) (i32.load8_u $x (local.get 0))))""")
    ex = rt.Instance(store, user, [provider["a"], provider["b"]]).exports(store)
    ex["copy"](store, 8, 100, 3)
    assert provider["a"].read(store, 100, 103) == bytearray(b"bee")
    assert ex["get"](store, 101) == ord("e")
    assert outcome(store, ex["copy"], 65535, 0, 2) == "trap: out of bounds memory access"
    with pytest.raises(rt.WasmtimeError, match="expected 64-bit memory, found 32-bit memory"):
        rt.Instance(store, user, [provider["a"], provider["a"]])


def test_memory64_addresses_at_the_edges(rt):
    store, ex = instance(rt, """(module
        (memory i64 1)
        (func (export "load") (param i64) (result i32) (i32.load (local.get 0)))
        (func (export "load_far") (param i64) (result i32)
          (i32.load offset=0xffff_ffff_ffff_fff0 (local.get 0)))
        (func (export "store") (param i64 i32) (i32.store16 (local.get 0) (local.get 1)))
        (func (export "fill") (param i64 i32 i64) (memory.fill (local.get 0) (local.get 1)
          (local.get 2)))
        (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
        (func (export "size") (result i64) (memory.size)))""")
    calls = [("store", 65532, 0xABCD), ("load", 65532), ("load", 65533), ("load", M64 - 1),
             ("load", 1 << 32), ("load_far", 0x10), ("load_far", 0x0C), ("fill", 65530, 7, 6),
             ("fill", 65530, 7, 7), ("fill", M64 - 1, 0, 2), ("load", 65530), ("grow", 1),
             ("grow", 1 << 48), ("size",), ("load", 65536 * 2 - 4), ("grow", M64 - 1)]
    got = [outcome(store, ex[name], *args) for name, *args in calls]
    assert got[1] == 0xABCD and got[11] == 1 and got[12] == -1 and got[13] == 2
    assert got[15] == -1
    assert got[3] == got[5] == got[9] == "trap: out of bounds memory access"
    assert got[10] == 0x07070707


def test_bulk_operations_between_memories(rt):
    store, ex = instance(rt, """(module
        (memory $a 1) (memory $b 2)
        (data $d "0123456789")
        (func (export "init") (param i32 i32 i32) (memory.init $b $d (local.get 0)
          (local.get 1) (local.get 2)))
        (func (export "copy") (param i32 i32 i32) (memory.copy $a $b (local.get 0)
          (local.get 1) (local.get 2)))
        (func (export "fill") (param i32 i32 i32) (memory.fill $b (local.get 0) (local.get 1)
          (local.get 2)))
        (func (export "a") (param i32) (result i64) (i64.load $a (local.get 0)))
        (func (export "b") (param i32) (result i32) (i32.load8_u $b (local.get 0)))
        (func (export "sizes") (result i32 i32) (memory.size $a) (memory.size $b))
        (func (export "grow_b") (param i32) (result i32) (memory.grow $b (local.get 0))))""")
    calls = [("init", 70000, 2, 5), ("copy", 8, 70000, 5), ("a", 8), ("fill", 131070, 1, 3),
             ("fill", 131070, 1, 2), ("b", 131071), ("copy", 65534, 0, 3), ("init", 0, 8, 3),
             ("sizes",), ("grow_b", 3), ("sizes",), ("b", 131072 + 5)]
    got = [outcome(store, ex[name], *args) for name, *args in calls]
    assert got[2] == int.from_bytes(b"23456\0\0\0", "little")
    assert got[3] == got[6] == got[7] == "trap: out of bounds memory access"
    assert got[5] == 1 and got[8] == [1, 2] and got[9] == 2 and got[10] == [1, 5]


def test_wide_arithmetic(rt):
    store, ex = instance(rt, """(module
        (func (export "add") (param i64 i64 i64 i64) (result i64 i64)
          (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
        (func (export "sub") (param i64 i64 i64 i64) (result i64 i64)
          (i64.sub128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
        (func (export "mul_s") (param i64 i64) (result i64 i64)
          (i64.mul_wide_s (local.get 0) (local.get 1)))
        (func (export "mul_u") (param i64 i64) (result i64 i64)
          (i64.mul_wide_u (local.get 0) (local.get 1))))""")

    def i64(v: int) -> int:
        v &= M64 - 1
        return v - M64 if v >> 63 else v

    def pair(v: int) -> list[int]:
        return [i64(v), i64(v >> 64)]

    rng = random.Random(17)
    edges = [0, 1, -1, 1 << 63, (1 << 63) - 1, 0xFFFF_FFFF, 1 << 32]
    for _ in range(200):
        a, b, c, d = (rng.choice(edges + [rng.getrandbits(64)]) for _ in range(4))
        x, y = (a & (M64 - 1)) | (b & (M64 - 1)) << 64, (c & (M64 - 1)) | (d & (M64 - 1)) << 64
        assert ex["add"](store, i64(a), i64(b), i64(c), i64(d)) == pair(x + y)
        assert ex["sub"](store, i64(a), i64(b), i64(c), i64(d)) == pair(x - y)
        assert ex["mul_u"](store, i64(a), i64(c)) == pair((a & (M64 - 1)) * (c & (M64 - 1)))
        assert ex["mul_s"](store, i64(a), i64(c)) == pair(i64(a) * i64(c))


def test_table64(rt):
    store, ex = instance(rt, """(module
        (type $t (func (result i32)))
        (table $tab i64 2 10 funcref)
        (elem (table $tab) (i64.const 1) func $seven)
        (func $seven (result i32) (i32.const 7))
        (func (export "call") (param i64) (result i32) (call_indirect $tab (type $t)
          (local.get 0)))
        (func (export "grow") (param i64) (result i64) (table.grow $tab (ref.null func)
          (local.get 0)))
        (func (export "size") (result i64) (table.size $tab))
        (func (export "fill") (param i64 i64) (table.fill $tab (local.get 0) (ref.null func)
          (local.get 1))))""")
    calls = [("call", 1), ("call", 0), ("call", 1 << 32 | 1), ("grow", 3), ("size",),
             ("grow", 1 << 40), ("fill", 1, 1 << 32), ("fill", 4, 1), ("call", 1), ("size",)]
    got = [outcome(store, ex[name], *args) for name, *args in calls]
    assert got[0] == 7 and got[3] == 2 and got[4] == 5 and got[5] == -1
    assert "uninitialized element" in got[1] and "out of bounds table access" in got[6]
    assert got[2].startswith("trap: undefined element")
    assert got[8] == 7 and got[9] == 5


@pytest.mark.parametrize(
    "option, text",
    [
        ("wasm_multi_memory", "(module (memory 1) (memory 1))"),
        ("wasm_memory64", "(module (memory i64 1))"),
        ("wasm_memory64", "(module (table i64 1 funcref))"),
        ("wasm_wide_arithmetic", ("(module (func (param i64 i64) (result i64 i64) "
                                  "(i64.mul_wide_u (local.get 0) (local.get 1))))")),
    ],
)
def test_a_proposal_switched_off_rejects_its_modules(rt, option: str, text: str):
    rt.Module(engine(rt), text)
    with pytest.raises(rt.WasmtimeError):
        rt.Module(engine(rt, **{option: False}), text)


def test_table64_type_in_the_api():
    import wasmrt

    store = wasmrt.Store(engine(wasmrt))
    ty = wasmrt.TableType(wasmrt.ValType.funcref(), wasmrt.Limits(2, None), is_64=True)
    table = wasmrt.Table(store, ty, None)
    assert table.type(store).is_64 and table.size(store) == 2
    module = wasmrt.Module(store.engine, '(module (table (import "m" "t") i64 1 funcref))')
    wasmrt.Instance(store, module, [table])
    module32 = wasmrt.Module(store.engine, '(module (table (import "m" "t") 1 funcref))')
    with pytest.raises(wasmrt.WasmtimeError, match="expected 32-bit table, found 64-bit table"):
        wasmrt.Instance(store, module32, [table])
