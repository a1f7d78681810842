"""The byte reader: LEB128 size and range rules, names (strict UTF-8)."""

from __future__ import annotations

import pytest

from wasmrt._core import read_leb128, read_name
from wasmrt.errors import DecodeError


@pytest.mark.parametrize(
    "data, bits, signed, value, used",
    [
        (b"\x00", 32, False, 0, 1),
        (b"\x7f", 32, False, 127, 1),
        (b"\x80\x01", 32, False, 128, 2),
        (b"\x80\x00", 32, False, 0, 2),                     # non-minimal is allowed
        (b"\xff\xff\xff\xff\x0f", 32, False, 0xFFFFFFFF, 5),
        (b"\x7f", 32, True, -1, 1),
        (b"\x40", 32, True, -64, 1),
        (b"\x3f", 32, True, 63, 1),
        (b"\x80\x80\x80\x80\x78", 32, True, -(2**31), 5),
        (b"\xff\xff\xff\xff\x07", 32, True, 2**31 - 1, 5),
        (b"\xff\xff\xff\xff\x7f", 32, True, -1, 5),
        (b"\xff\xff\xff\xff\x0f", 33, True, 2**32 - 1, 5),
        (b"\x80\x80\x80\x80\x70", 33, True, -(2**32), 5),
        (b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 64, False, 2**64 - 1, 10),
        (b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", 64, True, -(2**63), 10),
        (b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00", 64, True, 2**63 - 1, 10),
        (b"\x05\xff", 32, False, 5, 1),                     # stops at the first byte
    ],
)
def test_leb128_values(data: bytes, bits: int, signed: bool, value: int, used: int) -> None:
    assert read_leb128(data, bits, signed) == (value, used)


@pytest.mark.parametrize(
    "data, bits, signed, reason",
    [
        (b"", 32, False, "unexpected end"),
        (b"\x80", 32, False, "unexpected end"),
        (b"\x80\x80\x80\x80\x80\x00", 32, False, "integer representation too long"),
        (b"\x80\x80\x80\x80\x10", 32, False, "integer too large"),
        (b"\xff\xff\xff\xff\x1f", 32, False, "integer too large"),
        (b"\x80\x80\x80\x80\x70", 32, True, "integer too large"),   # sign bits not extended
        (b"\xff\xff\xff\xff\x0f", 32, True, "integer too large"),
        (b"\x80\x80\x80\x80\x80\x00", 32, True, "integer representation too long"),
        (b"\x80\x80\x80\x80\x10", 33, True, "integer too large"),
        (b"\x80\x80\x80\x80\x20", 33, True, "integer too large"),
        (b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 64, False, "integer too large"),
        (b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x41", 64, True, "integer too large"),
        (b"\x80" * 10 + b"\x00", 64, True, "integer representation too long"),
    ],
)
def test_leb128_errors(data: bytes, bits: int, signed: bool, reason: str) -> None:
    with pytest.raises(DecodeError) as info:
        read_leb128(data, bits, signed)
    assert info.value.reason == reason


def test_name_utf8() -> None:
    assert read_name(b"\x03abc") == "abc"
    assert read_name(b"\x00") == ""
    text = "héllo wörld ∑ 𝄞"
    raw = text.encode()
    assert read_name(bytes([len(raw)]) + raw) == text


@pytest.mark.parametrize(
    "raw",
    [
        b"\x80",              # lone continuation byte
        b"\xc0\x80",          # overlong NUL
        b"\xc1\xbf",          # overlong
        b"\xe0\x80\x80",      # overlong 3-byte
        b"\xed\xa0\x80",      # surrogate U+D800
        b"\xf0\x80\x80\x80",  # overlong 4-byte
        b"\xf4\x90\x80\x80",  # > U+10FFFF
        b"\xf5\x80\x80\x80",
        b"\xe2\x82",          # truncated sequence
        b"\xff",
    ],
)
def test_name_malformed_utf8(raw: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        read_name(bytes([len(raw)]) + raw)
    assert info.value.reason == "malformed UTF-8 encoding"


def test_name_length_beyond_input() -> None:
    with pytest.raises(DecodeError) as info:
        read_name(b"\x05ab")
    assert info.value.reason == "length out of bounds"
