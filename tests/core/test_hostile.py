"""Hostile input: truncated and corrupted modules, deep nesting, huge declared counts.

Every case must either be accepted or raise a ``WasmtimeError`` subclass: never crash,
hang, recurse or allocate from an untrusted count.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.conftest import bench_dir_path
from tests.core.wasm_bytes import func_module, module, section, uleb, vec
from wasmrt import _core
from wasmrt.errors import DecodeError, ValidationError, WasmtimeError


def _bench_modules() -> list[Path]:
    bench = bench_dir_path()
    return sorted((bench / "wasm").glob("*.wasm")) if bench else []


def _outcome(data: bytes) -> str:
    try:
        _core.validate_module(data)
    except WasmtimeError as e:
        return type(e).__name__
    return "ok"


@pytest.mark.parametrize("path", _bench_modules(), ids=lambda p: p.name)
def test_truncated_at_every_offset(path: Path) -> None:
    data = path.read_bytes()
    assert _outcome(data) == "ok"
    for n in range(len(data)):
        _outcome(data[:n])


@pytest.mark.parametrize("path", _bench_modules(), ids=lambda p: p.name)
def test_random_byte_flips(path: Path) -> None:
    data = path.read_bytes()
    rng = random.Random(path.name)
    outcomes: dict[str, int] = {}
    for _ in range(400):
        corrupt = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(corrupt))
            corrupt[pos] = rng.randrange(256) if rng.random() < 0.5 else corrupt[pos] ^ (1 << rng.randrange(8))
        result = _outcome(bytes(corrupt))
        outcomes[result] = outcomes.get(result, 0) + 1
    assert set(outcomes) <= {"ok", "DecodeError", "ValidationError", "UnsupportedFeatureError"}


def test_random_bytes_after_header() -> None:
    rng = random.Random(1234)
    for _ in range(3000):
        body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
        _outcome(b"\x00asm\x01\x00\x00\x00" + body)


def test_deeply_nested_blocks_are_accepted() -> None:
    depth = 100_000
    body = b"\x02\x40" * depth + b"\x0b" * depth + b"\x0b"
    _core.validate_module(func_module(body))


def test_deeply_nested_blocks_unclosed_are_rejected() -> None:
    depth = 100_000
    body = b"\x02\x40" * depth + b"\x0b"
    with pytest.raises(DecodeError):
        _core.validate_module(func_module(body))


def test_deeply_nested_mismatch_is_rejected() -> None:
    depth = 100_000
    # innermost block claims an i32 result it never produces
    body = b"\x02\x40" * (depth - 1) + b"\x02\x7f" + b"\x0b" * depth + b"\x0b"
    with pytest.raises(ValidationError, match="type mismatch"):
        _core.validate_module(func_module(body))


def test_huge_operand_stack() -> None:
    n = 200_000
    body = b"\x41\x00" * n + b"\x1a" * n + b"\x0b"
    _core.validate_module(func_module(body))


def test_huge_br_table_count() -> None:
    # a br_table claiming 2^32-1 targets with a few bytes behind it
    body = b"\x02\x40\x41\x00\x0e\xff\xff\xff\xff\x0f\x00\x00\x0b\x0b"
    with pytest.raises(DecodeError):
        _core.validate_module(func_module(body))


def test_huge_local_count() -> None:
    with pytest.raises(WasmtimeError):
        _core.validate_module(func_module(b"\x0b", locals_=vec([b"\xff\xff\xff\xff\x07\x7f"])))


@pytest.mark.parametrize("sid", [1, 2, 3, 4, 5, 6, 7, 9, 10, 11])
def test_huge_section_counts(sid: int) -> None:
    data = module(section(sid, uleb(0xFFFFFFFF) + b"\x00" * 8))
    with pytest.raises(DecodeError):
        _core.validate_module(data)


def test_huge_data_segment_length() -> None:
    seg = b"\x01" + uleb(0xFFFFFFFF) + b"abc"
    with pytest.raises(DecodeError):
        _core.validate_module(module(section(5, vec([b"\x00\x01"])), section(11, vec([seg]))))
