"""Multi-memory, memory64/table64, custom page sizes and wide arithmetic in the compile
pipeline: the binary encodings (limits flags, memargs with a memory index, u64 offsets), the
validation rules and messages, and what the lowerer emits.  Memory 0 of a 32-bit memory
keeps its memory-0 ops (mem/msize in registers, the fused address forms); other memories
and 64-bit ones get the ``*_m`` forms, table64 the ``*64`` ops."""

from __future__ import annotations

import pytest

from tests.core.wasm_bytes import func_module, module, section, vec
from wasmrt import _core
from wasmrt.errors import DecodeError, UnsupportedFeatureError, ValidationError
from wasmrt.wat import wat2wasm

WASM3 = (_core.WASM2_FEATURES | _core.FEATURE_MEMORY64 | _core.FEATURE_MULTI_MEMORY
         | _core.FEATURE_WIDE_ARITHMETIC)
PAGES = WASM3 | _core.FEATURE_CUSTOM_PAGE_SIZES


def compile_(text: str, features: int = WASM3) -> _core.ModuleInfo:
    return _core.compile_module(wat2wasm(text), features)


def dis(text: str, features: int = WASM3) -> list[str]:
    """The disassembly (without pcs) of the last function of a module."""
    return _core.disassemble(compile_(text, features).func_codes[-1], pcs=False).splitlines()


def invalid(text: str, features: int = WASM3) -> str:
    with pytest.raises(ValidationError) as e:
        compile_(text, features)
    return e.value.reason


# -- decoding ----------------------------------------------------------------------------


def test_limits_of_memories_and_tables() -> None:
    m = compile_("(module (memory i64 2 (pagesize 1)) (memory 1 3) (table i64 5 funcref))", PAGES)
    big, small = m.memories
    assert (big.is_64, big.min, big.max, big.page_size_log2) == (True, 2, -1, 0)
    assert (small.is_64, small.min, small.max, small.page_size_log2) == (False, 1, 3, 16)
    assert m.tables[0].is_64 and m.tables[0].min == 5


def test_limits_are_u64_in_the_3_0_encoding() -> None:
    # a 32-bit memory's minimum written as a u64: decoded, then bounded by validation
    data = module(section(5, vec([b"\x00\x80\x80\x80\x80\x10"])))
    with pytest.raises(ValidationError, match="memory size must be at most 65536 pages"):
        _core.validate_module(data, WASM3)
    with pytest.raises(DecodeError, match="integer too large"):
        _core.validate_module(data, _core.WASM2_FEATURES)


def test_limits_flags_of_disabled_proposals() -> None:
    pagesize = module(section(5, vec([b"\x08\x00\x00"])))
    with pytest.raises(DecodeError, match="^malformed limits flags"):
        _core.validate_module(pagesize, WASM3)
    assert _core.validate_module(pagesize, PAGES).memories[0].page_size_log2 == 0
    with pytest.raises(DecodeError, match="^malformed limits flags"):
        _core.validate_module(module(section(4, vec([b"\x70\x02\x00"]))), WASM3)  # no shared table
    with pytest.raises(UnsupportedFeatureError, match="threads"):
        _core.validate_module(module(section(5, vec([b"\x03\x00\x01"]))), WASM3)
    # the page size exponent must fit a u64 (2**64 does not)
    with pytest.raises(DecodeError, match="invalid custom page size"):
        _core.validate_module(module(section(5, vec([b"\x08\x00\x40"]))), PAGES)


def test_memarg_flags() -> None:
    def body(memarg: bytes) -> bytes:
        two_memories = section(5, vec([b"\x00\x01", b"\x04\x01"]))     # the second: i64
        return func_module(b"\x42\x00\x28" + memarg + b"\x1a\x0b", extra=two_memories)

    # bit 6: a memory index follows; its offset is a u64
    m = _core.trace_instrs(body(b"\x42\x01\x80\x80\x80\x80\x10"), WASM3)[0]
    load = next(d for d in m if d["op"] == 0x28)
    assert (load["mem"], load["align"], load["mem_offset"]) == (1, 2, 1 << 32)
    with pytest.raises(DecodeError, match="malformed memop flags"):
        _core.validate_module(body(b"\x80\x01\x00"), WASM3)
    one_memory = section(5, vec([b"\x00\x01"]))
    wasm2 = func_module(b"\x41\x00\x28\x42\x00\x00\x1a\x0b", extra=one_memory)
    with pytest.raises(UnsupportedFeatureError, match="multiple memories"):
        _core.validate_module(wasm2, _core.WASM2_FEATURES)


# -- validation --------------------------------------------------------------------------


def test_address_types() -> None:
    assert invalid("(module (memory i64 1) (func (drop (i32.load (i32.const 0)))))") == \
        "type mismatch"
    assert invalid("(module (memory 1) (func (drop (i32.load offset=0x1_0000_0000 "
                   "(i32.const 0)))))") == "offset out of range"
    compile_("(module (memory i64 1) (func (drop (i32.load offset=0xffff_ffff_ffff_ffff "
             "(i64.const 0)))))")
    compile_("(module (memory i64 1) (func (result i64) (memory.grow (i64.const 1))))")
    # memory.copy between address types: the length is i32 unless both are 64-bit
    compile_("(module (memory $a i64 1) (memory $b 1) (func (memory.copy $a $b (i64.const 0) "
             "(i32.const 0) (i32.const 0))))")
    assert invalid("(module (memory $a i64 1) (memory $b 1) (func (memory.copy $a $b "
                   "(i64.const 0) (i32.const 0) (i64.const 0))))") == "type mismatch"
    compile_("(module (table $t i64 1 funcref) (table $u 1 funcref) (func (table.copy $t $u "
             "(i64.const 0) (i32.const 0) (i32.const 0))))")
    compile_("(module (type $f (func)) (table i64 1 funcref) "
             "(func (call_indirect (type $f) (i64.const 0))))")


