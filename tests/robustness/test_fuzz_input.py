"""Bounded fuzzing of the front end: raw bytes and mutated valid modules through the
decoder/validator (and, when accepted, execution under fuel); raw text and token-edited
modules through the text parser.  ``WASMRT_FUZZ_CASES`` scales the case counts."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.robustness.targets import (
    SEED_WAT,
    decode_target,
    mutate,
    mutate_text,
    seed_modules,
    text_target,
)

CASES = int(os.environ.get("WASMRT_FUZZ_CASES", "60"))
FUZZ = settings(max_examples=CASES * 5, deadline=None, suppress_health_check=list(HealthCheck))
SEEDS = seed_modules()


@FUZZ
@given(st.binary(max_size=400))
def test_raw_bytes(data: bytes) -> None:
    decode_target(data)
    decode_target(b"\0asm\1\0\0\0" + data)


@FUZZ
@given(st.sampled_from(range(len(SEEDS))), st.integers(0, 2**32))
def test_mutated_valid_modules(index: int, seed: int) -> None:
    decode_target(mutate(SEEDS[index], random.Random(seed)))


@pytest.mark.parametrize("index", range(len(SEEDS)))
def test_seed_modules_are_valid_and_run(index: int) -> None:
    decode_target(SEEDS[index])


@FUZZ
@given(st.text(max_size=300))
def test_raw_text(text: str) -> None:
    text_target(text)
    text_target("(module " + text + ")")


@FUZZ
@given(st.sampled_from(SEED_WAT), st.integers(0, 2**32))
def test_token_edited_text(text: str, seed: int) -> None:
    text_target(mutate_text(text, random.Random(seed)))
