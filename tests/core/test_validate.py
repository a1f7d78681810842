"""The validator: module rules, instruction typing, the polymorphic stack, and the
``Instr`` records handed to the lowerer (seen through ``trace_instrs``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.core.wasm_bytes import HEADER, func_module, module, name, section, vec
from wasmrt import _core
from wasmrt.errors import DecodeError, UnsupportedFeatureError, ValidationError

I32, I64, F32, F64, V128, FUNCREF, EXTERNREF = 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F

VALID = [
    "(module (func (result i32) i32.const 1 i32.const 2 i32.add))",
    "(module (func (param i64) (result i64) local.get 0 i64.const 3 i64.shl))",
    "(module (func (result f32) f32.const 1 f32.const 2 f32.copysign))",
    "(module (func (result i32) unreachable))",
    "(module (func (result i32) unreachable i32.add))",
    "(module (func (result i32 i64) i32.const 1 i64.const 2))",
    "(module (func (param i32) (result i32 i32) local.get 0 (block (param i32) (result i32 i32) i32.const 2)))",
    "(module (func (result i32) (loop (result i32) i32.const 1)))",
    "(module (func (param i32) (result i32) local.get 0 (if (result i32) (then i32.const 1) (else i32.const 2))))",
    ("(module (func (param i32) local.get 0 local.get 0 (if (param i32) (then drop) (else drop)) (i32.const 0) "
    "(if (then))))"),
    "(module (func (param i32) (result i32) (block (result i32) i32.const 1 local.get 0 br_if 0)))",
    ("(module (func (param i32) (result i32) (block (result i32) (block (result i32) i32.const 1 local.get 0 "
    "br_table 0 1 0))))"),
    "(module (func (result i32) (block (result i32) unreachable br_table 0 0)))",
    "(module (func (param i32) (result i32) local.get 0 local.get 0 local.get 0 select))",
    "(module (func (param externref) (result externref) local.get 0 local.get 0 i32.const 1 select (result externref)))",
    "(module (func (result i32) unreachable select))",
    "(module (func (result i32) ref.null func ref.is_null))",
    "(module (func $f) (elem declare func $f) (func (result funcref) ref.func $f))",
    "(module (func $f (export \"f\")) (func (result funcref) ref.func $f))",
    "(module (func $f) (global funcref (ref.func $f)) (func (result funcref) ref.func $f))",
    "(module (table 2 externref) (table 1 funcref) (func (param i32) (result externref) local.get 0 table.get 0))",
    "(module (table 1 funcref) (func (result i32) ref.null func i32.const 1 table.grow 0))",
    "(module (memory 1) (func (param i32) (result i64) local.get 0 i64.load32_u offset=4 align=4))",
    "(module (memory 1) (func i32.const 0 i32.const 0 i32.const 0 memory.copy))",
    "(module (memory 1) (data \"x\") (func i32.const 0 i32.const 0 i32.const 1 memory.init 0 data.drop 0))",
    ("(module (table 1 funcref) (elem funcref (ref.null func)) (func i32.const 0 i32.const 0 i32.const 1 "
    "table.init 0 elem.drop 0))"),
    "(module (memory 1) (func (result v128) i32.const 0 v128.load align=16))",
    "(module (func (param v128) (result i32) local.get 0 i8x16.extract_lane_u 15))",
    ("(module (func (param v128) (result v128) local.get 0 local.get 0 i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 "
    "12 13 14 31))"),
    "(module (memory 1) (func (param v128) (result v128) i32.const 0 local.get 0 v128.load64_lane 1))",
    "(module (func (param v128) (result v128) local.get 0 i32.const 1 i64x2.shl))",
    ("(module (type $t (func (param i32) (result i32))) (table 1 funcref) (func (result i32) i32.const 1 "
    "i32.const 0 call_indirect (type $t)))"),
    "(module (func $s) (start $s))",
    "(module (import \"m\" \"g\" (global i32)) (memory 1) (data (global.get 0) \"a\") (global i32 (global.get 0)))",
    "(module (global $g (mut i32) (i32.const 0)) (func i32.const 1 global.set $g))",
    "(module (memory 65536))",
    "(module (memory 0 65536))",
    "(module (table 0xffffffff funcref))",
    ("(module (func (result i32) i32.const 0 i32.extend8_s) (func (param f32) (result i64) local.get 0 "
    "i64.trunc_sat_f32_u))"),
]


@pytest.mark.parametrize("wat", VALID)
def test_valid(wat: str, wat2bin: Callable[[str], bytes]) -> None:
    _core.validate_module(wat2bin(wat))


INVALID = [
    ("(module (func (result i32) i64.const 1))", "type mismatch"),
    ("(module (func (result i32) i32.const 1 i32.const 2))", "type mismatch"),
    ("(module (func i32.const 1))", "type mismatch"),
    ("(module (func (result i32) i32.add))", "type mismatch"),
    ("(module (func (result i32) (block (result i32) i64.const 0)))", "type mismatch"),
    ("(module (func (param i32) (result i32) local.get 0 (if (result i32) (then i32.const 1))))", "type mismatch"),
    ("(module (func (result i32) (block (result i32) i32.const 0 br 0 i64.const 0)))", "type mismatch"),
    ("(module (func (result i32) unreachable i64.const 0 i32.add))", "type mismatch"),
    (("(module (func (param i32) (result i32) (block (result i32) (block (result i64) i32.const 1 "
     "local.get 0 br_table 0 1 0))))"), "type mismatch"),
    ("(module (func (param externref) local.get 0 local.get 0 i32.const 1 select drop))", "type mismatch"),
    ("(module (func (param i32 i64) local.get 0 local.get 1 i32.const 1 select drop))", "type mismatch"),
    ("(module (func (param i32) local.get 0 ref.is_null drop))", "type mismatch"),
    ("(module (func local.get 3))", "unknown local 3"),
    ("(module (func global.get 1))", "unknown global 1"),
    ("(module (func call 5))", "unknown function 5"),
    ("(module (func i32.const 0 table.get 2 drop))", "unknown table 2"),
    ("(module (func i32.const 0 i32.load drop))", "unknown memory 0"),
    ("(module (func br 1))", "unknown label"),
    ("(module (func (block (br_table 0 1 2 (i32.const 0)))))", "unknown label"),
    ("(module (memory 1) (func i32.const 0 i32.const 0 i32.const 0 memory.init 1))", "unknown data segment 1"),
    ("(module (func elem.drop 0))", "unknown elem segment 0"),
    ("(module (global i32 (i32.const 0)) (func i32.const 1 global.set 0))", "immutable global"),
    ("(module (memory 1) (func i32.const 0 i32.load align=8 drop))", "alignment must not be larger than natural"),
    ("(module (memory 1) (func i32.const 0 i64.load8_s align=2 drop))", "alignment must not be larger than natural"),
    ("(module (memory 1) (func (param v128) i32.const 0 local.get 0 v128.store16_lane align=4 0))",
     "alignment must not be larger than natural"),
    ("(module (func (export \"a\")) (func (export \"a\")))", "duplicate export name"),
    ("(module (func $f) (func (result funcref) ref.func $f))", "undeclared function reference"),
    ("(module (global i32 (i32.ctz (i32.const 0))))", "constant expression required"),
    ("(module (global (mut i32) (i32.const 0)) (global i32 (global.get 0)))", "unknown global 0"),
    ("(module (import \"m\" \"g\" (global (mut i32))) (global i32 (global.get 0)))", "constant expression required"),
    ("(module (global i32 (i64.const 0)))", "type mismatch"),
    ("(module (memory 1) (memory 1))", "multiple memories"),
    ("(module (import \"m\" \"m\" (memory 1)) (memory 1))", "multiple memories"),
    ("(module (memory 2 1))", "size minimum must not be greater than maximum"),
    ("(module (table 2 1 funcref))", "size minimum must not be greater than maximum"),
    ("(module (memory 65537))", "memory size must be at most 65536 pages (4GiB)"),
    ("(module (memory 0 65537))", "memory size must be at most 65536 pages (4GiB)"),
    ("(module (func $s (param i32)) (start $s))", "start function"),
    ("(module (func $s (result i32) i32.const 0) (start $s))", "start function"),
    ("(module (start 3))", "unknown function 3"),
    ("(module (func (param v128) (result i32) local.get 0 i8x16.extract_lane_s 16))", "invalid lane index"),
    ("(module (func (param v128) (result i64) local.get 0 i64x2.extract_lane 2))", "invalid lane index"),
    (("(module (func (param v128) (result v128) local.get 0 local.get 0 i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 "
     "12 13 14 32))"), "invalid lane index"),
    ("(module (memory 1) (func (param v128) (result v128) i32.const 0 local.get 0 v128.load32_lane 4))",
     "invalid lane index"),
    ("(module (table 1 externref) (func i32.const 0 call_indirect))", "type mismatch"),
    ("(module (table 1 funcref) (func i32.const 0 call_indirect (type 3)))", "unknown type"),
    ("(module (table 1 externref) (elem (table 0) (i32.const 0) func))", "type mismatch"),
    ("(module (table 1 funcref) (elem (table 1) (i32.const 0) func))", "unknown table 1"),
    (("(module (table 1 funcref) (table 1 externref) (elem funcref) "
     "(func i32.const 0 i32.const 0 i32.const 0 table.init 1 0))"), "type mismatch"),
    ("(module (table 1 funcref) (table 1 externref) (func i32.const 0 i32.const 0 i32.const 0 table.copy 0 1))",
     "type mismatch"),
    ("(module (data (i32.const 0) \"\"))", "unknown memory 0"),
    ("(module (export \"m\" (memory 0)))", "unknown memory 0"),
    ("(module (func (type 7)))", "unknown type 7"),
]


@pytest.mark.parametrize("wat, reason", INVALID)
def test_invalid(wat: str, reason: str, wat2bin: Callable[[str], bytes]) -> None:
    with pytest.raises(ValidationError) as info:
        _core.validate_module(wat2bin(wat))
    assert info.value.reason.startswith(reason)


def test_error_names_function_and_offset(wat2bin: Callable[[str], bytes]) -> None:
    data = wat2bin("(module (func) (func nop nop i64.const 0 i32.eqz drop))")
    with pytest.raises(ValidationError) as info:
        _core.validate_module(data)
    err = info.value
    assert err.func_index == 1
    assert data[err.offset] == 0x45  # the i32.eqz that found the mismatch


def test_select_typed_arity() -> None:
    body = b"\x41\x00\x41\x00\x41\x00\x1c\x02\x7f\x7f\x1a\x0b"
    with pytest.raises(ValidationError, match="invalid result arity"):
        _core.validate_module(func_module(body))


def test_data_count_required_for_memory_init() -> None:
    mem = section(5, vec([b"\x00\x01"]))
    body = b"\x41\x00\x41\x00\x41\x00\xfc\x08\x00\x00\x0b"
    with pytest.raises(DecodeError, match="data count section required"):
        _core.validate_module(func_module(body, extra=mem))


def test_zero_byte_expected() -> None:
    mem = section(5, vec([b"\x00\x01"]))
    with pytest.raises(DecodeError, match="zero byte expected"):
        _core.validate_module(func_module(b"\x3f\x01\x1a\x0b", extra=mem))


def test_illegal_opcode() -> None:
    with pytest.raises(DecodeError, match="illegal opcode"):
        _core.validate_module(func_module(b"\x27\x0b"))
    with pytest.raises(DecodeError, match="illegal opcode"):
        _core.validate_module(func_module(b"\xfc\x12\x0b"))


@pytest.mark.parametrize("body, feature", [
    (b"\x12\x00\x0b", "tail calls"),
    (b"\x06\x40\x0b\x0b", "exception handling"),
    (b"\xfb\x00\x0b", "gc"),
    (b"\xfe\x00\x0b", "threads"),
    (b"\xfd\x80\x02\x0b", "relaxed simd"),
    (b"\x41\x00\x28\x42\x01\x00\x1a\x0b", "multiple memories"),
])
def test_3_0_instructions_are_unsupported(body: bytes, feature: str) -> None:
    with pytest.raises(UnsupportedFeatureError, match=feature):
        _core.validate_module(func_module(body))


def test_features_mask(wat2bin: Callable[[str], bytes]) -> None:
    simd = wat2bin("(module (func (result v128) v128.const i64x2 0 0))")
    _core.validate_module(simd, _core.WASM2_FEATURES)
    no_simd = _core.WASM2_FEATURES & ~_core.FEATURES["simd"]
    with pytest.raises(UnsupportedFeatureError, match="simd"):
        _core.validate_module(simd, no_simd)
    # the baseline (mutable globals, sign-ext, saturating conversions) cannot be disabled
    _core.validate_module(wat2bin("(module (func (result i32) i32.const 1 i32.extend8_s))"), 0)
    assert _core.validate_module(wat2bin("(module)"), 0).features == _core.BASELINE_FEATURES
    two_tables = wat2bin("(module (table 1 funcref) (table 1 funcref))")
    with pytest.raises(ValidationError, match="multiple tables"):
        _core.validate_module(two_tables, _core.WASM2_FEATURES & ~_core.FEATURES["reference_types"])


def test_compile_module_lowers_every_body(wat2bin: Callable[[str], bytes]) -> None:
    m = _core.compile_module(wat2bin("(module (func) (func (result i32) i32.const 7))"))
    assert len(m.func_codes) == 2
    assert _core.validate_module(wat2bin("(module (func))")).func_codes == []


# -- the Instr records handed to the lowerer ------------------------------------------------------

def test_trace_blocks_and_branches(wat2bin: Callable[[str], bytes]) -> None:
    (trace,) = _core.trace_instrs(wat2bin("""(module (memory 1) (func (param i32) (result i32)
        (block (result i32) local.get 0 i32.load offset=8 local.get 0 br_table 0 0 0 i32.const 5)
        (if (then nop) (else unreachable i32.add drop)) i32.const 1))"""))
    ops = [t["op"] for t in trace]
    assert ops == [0x02, 0x20, 0x28, 0x20, 0x0E, 0x41, 0x0B, 0x04, 0x01, 0x05, 0x00, 0x6A, 0x1A, 0x0B,
                   0x41, 0x0B]
    block, get, load, _, br_table, const5, end_block = trace[:7]
    assert (block["block_type"], block["nparams"], block["nresults"]) == (I32 - 0x80, 0, 1)
    assert (get["idx"], get["val_type"], get["height"]) == (0, I32, 1)
    assert (load["align"], load["mem_offset"], load["val_type"]) == (2, 8, I32)
    assert (br_table["targets"], br_table["idx"], br_table["height"], br_table["unreachable"]) == ([0, 0], 0, 0, True)
    assert const5["unreachable"] and const5["bits"] == 5
    assert end_block["frame_kind"] == 1 and end_block["frame_unreachable"] and end_block["height"] == 1
    else_ = trace[9]
    assert else_["frame_kind"] == 3 and not else_["frame_unreachable"]
    end_else = trace[13]
    assert end_else["frame_kind"] == 4 and end_else["frame_unreachable"]
    assert trace[-1]["frame_kind"] == 0 and trace[-1]["frame_nresults"] == 1


def test_trace_immediates(wat2bin: Callable[[str], bytes]) -> None:
    (trace,) = _core.trace_instrs(wat2bin("""(module (type $t (func (param i32) (result i64)))
        (table 2 funcref) (table 1 funcref) (func (result i64)
        i32.const -1 drop i64.const -2 drop f32.const 1.5 drop f64.const -2 drop
        v128.const i32x4 1 2 3 4 drop
        i32.const 3 i32.const 0 call_indirect 1 (type $t)))"""))
    assert trace[0]["bits"] == 0xFFFFFFFFFFFFFFFF
    assert trace[2]["bits"] == 0xFFFFFFFFFFFFFFFE
    assert trace[4]["bits"] == 0x3FC00000
    assert trace[6]["bits"] == 0xC000000000000000
    assert trace[8]["v128"] == bytes([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0])
    ci = trace[12]
    assert (ci["op"], ci["idx"], ci["idx2"], ci["nparams"], ci["nresults"]) == (0x11, 0, 1, 1, 1)


def test_trace_prefixed_ops(wat2bin: Callable[[str], bytes]) -> None:
    (trace,) = _core.trace_instrs(wat2bin("""(module (memory 1) (func (param f32 v128) (result i32)
        local.get 0 i32.trunc_sat_f32_s drop
        i32.const 0 i32.const 0 i32.const 0 memory.fill
        local.get 1 i16x8.extract_lane_u 7))"""))
    ops = [t["op"] for t in trace]
    assert 0xFC0000 in ops and 0xFC000B in ops and 0xFD0019 in ops
    lane = trace[ops.index(0xFD0019)]
    assert lane["idx"] == 7


# -- phase order: a malformed body wins over an invalid module (the spec decodes first) ----------

def test_malformed_body_wins_over_invalid_module() -> None:
    # export name duplicated (invalid) and an illegal opcode in the body (malformed)
    exports = section(7, vec([b"\x01a\x00\x00", b"\x01a\x00\x00"]))
    with pytest.raises(DecodeError, match="illegal opcode"):
        _core.validate_module(func_module(b"\x27\x0b", extra=exports))


def test_malformed_body_wins_over_type_error_in_earlier_body() -> None:
    types = section(1, vec([b"\x60\x00\x00"]))
    funcs = section(3, vec([b"\x00", b"\x00"]))
    code = section(10, vec([b"\x03\x00\x6a\x0b", b"\x03\x00\xff\x0b"]))  # i32.add on nothing; 0xff
    data = b"\x00asm\x01\x00\x00\x00" + types + funcs + code
    with pytest.raises(DecodeError, match="illegal opcode"):
        _core.validate_module(data)


def test_malformed_body_wins_over_malformed_later_section() -> None:
    body = b"\x41\x80\x80\x80\x80\x80\x00\x1a\x0b"   # i32.const with a 6-byte LEB128
    data = func_module(body) + b"\x0b\x02\x01"        # then a truncated data section
    with pytest.raises(DecodeError, match="integer representation too long"):
        _core.decode_module(data)


def test_body_without_end_reads_on_like_the_spec() -> None:
    types = section(1, vec([b"\x60\x00\x00"]))
    funcs = section(3, vec([b"\x00", b"\x00"]))
    code = section(10, vec([b"\x02\x00\x01", b"\x03\x00\x05\x0b"]))  # body 0 lacks its end
    data = b"\x00asm\x01\x00\x00\x00" + types + funcs + code
    with pytest.raises(DecodeError, match="END opcode expected"):
        _core.validate_module(data)


# Module-level errors carry the byte offset of the entity at fault, as body errors do.
MODULE_LEVEL = [
    ("(module (func (export \"a\")) (export \"a\" (func 0)))", "duplicate export name 'a'"),
    ("(module (memory 2 1))", "size minimum must not be greater than maximum"),
    ("(module (table 2 1 funcref))", "size minimum must not be greater than maximum"),
    ("(module (import \"m\" \"m\" (memory 2 1)))", "size minimum must not be greater than maximum"),
    ("(module (import \"m\" \"t\" (table 2 1 funcref)))", "size minimum must not be greater than maximum"),
    ("(module (memory 65537))", "memory size must be at most 65536 pages (4GiB)"),
    ("(module (func $s (param i32)) (start $s))", "start function must have type [] -> []"),
    ("(module (start 3))", "unknown function 3"),
    ("(module (memory 1) (memory 1))", "multiple memories"),
    ("(module (import \"m\" \"m\" (memory 1)) (memory 1))", "multiple memories"),
    ("(module (export \"m\" (memory 0)))", "unknown memory 0"),
    ("(module (export \"f\" (func 3)))", "unknown function 3"),
    ("(module (export \"t\" (table 0)))", "unknown table 0"),
    ("(module (export \"g\" (global 0)))", "unknown global 0"),
    ("(module (func (type 7)))", "unknown type 7"),
    ("(module (import \"m\" \"f\" (func (type 7))))", "unknown type 7"),
    ("(module (table 1 funcref) (elem (table 1) (i32.const 0) func))", "unknown table 1"),
    ("(module (table 1 externref) (elem (table 0) (i32.const 0) func))", "type mismatch"),
    ("(module (elem funcref (ref.null extern)))", "type mismatch"),
    ("(module (elem funcref (ref.func 4)))", "unknown function 4"),
    ("(module (data (i32.const 0) \"\"))", "unknown memory 0"),
    ("(module (memory 1) (data (i64.const 0) \"\"))", "type mismatch"),
    ("(module (global i32 (global.get 0)))", "unknown global 0"),
    ("(module (func $f) (func (result funcref) ref.func $f))", "undeclared function reference"),
]


@pytest.mark.parametrize("wat, reason", MODULE_LEVEL)
def test_module_level_errors_carry_offset(wat: str, reason: str, wat2bin: Callable[[str], bytes]) -> None:
    data = wat2bin(wat)
    with pytest.raises(ValidationError) as info:
        _core.validate_module(data)
    err = info.value
    assert err.reason.startswith(reason)
    assert 8 <= err.offset < len(data)
    assert f"offset 0x{err.offset:x}" in str(err)


@pytest.mark.parametrize("wat, reason, feature", [
    ("(module (table 1 funcref) (table 1 funcref))", "multiple tables", "reference_types"),
    ("(module (type (func (result i32 i32))))", "invalid result arity", "multi_value"),
])
def test_module_level_feature_errors_carry_offset(wat: str, reason: str, feature: str,
                                                  wat2bin: Callable[[str], bytes]) -> None:
    data = wat2bin(wat)
    with pytest.raises(ValidationError) as info:
        _core.validate_module(data, _core.WASM2_FEATURES & ~_core.FEATURES[feature])
    assert info.value.reason.startswith(reason)
    assert 8 <= info.value.offset < len(data)


def test_duplicate_export_offset_is_the_second_entry() -> None:
    first = name("a") + b"\x00\x00"
    second = name("a") + b"\x00\x00"
    types = section(1, vec([b"\x60\x00\x00"]))
    funcs = section(3, vec([b"\x00"]))
    exports_start = len(HEADER) + len(types) + len(funcs) + 2   # the export section's id, size
    data = module(types, funcs, section(7, vec([first, second])),
                  section(10, vec([b"\x02\x00\x0b"])))
    with pytest.raises(ValidationError) as info:
        _core.validate_module(data)
    assert info.value.offset == exports_start + 1 + len(first)   # after the count and the first
    assert data[info.value.offset:info.value.offset + 2] == b"\x01a"
    assert [ex.offset for ex in _core.decode_module(data).exports] == [exports_start + 1,
                                                                       exports_start + 1 + len(first)]


def test_limits_start_and_function_type_offsets() -> None:
    types = section(1, vec([b"\x60\x01\x7f\x00"]))
    # memory (2, max 1): its limits flag byte right after the section header and count
    mems = section(5, vec([b"\x01\x02\x01"]))
    data = module(types, mems)
    with pytest.raises(ValidationError, match="size minimum") as info:
        _core.validate_module(data)
    assert info.value.offset == len(HEADER) + len(types) + 3
    assert data[info.value.offset] == 0x01
    # start names a function of type [i32] -> []: the offset is its index
    funcs = section(3, vec([b"\x00"]))
    data = module(types, funcs, section(8, b"\x00"), section(10, vec([b"\x02\x00\x0b"])))
    with pytest.raises(ValidationError, match="start function") as info:
        _core.validate_module(data)
    assert info.value.offset == len(HEADER) + len(types) + len(funcs) + 2
    # the third declared function names type 5: the offset is its type index
    funcs = section(3, vec([b"\x00", b"\x00", b"\x05"]))
    codes = section(10, vec([b"\x02\x00\x0b"] * 3))
    data = module(types, funcs, codes)
    with pytest.raises(ValidationError, match="unknown type 5") as info:
        _core.validate_module(data)
    assert info.value.offset == len(HEADER) + len(types) + 2 + 1 + 2
    assert data[info.value.offset] == 0x05


def test_module_api_message_has_offset() -> None:
    import wasmrt
    with pytest.raises(ValidationError, match=r"^duplicate export name 'a' \(at offset 0x[0-9a-f]+\)$"):
        wasmrt.Module(wasmrt.Engine(), '(module (func (export "a")) (export "a" (func 0)))')