def test_memory_limits() -> None:
    assert invalid("(module (memory i64 0x1_0000_0000_0001))").startswith("memory size must be")
    compile_("(module (memory i64 0x1_0000_0000_0000))")
    assert invalid("(module (memory 0 (pagesize 2)))", PAGES) == "invalid custom page size"
    compile_("(module (memory i64 0xFFFF_FFFF_FFFF_FFFF (pagesize 1)))", PAGES)
    assert invalid("(module (table 0x1_0000_0000 funcref))").startswith("table size")
    compile_("(module (table i64 0x1_0000_0000 funcref))")


def test_segment_offsets_have_the_address_type() -> None:
    compile_("(module (memory i64 1) (data (i64.const 0) \"x\"))")
    assert invalid("(module (memory i64 1) (data (i32.const 0) \"x\"))").startswith(
        "type mismatch")
    compile_("(module (table i64 1 funcref) (elem (i64.const 0) func))")


def test_multiple_memories_need_the_proposal() -> None:
    text = "(module (memory 1) (memory 1))"
    assert invalid(text, _core.WASM2_FEATURES) == "multiple memories"
    assert len(compile_(text).memories) == 2
    assert invalid("(module (memory 1) (func (drop (memory.size 1))))") == "unknown memory 1"


def test_wide_arithmetic_is_gated() -> None:
    text = ("(module (func (param i64 i64) (result i64 i64) "
            "local.get 0 local.get 1 i64.mul_wide_u))")
    compile_(text)
    with pytest.raises(UnsupportedFeatureError, match="wide arithmetic"):
        compile_(text, WASM3 & ~_core.FEATURE_WIDE_ARITHMETIC)
    assert invalid("(module (func (param i64 i32) (result i64 i64) "
                   "local.get 0 local.get 1 i64.mul_wide_s))") == "type mismatch"


# -- lowering ----------------------------------------------------------------------------


def test_memory_0_keeps_its_ops_when_multi_memory_is_on() -> None:
    text = ("(module (memory 1) (memory 1) (func (param i32) (result i32) "
            "(i32.load (i32.add (local.get 0) (i32.const 8)))))")
    assert dis(text) == ["i32_load_add dst=1 x=0 imm=8", "ret_slot src=1"]


def test_other_memories_use_their_m_forms() -> None:
    text = ("(module (memory 1) (memory $b 1) (func (param i32) (result i32) "
            "(i32.store8 $b offset=3 (local.get 0) (i32.const 7)) "
            "(i32.load $b offset=4 (i32.add (local.get 0) (i32.const 8)))))")
    assert dis(text) == [
        "const32 dst=2 imm=7",
        "i32_store8_m addr=0 val=2 mem=1 offset=3",
        "i32_add_imm dst=1 x=0 imm=8",
        "i32_load_m dst=1 addr=1 mem=1 offset=4",
        "ret_slot src=1",
    ]


def test_a_64_bit_memory_0_uses_the_m_forms() -> None:
    text = ("(module (memory i64 1) (func (param i64) (result i32) "
            "(drop (memory.grow (i64.const 1))) (i32.load offset=0x1_0000_0000 (local.get 0))))")
    assert dis(text) == [
        "const32 dst=1 imm=1",
        "memory_grow_m dst=1 delta=1 mem=0",
        "i32_load_m dst=1 addr=0 mem=0 offset=4294967296",
        "ret_slot src=1",
    ]


def test_bulk_memory_of_other_memories() -> None:
    text = ("(module (memory $a 1) (memory $b 1) (data $d \"x\") (func "
            "(memory.copy $b $a (i32.const 0) (i32.const 1) (i32.const 2)) "
            "(memory.fill $b (i32.const 0) (i32.const 1) (i32.const 2)) "
            "(memory.init $b $d (i32.const 0) (i32.const 0) (i32.const 1))))")
    assert [line.split()[0] for line in dis(text) if "const" not in line] == [
        "memory_copy_m", "memory_fill_m", "memory_init_m", "ret"]


def test_table64_ops() -> None:
    text = ("(module (type $f (func)) (table $t i64 2 funcref) (func (param i64) "
            "(call_indirect (type $f) (local.get 0)) (drop (table.get $t (local.get 0))) "
            "(drop (table.grow $t (ref.null func) (local.get 0)))))")
    ops = [line.split()[0] for line in dis(text)]
    assert ops[:3] == ["call_indirect64", "table_get64", "const32"]
    assert "table_grow64" in ops


def test_wide_arithmetic_results_take_two_slots() -> None:
    text = ("(module (func (param i64 i64 i64 i64) (result i64 i64) local.get 0 local.get 1 "
            "local.get 2 local.get 3 i64.add128))")
    assert dis(text)[0] == "i64_add128 dst=4 x_lo=0 x_hi=1 y_lo=2 y_hi=3"
