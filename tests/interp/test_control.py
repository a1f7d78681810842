"""Control flow and dispatch over hand-assembled code."""

from __future__ import annotations

import time

import pytest

from .conftest import I32, I64, Rig


def count_loop(rig: Rig):
    # acc = 0; i = n; do { acc = (acc ^ i) * 3; i -= 1 } while (i != 0); return acc
    return rig.func(0, [
        ("const32", {"dst": 1, "imm": 0}),
        "loop:",
        ("i32_xor", {"dst": 1, "x": 1, "y": 0}),
        ("i32_mul_imm", {"dst": 1, "x": 1, "imm": 3}),
        ("i32_sub_imm", {"dst": 0, "x": 0, "imm": 1}),
        ("br_nez", {"cond": 0, "offset": "loop"}),
        ("ret_slot", {"src": 1}),
    ], [I32], [I32], nlocals=1)


def py_loop(n: int) -> int:
    acc = 0
    while True:
        acc = ((acc ^ n) * 3) & 0xFFFFFFFF
        n -= 1
        if n == 0:
            break
    return acc - (1 << 32) if acc >= 1 << 31 else acc


def test_loop_result(rig: Rig) -> None:
    f = count_loop(rig)
    assert f(10) == py_loop(10)
    assert f(1000) == py_loop(1000)


def test_hundred_million_iterations_do_not_grow_the_c_stack(rig: Rig) -> None:
    """Tail-call dispatch: 10**8 loop iterations (4 * 10**8 handlers) in one C frame."""
    f = count_loop(rig)
    t = time.perf_counter()
    assert f(100_000_000) == 1540242688  # computed by the same loop in C
    assert time.perf_counter() - t < 30


def test_br_table(rig: Rig) -> None:
    f = rig.func(0, [
        ("br_table", {"index": 0, "targets": ["a", "b", "c"]}),
        "a:", ("const32", {"dst": 1, "imm": 10}), ("br", {"offset": "end"}),
        "b:", ("const32", {"dst": 1, "imm": 20}), ("br", {"offset": "end"}),
        "c:", ("const32", {"dst": 1, "imm": 30}),
        "end:", ("ret_slot", {"src": 1}),
    ], [I32], [I32])
    assert [f(i) for i in (0, 1, 2, 3, 100, -1)] == [10, 20, 30, 30, 30, 30]


@pytest.mark.parametrize("name,x,y,taken", [
    ("br_i32_lt_s", -1, 0, True), ("br_i32_lt_u", -1, 0, False), ("br_i32_eq", 5, 5, True),
    ("br_i32_ge_u", 3, 2, True), ("br_i32_le_s", 3, 2, False), ("br_i32_ne", 1, 1, False),
])
def test_fused_compare_branch(rig: Rig, name: str, x: int, y: int, taken: bool) -> None:
    f = rig.func(0, [
        (name, {"x": 0, "y": 1, "offset": "yes"}),
        ("const32", {"dst": 0, "imm": 0}), ("ret_slot", {"src": 0}),
        "yes:", ("const32", {"dst": 0, "imm": 1}), ("ret_slot", {"src": 0}),
    ], [I32, I32], [I32])
    assert f(x, y) == int(taken)


def test_fused_compare_branch_imm(rig: Rig) -> None:
    f = rig.func(0, [
        ("br_i64_gt_s_imm", {"x": 0, "offset": "yes", "imm": -5}),
        ("const32", {"dst": 0, "imm": 0}), ("ret_slot", {"src": 0}),
        "yes:", ("const32", {"dst": 0, "imm": 1}), ("ret_slot", {"src": 0}),
    ], [I64], [I32])
    assert (f(-4), f(-5), f(-6), f(2**62)) == (1, 0, 0, 1)


def test_select_and_copies(rig: Rig) -> None:
    f = rig.func(0, [
        ("select", {"dst": 3, "x": 0, "y": 1, "cond": 2}),
        ("copy2", {"dst0": 4, "src0": 3, "dst1": 5, "src1": 0}),
        ("copy_n", {"dst": 0, "src": 4, "n": 2}),
        ("ret", {}),
    ], [I32, I32, I32], [I32, I32], nlocals=3)
    assert f(7, 8, 1) == [7, 7]
    assert f(7, 8, 0) == [8, 7]


def test_unreachable_traps_with_frame(rig: Rig) -> None:
    from wasmrt.errors import Trap, TrapCode
    f = rig.func(0, [("nop", {}), ("unreachable", {})], srcmap=[(0, 100), (1, 101)])
    with pytest.raises(Trap) as ei:
        f()
    assert ei.value.message == "unreachable"
    assert ei.value.trap_code == TrapCode.UNREACHABLE
    assert [(fr.func_index, fr.module_offset) for fr in ei.value.frames] == [(0, 101)]
