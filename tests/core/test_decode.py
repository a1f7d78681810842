"""The binary decoder: one group of tests per section, in binary order."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import wasmrt
from tests.core.wasm_bytes import HEADER, func_module, module, name, section, uleb, vec
from wasmrt import _core
from wasmrt.errors import DecodeError, UnsupportedFeatureError

I32, I64, F32, F64, V128, FUNCREF, EXTERNREF = 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F


def decode_error(data: bytes) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        _core.decode_module(data)
    return info.value


# -- preamble ------------------------------------------------------------------------------

def test_empty_module() -> None:
    m = _core.decode_module(HEADER)
    assert m.types == [] and m.imports == [] and m.start == -1 and m.data_count == -1
    assert m.data == HEADER


@pytest.mark.parametrize("data, reason", [
    (b"", "unexpected end"),
    (b"\x00as", "unexpected end"),
    (b"\x00asn\x01\x00\x00\x00", "magic header not detected"),
    (b"\x00asm\x01", "unexpected end"),
    (b"\x00asm\x02\x00\x00\x00", "unknown binary version"),
])
def test_preamble(data: bytes, reason: str) -> None:
    assert decode_error(data).reason == reason


def test_component_is_unsupported() -> None:
    with pytest.raises(UnsupportedFeatureError):
        _core.decode_module(b"\x00asm\x0d\x00\x01\x00")


def test_bytes_like_inputs() -> None:
    assert _core.decode_module(bytearray(HEADER)).types == []
    assert _core.decode_module(memoryview(HEADER)).types == []
    with pytest.raises(TypeError):
        _core.decode_module("not bytes")


# -- section framing -----------------------------------------------------------------------

def test_section_order_and_duplicates() -> None:
    types = section(1, vec([b"\x60\x00\x00"]))
    funcs = section(3, vec([b"\x00"]))
    assert decode_error(module(funcs, types)).reason == "unexpected content after last section"
    assert decode_error(module(types, types)).reason == "unexpected content after last section"


def test_datacount_goes_before_code() -> None:
    dc = section(12, uleb(0))
    code = section(10, vec([]))
    assert _core.decode_module(module(dc, code)).data_count == 0
    assert decode_error(module(code, dc)).reason == "unexpected content after last section"


def test_custom_sections_anywhere() -> None:
    c1 = section(0, name("a") + b"xyz")
    c2 = section(0, name("b"))
    m = _core.decode_module(module(c1, section(1, vec([])), c2))
    assert m.customs == [("a", b"xyz"), ("b", b"")]


def test_malformed_section_id() -> None:
    assert decode_error(module(b"\x0e\x01\x00")).reason == "malformed section id"


def test_section_size_mismatch() -> None:
    assert decode_error(module(b"\x01\x05\x01\x60\x00\x00\x00")).reason == "section size mismatch"


def test_section_length_beyond_input() -> None:
    assert decode_error(module(b"\x01\x20\x01")).reason == "length out of bounds"


def test_tag_section_unsupported() -> None:
    with pytest.raises(UnsupportedFeatureError, match="unsupported feature"):
        _core.decode_module(module(section(13, vec([]))))


# -- type section --------------------------------------------------------------------------

def test_types_and_canonical_ids(wat2bin: Callable[[str], bytes]) -> None:
    m = _core.decode_module(wat2bin("""(module
        (type (func (param i32 i64) (result f32)))
        (type (func))
        (type (func (param i32 i64) (result f32)))
        (type (func (param v128 funcref externref) (result f64 i32))))"""))
    t0, t1, t2, t3 = m.types
    assert (t0.params, t0.results) == ((I32, I64), (F32,))
    assert (t1.params, t1.results) == ((), ())
    assert t3.params == (V128, FUNCREF, EXTERNREF) and t3.results == (F64, I32)
    assert t0.type_id == t2.type_id != t1.type_id != t3.type_id
    assert t0 == t2 and t0 != t1 and hash(t0) == hash(t2)
    # process-wide: another module gets the same ids
    again = _core.decode_module(wat2bin("(module (type (func)))"))
    assert again.types[0].type_id == t1.type_id


def test_gc_type_forms_are_unsupported() -> None:
    for form in (b"\x4e", b"\x50", b"\x5f"):
        with pytest.raises(UnsupportedFeatureError, match="unsupported feature: gc"):
            _core.decode_module(module(section(1, vec([form + b"\x00\x00"]))))


def test_malformed_value_type() -> None:
    assert decode_error(module(section(1, vec([b"\x60\x01\x40\x00"])))).reason == "malformed value type"


def test_typed_reference_is_unsupported() -> None:
    with pytest.raises(UnsupportedFeatureError):
        _core.decode_module(module(section(1, vec([b"\x60\x01\x63\x70\x00"]))))


def test_custom_descriptors_encodings_are_unsupported() -> None:
    """The custom-descriptors proposal (not implemented) is named, with Wasm 3.0 on:
    descriptor/describes clauses (0x4D/0x4C), an exact reference type (0x62), an exact
    function import (kind 0x20); its instructions (0xFB 0x20..0x26) are reserved opcodes
    (tests/core/test_wasm_ops.py)."""
    engine = wasmrt.Engine()
    struct0 = b"\x5f\x00"
    for data, at in (
        (module(section(1, vec([b"\x4e\x02\x4d\x01" + struct0 + b"\x4c\x00" + struct0]))),
         "descriptor and describes clauses"),
        (module(section(1, vec([b"\x5f\x01\x64\x62\x00\x00"]))), "exact reference types"),
        (module(section(1, vec([b"\x60\x00\x00"])),
                section(2, vec([name("a") + name("b") + b"\x20\x00"]))),
         "exact function imports"),
    ):
        with pytest.raises(UnsupportedFeatureError, match=f"custom descriptors \\({at}\\)"):
            wasmrt.Module(engine, data)


# -- import section ------------------------------------------------------------------------

def test_imports(wat2bin: Callable[[str], bytes]) -> None:
    m = _core.decode_module(wat2bin("""(module
        (type (func (param i32)))
        (import "env" "f" (func (type 0)))
        (import "env" "t" (table 2 10 funcref))
        (import "env" "m" (memory 1))
        (import "env" "g" (global (mut i64)))
        (func))"""))
    f, t, mem, g = m.imports
    assert (f.module, f.name, f.kind, f.desc) == ("env", "f", _core.PY_EXTERN_FUNC, 0)
    assert t.kind == _core.PY_EXTERN_TABLE and (t.desc.elem_type, t.desc.min, t.desc.max) == (FUNCREF, 2, 10)
    assert mem.kind == _core.PY_EXTERN_MEMORY and (mem.desc.min, mem.desc.max) == (1, -1)
    assert g.kind == _core.PY_EXTERN_GLOBAL and (g.desc.val_type, g.desc.mutable) == (I64, True)
    assert m.func_types == [0, 1]
    assert (m.num_imported_funcs, m.num_imported_tables) == (1, 1)
    assert (m.num_imported_memories, m.num_imported_globals) == (1, 1)
    assert m.globals[0].imported and m.globals[0].init is None
    assert m.tables[0] is t.desc and m.memories[0] is mem.desc


def test_malformed_import_kind() -> None:
    data = module(section(2, vec([name("a") + name("b") + b"\x05\x00"])))
    assert decode_error(data).reason == "malformed import kind"


def test_malformed_mutability() -> None:
    data = module(section(2, vec([name("a") + name("b") + b"\x03\x7f\x02"])))
    assert decode_error(data).reason == "malformed mutability"


def test_import_name_utf8() -> None:
    data = module(section(2, vec([name("a") + b"\x01\xff" + b"\x00\x00"])))
    assert decode_error(data).reason == "malformed UTF-8 encoding"


# -- function, table, memory, global sections -------------------------------------------------

def test_limits_flags() -> None:
    assert _core.decode_module(module(section(5, vec([b"\x01\x01\x02"])))).memories[0].max == 2
    with pytest.raises(UnsupportedFeatureError, match="threads"):
        _core.decode_module(module(section(5, vec([b"\x03\x01\x02"]))))
    with pytest.raises(UnsupportedFeatureError, match="memory64"):
        _core.decode_module(module(section(5, vec([b"\x04\x01"]))))
    assert decode_error(module(section(5, vec([b"\x81\x00"])))).reason == "integer representation too long"
    with pytest.raises(UnsupportedFeatureError, match="^integer too large.*custom page sizes"):
        _core.decode_module(module(section(5, vec([b"\x08\x00"]))))
    assert decode_error(module(section(5, vec([b"\x10\x00"])))).reason == "integer too large"


def test_tables_and_memories(wat2bin: Callable[[str], bytes]) -> None:
    m = _core.decode_module(wat2bin("(module (table 1 externref) (table 0 5 funcref) (memory 2 3))"))
    assert [(t.elem_type, t.min, t.max) for t in m.tables] == [(EXTERNREF, 1, -1), (FUNCREF, 0, 5)]
    assert [(x.min, x.max) for x in m.memories] == [(2, 3)]


def test_globals_and_const_exprs(wat2bin: Callable[[str], bytes]) -> None:
    m = _core.decode_module(wat2bin("""(module
        (import "m" "g" (global i32))
        (global i32 (i32.const -5))
        (global (mut i64) (i64.const 0x7fffffffffffffff))
        (global f32 (f32.const 1.5))
        (global f64 (f64.const -0.0))
        (global v128 (v128.const i32x4 1 2 3 4))
        (global funcref (ref.null func))
        (global funcref (ref.func 0))
        (global i32 (global.get 0))
        (func))"""))
    inits = [g.init.ops for g in m.globals[1:]]
    assert inits[0] == ((0x41, -5),)
    assert inits[1] == ((0x42, 0x7FFFFFFFFFFFFFFF),)
    assert inits[2] == ((0x43, 0x3FC00000),)
    assert inits[3] == ((0x44, 0x8000000000000000),)
    assert inits[4] == ((0xFD000C, bytes([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0])),)
    assert inits[5] == ((0xD0, FUNCREF),)
    assert inits[6] == ((0xD2, 0),)
    assert inits[7] == ((0x23, 0),)
    assert m.globals[2].type.mutable and not m.globals[1].type.mutable


# -- export, start ---------------------------------------------------------------------------

def test_exports_and_start(wat2bin: Callable[[str], bytes]) -> None:
    m = _core.decode_module(wat2bin("""(module (func $f) (memory 1) (table 1 funcref) (global i32 (i32.const 0))
        (export "f" (func $f)) (export "m" (memory 0)) (export "t" (table 0)) (export "g" (global 0))
        (start $f))"""))
    assert [(e.name, e.kind, e.index) for e in m.exports] == [("f", 0, 0), ("m", 2, 0), ("t", 1, 0), ("g", 3, 0)]
    assert m.start == 0


def test_malformed_export_kind() -> None:
    assert decode_error(module(section(7, vec([name("x") + b"\x07\x00"])))).reason == "malformed export kind"


# -- element section: all 8 encodings ------------------------------------------------------------

ELEM_SEGMENTS = [
    (b"\x00\x41\x00\x0b" + vec([b"\x00", b"\x01"]), _core.ACTIVE, 0, FUNCREF),
    (b"\x01\x00" + vec([b"\x01"]), _core.PASSIVE, 0, FUNCREF),
    (b"\x02\x01\x41\x02\x0b\x00" + vec([b"\x00"]), _core.ACTIVE, 1, FUNCREF),
    (b"\x03\x00" + vec([b"\x00"]), _core.DECLARATIVE, 0, FUNCREF),
    (b"\x04\x41\x00\x0b" + vec([b"\xd2\x00\x0b", b"\xd0\x70\x0b"]), _core.ACTIVE, 0, FUNCREF),
    (b"\x05\x6f" + vec([b"\xd0\x6f\x0b"]), _core.PASSIVE, 0, EXTERNREF),
    (b"\x06\x01\x41\x00\x0b\x70" + vec([b"\xd2\x01\x0b"]), _core.ACTIVE, 1, FUNCREF),
    (b"\x07\x70" + vec([b"\xd2\x00\x0b"]), _core.DECLARATIVE, 0, FUNCREF),
]


@pytest.mark.parametrize("encoding", range(8))
def test_element_encodings(encoding: int) -> None:
    seg, mode, table, etype = ELEM_SEGMENTS[encoding]
    m = _core.decode_module(module(section(9, vec([seg]))))
    (el,) = m.elems
    assert (el.encoding, el.mode, el.table, el.elem_type) == (encoding, mode, table, etype)
    assert (el.offset is None) == (mode != _core.ACTIVE)
    assert all(len(item.ops) == 1 for item in el.items)
    if encoding < 4:
        assert all(item.ops[0][0] == 0xD2 for item in el.items)


def test_element_kind_errors() -> None:
    assert decode_error(module(section(9, vec([b"\x08"])))).reason == "malformed elements segment kind"
    assert decode_error(module(section(9, vec([b"\x01\x01\x00"])))).reason == "malformed elements segment kind"


# -- data count, code, data ------------------------------------------------------------------------

def test_data_encodings() -> None:
    data = module(
        section(12, uleb(3)),
        section(11, vec([b"\x00\x41\x08\x0b" + vec([b"a", b"b"]),
                         b"\x01" + vec([b"c"]),
                         b"\x02\x00\x41\x00\x0b" + vec([])])),
    )
    m = _core.decode_module(data)
    assert m.data_count == 3
    d0, d1, d2 = m.datas
    assert (d0.mode, d0.memory, d0.offset.ops, d0.data) == (_core.ACTIVE, 0, ((0x41, 8),), b"ab")
    assert (d1.mode, d1.offset, d1.data) == (_core.PASSIVE, None, b"c")
    assert (d2.mode, d2.data) == (_core.ACTIVE, b"")
    assert decode_error(module(section(11, vec([b"\x03"])))).reason == "malformed data segment kind"


def test_data_count_mismatch() -> None:
    data = module(section(12, uleb(2)), section(11, vec([b"\x01\x00"])))
    assert decode_error(data).reason == "data count and data section have inconsistent lengths"


def test_code_entries() -> None:
    data = func_module(b"\x20\x00\x0b", params=b"\x7f", locals_=vec([b"\x02\x7e", b"\x01\x7d"]))
    m = _core.decode_module(data)
    (code,) = m.codes
    assert code.locals == ((2, I64), (1, F32)) and code.num_locals == 3
    assert m.data[code.body_start:code.body_end] == b"\x20\x00\x0b"


def test_function_and_code_counts() -> None:
    types = section(1, vec([b"\x60\x00\x00"]))
    no_code = module(types, section(3, vec([b"\x00"])))
    assert decode_error(no_code).reason == "function and code section have inconsistent lengths"
    no_funcs = module(types, section(10, vec([b"\x02\x00\x0b"])))
    assert decode_error(no_funcs).reason == "function and code section have inconsistent lengths"


def test_function_and_code_counts_are_checked_after_the_last_section() -> None:
    # two code sections, the first one short: the misplaced second section is reported
    types = section(1, vec([b"\x60\x00\x00"]))
    code = section(10, vec([b"\x02\x00\x0b"]))
    data = module(types, section(3, vec([b"\x00", b"\x00"])), code, code)
    assert decode_error(data).reason == "unexpected content after last section"


def test_illegal_opcodes_are_named_in_hex() -> None:
    for body, reason in ((b"\x00\xff\x00\x0b", "illegal opcode ff"),
                         (b"\xfc\x63\x0b", "illegal opcode fc 63")):
        with pytest.raises(DecodeError) as info:
            _core.validate_module(func_module(body))
        assert info.value.reason == reason


def test_constant_expression_ends_inside_its_section() -> None:
    # a global's initializer without its end, followed by the code section (0x0a): Wasm 3.0
    # reads to the end of the global section, Wasm 2.0 read on into the next section
    data = module(
        section(1, vec([b"\x60\x00\x00"])),
        section(3, vec([b"\x00"])),
        section(6, vec([b"\x7f\x00\x41\x00"])),
        section(10, vec([b"\x02\x00\x0b"])),
    )
    assert decode_error(data).reason == "illegal opcode 0a"
    with pytest.raises(DecodeError, match="^unexpected end of section or function"):
        _core.validate_module(data, 0x7F | _core.FEATURES["extended_const"])


def test_too_many_locals() -> None:
    locals_ = vec([b"\xff\xff\xff\xff\x0f\x7f", b"\x02\x7e"])
    assert decode_error(func_module(b"\x0b", locals_=locals_)).reason == "too many locals"


# -- name section -------------------------------------------------------------------------------------

def test_name_section(wat2bin: Callable[[str], bytes]) -> None:
    m = _core.decode_module(wat2bin("(module $mod (func $first (param $a i32) (local $b i64)) (func $second))"))
    assert m.names.module == "mod"
    assert m.names.functions == {0: "first", 1: "second"}
    assert m.names.locals[0] == {0: "a", 1: "b"}


def test_malformed_name_section_is_ignored() -> None:
    # function-names subsection whose count promises more than it holds
    bad = section(0, name("name") + b"\x01\x03\x05\x00\x01")
    m = _core.decode_module(module(bad))
    assert m.names.functions == {} and m.customs[0][0] == "name"
    # invalid UTF-8 inside a name is ignored too (the custom section's own name must be valid)
    bad_utf8 = section(0, name("name") + b"\x00\x02\x01\xff")
    assert _core.decode_module(module(bad_utf8)).names.module is None


# -- hostile counts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("sid, prefix", [(1, b""), (2, b""), (3, b""), (9, b""), (10, b""), (11, b""),
                                         (7, b""), (6, b"")])
def test_huge_counts_fail_fast(sid: int, prefix: bytes) -> None:
    data = module(section(sid, prefix + b"\xff\xff\xff\xff\x0f"))
    with pytest.raises(DecodeError):
        _core.decode_module(data)


def test_huge_vector_in_type() -> None:
    data = module(section(1, b"\x01\x60\xff\xff\xff\xff\x0f"))
    assert decode_error(data).reason.startswith("unexpected end")
