"""Val: constructors wrap to width, f32 rounding and NaN payloads, accessors."""

from __future__ import annotations

import math

import pytest

import wasmrt
from wasmrt._api_types import f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits


def test_integer_wrapping(rt):
    assert rt.Val.i32(2**31).value == -(2**31)
    assert rt.Val.i32(-1).value == -1
    assert rt.Val.i32(2**32 + 5).value == 5
    assert rt.Val.i64(2**63 + 5).value == -(2**63) + 5
    assert rt.Val.i64(-1).value == -1


def test_constructor_type_errors(rt):
    with pytest.raises(TypeError, match="expected an integer"):
        rt.Val.i32(1.0)
    with pytest.raises(TypeError, match="expected an integer"):
        rt.Val.i64("1")
    with pytest.raises(TypeError, match="expected a float"):
        rt.Val.f32(1)
    with pytest.raises(TypeError, match="expected a float"):
        rt.Val.f64(None)


def test_types_and_accessors(rt):
    V = rt.ValType
    assert rt.Val.i32(1).type == V.i32()
    assert rt.Val.f64(1.5).type == V.f64()
    assert rt.Val.externref("x").type == V.externref()
    assert rt.Val.funcref(None).type == V.funcref()
    v = rt.Val.i64(7)
    assert v.as_i64() == 7 and v.as_i32() is None and v.as_f64() is None
    assert rt.Val.f32(0.5).as_f32() == 0.5
    assert rt.Val.externref(None).as_externref() is None
    assert rt.Val.externref([1]).as_externref() == [1]


def test_equality(rt):
    assert rt.Val.i32(3) == 3
    assert rt.Val.i32(3) == rt.Val.i32(3)
    assert rt.Val.i32(3) != rt.Val.i64(3)


def test_f32_rounds(rt):
    assert rt.Val.f32(0.1).value == 0.10000000149011612
    assert rt.Val.f32(1e300).value == math.inf


def test_ref_null(rt):
    assert rt.Val.ref_null(rt.ValType.funcref()).value is None
    assert rt.Val.ref_null(rt.ValType.externref()).type == rt.ValType.externref()
    with pytest.raises(rt.WasmtimeError):
        rt.Val.ref_null(rt.ValType.i32())


def test_v128():
    assert wasmrt.Val.v128(-1).value == 2**128 - 1
    assert wasmrt.Val.v128(bytes(range(16))).value == int.from_bytes(bytes(range(16)), "little")
    assert wasmrt.Val.v128(5).type == wasmrt.ValType.v128()
    with pytest.raises(TypeError):
        wasmrt.Val.v128(b"short")
    with pytest.raises(TypeError):
        wasmrt.Val.v128(1.0)


@pytest.mark.parametrize(
    "bits", [0x7FC00000, 0x7FA00001, 0xFF800001, 0x7F800001, 0xFFFFFFFF, 0x7FBFFFFF, 0x00000001]
)
def test_f32_nan_payload_roundtrip(bits):
    assert f32_to_bits(f32_from_bits(bits)) == bits
    assert f32_to_bits(wasmrt.Val.f32(f32_from_bits(bits)).value) == bits


def test_f32_special_values():
    assert f32_to_bits(math.inf) == 0x7F800000
    assert f32_to_bits(-0.0) == 0x80000000
    assert f32_from_bits(0xFF800000) == -math.inf
    assert f32_to_bits(-1e300) == 0xFF800000


@pytest.mark.parametrize("bits", [0x7FF8000000000001, 0xFFF4000000000000, 0x0000000000000001])
def test_f64_bits_roundtrip(bits):
    assert f64_to_bits(f64_from_bits(bits)) == bits
