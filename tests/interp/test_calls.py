"""Calls: wasm->wasm without C recursion, call_indirect checks, host calls, re-entry, traps."""

from __future__ import annotations

import pytest

from wasmrt import _interp
from wasmrt._core import FuncTypeInfo
from wasmrt.errors import Trap, TrapCode

from .conftest import EXTERNREF, F64, FUNCREF, I32, I64, Rig


def fib_rig(rig: Rig):
    # fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2); frame: [n, t1, t2]
    return rig.func(0, [
        ("br_i32_lt_s_imm", {"x": 0, "offset": "small", "imm": 2}),
        ("i32_sub_imm", {"dst": 1, "x": 0, "imm": 1}),
        ("call", {"base": 1, "func": 0}),
        ("i32_sub_imm", {"dst": 2, "x": 0, "imm": 2}),
        ("call", {"base": 2, "func": 0}),
        ("i32_add", {"dst": 0, "x": 1, "y": 2}),
        "small:",
        ("ret", {}),
    ], [I32], [I32], max_slots=3)


def test_recursive_calls(rig: Rig) -> None:
    f = fib_rig(rig)
    assert [f(n) for n in range(10)] == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
    assert f(25) == 75025


def test_deep_recursion_is_a_trap_not_a_crash() -> None:
    rig = Rig(max_depth=500)
    # f(n) = f(n + 1): unbounded
    f = rig.func(0, [("i32_add_imm", {"dst": 1, "x": 0, "imm": 1}), ("call", {"base": 1, "func": 0}),
                     ("ret", {})], [I32], [I32], max_slots=2, srcmap=[(0, 10), (2, 12)])
    with pytest.raises(Trap) as ei:
        f(0)
    assert ei.value.message == "call stack exhausted"
    assert ei.value.trap_code == TrapCode.STACK_OVERFLOW
    # the 500 activations, under the callee that could not start (no offset), as wasmtime
    assert len(ei.value.frames) == 501
    assert ei.value.frames[0].module_offset is None
    assert ei.value.frames[1].module_offset == 12
    # the store is usable afterwards
    g = fib_rig(rig)
    rig.inst.set_func(0, g)
    assert g(10) == 55


def test_backtrace_keeps_the_innermost_thousand_frames() -> None:
    rig = Rig(max_depth=5000)
    f = rig.func(0, [("call", {"base": 0, "func": 0}), ("ret", {})], srcmap=[(0, 7)])
    with pytest.raises(Trap) as ei:
        f()
    assert len(ei.value.frames) == 1000
    assert ei.value.frames[0].module_offset is None     # the callee that could not start
    assert all(fr.module_offset == 7 for fr in ei.value.frames[1:])


def test_slot_limit_exhaustion() -> None:
    rig = Rig(stack_slots=4096, max_depth=100000)
    f = rig.func(0, [("call", {"base": 8, "func": 0}), ("ret", {})], [], [], max_slots=64)
    with pytest.raises(Trap, match="call stack exhausted"):
        f()


def test_call_indirect_checks() -> None:
    # real canonical ids: the mismatch path reads their declared supertypes
    want = FuncTypeInfo((I32,), (I32,)).type_id
    rig = Rig()
    callee = rig.func(1, [("i32_mul_imm", {"dst": 0, "x": 0, "imm": 2}), ("ret", {})], [I32], [I32],
                      type_id=want)
    other = rig.func(2, [("ret", {})], [], [], type_id=FuncTypeInfo((), ()).type_id)
    table = rig.store.new_table(FUNCREF, 3)
    table.set(0, callee)
    table.set(1, other)
    rig.inst.set_table(0, table)
    rig.inst.set_type_id(0, want)
    # the argument goes to the call's base slot first
    f = rig.func(0, [("copy", {"dst": 2, "src": 0}),
                     ("call_indirect", {"base": 2, "index": 1, "type": 0, "table": 0}),
                     ("ret_slot", {"src": 2})], [I32, I32], [I32], max_slots=4)
    assert f(21, 0) == 42
    for index, message, code in [(1, "indirect call type mismatch", TrapCode.BAD_SIGNATURE),
                                 (2, "uninitialized element 2", TrapCode.INDIRECT_CALL_TO_NULL),
                                 (3, "undefined element 3", TrapCode.TABLE_OUT_OF_BOUNDS),
                                 (-1, "undefined element 4294967295", TrapCode.TABLE_OUT_OF_BOUNDS)]:
        with pytest.raises(Trap) as ei:
            f(1, index)
        assert (ei.value.message, ei.value.trap_code) == (message, code)


def test_host_call_boxes_and_unboxes() -> None:
    rig = Rig()
    seen = []

    def host(a, b, c):
        seen.append((a, b, c))
        return a + b, c * 2

    h = rig.store.new_host_func(host, [I32, I64, F64], [I64, F64], 0)
    rig.inst.set_func(1, h)
    f = rig.func(0, [("call", {"base": 0, "func": 1}), ("ret", {})], [I32, I64, F64], [I64, F64])
    assert f(-5, 2**40, 1.5) == [2**40 - 5, 3.0]
    assert seen == [(-5, 2**40, 1.5)]


def test_host_exception_is_reraised_unchanged() -> None:
    rig = Rig()

    class Boom(Exception):
        pass

    err = Boom("x")

    def host():
        raise err

    rig.inst.set_func(1, rig.store.new_host_func(host, [], [], 0))
    f = rig.func(0, [("call", {"base": 0, "func": 1}), ("ret", {})])
    with pytest.raises(Boom) as ei:
        f()
    assert ei.value is err
    # a wasmrt.Trap raised by the host unwinds wasm the same way
    t = Trap("host says no")
    rig.inst.set_func(1, rig.store.new_host_func(lambda: (_ for _ in ()).throw(t), [], [], 0))
    with pytest.raises(Trap) as ei2:
        f()
    assert ei2.value is t


def test_host_result_type_checked() -> None:
    rig = Rig()
    rig.inst.set_func(1, rig.store.new_host_func(lambda: "no", [], [I32], 0))
    f = rig.func(0, [("call", {"base": 0, "func": 1}), ("ret", {})], [], [I32])
    with pytest.raises(TypeError):
        f()


def test_reentry_python_wasm_python_wasm() -> None:
    rig = Rig()
    fib = None

    def host(n):
        return fib(n) + 1  # re-enters wasm above the caller's frame

    rig.inst.set_func(1, rig.store.new_host_func(host, [I32], [I32], 0))
    fib = rig.func(2, [
        ("br_i32_lt_s_imm", {"x": 0, "offset": "small", "imm": 2}),
        ("i32_sub_imm", {"dst": 1, "x": 0, "imm": 1}), ("call", {"base": 1, "func": 2}),
        ("i32_sub_imm", {"dst": 2, "x": 0, "imm": 2}), ("call", {"base": 2, "func": 2}),
        ("i32_add", {"dst": 0, "x": 1, "y": 2}), "small:", ("ret", {})], [I32], [I32], max_slots=3)
    f = rig.func(0, [("const32", {"dst": 1, "imm": 7}), ("copy", {"dst": 2, "src": 0}),
                     ("call", {"base": 2, "func": 1}), ("i32_add", {"dst": 0, "x": 2, "y": 1}),
                     ("ret", {})], [I32], [I32], max_slots=3)
    assert f(10) == 55 + 1 + 7


def test_reentry_is_capped() -> None:
    rig = Rig(max_nest=20)
    f = None

    def host():
        f()

    rig.inst.set_func(1, rig.store.new_host_func(host, [], [], 0))
    f = rig.func(0, [("call", {"base": 0, "func": 1}), ("ret", {})])
    with pytest.raises(Trap, match="call stack exhausted"):
        f()
    assert f is not None


def test_references_round_trip() -> None:
    rig = Rig()
    obj = object()
    f = rig.func(0, [("ref_is_null", {"dst": 1, "x": 0}), ("ret", {})], [EXTERNREF],
                 [EXTERNREF, I32], max_slots=2)
    assert f(obj) == [obj, 0]
    assert f(None) == [None, 1]
    g = rig.func(1, [("ref_func", {"dst": 0, "func": 0}), ("ret", {})], [], [FUNCREF])
    assert g() is rig.inst.func(0)


def test_fuel_traps_and_counts() -> None:
    rig = Rig()
    loop = rig.func(0, [
        "top:", ("fuel", {}), ("i32_sub_imm", {"dst": 0, "x": 0, "imm": 1}),
        ("br_nez", {"cond": 0, "offset": "top"}), ("ret", {})], [I32], [I32])
    rig.store.set_fuel(1000)
    assert loop(100) == 0
    assert rig.store.get_fuel() == 900
    with pytest.raises(Trap) as ei:
        loop(10_000)
    assert ei.value.trap_code == TrapCode.OUT_OF_FUEL
    assert rig.store.get_fuel() == 0


def test_epoch_deadline_interrupts() -> None:
    rig = Rig()
    loop = rig.func(0, [
        "top:", ("fuel", {}), ("br", {"offset": "top"})], [], [])
    rig.store.set_epoch_deadline(1)
    rig.store.increment_epoch()
    with pytest.raises(Trap) as ei:
        loop()
    assert ei.value.trap_code == TrapCode.INTERRUPT


def test_f32_nan_payloads_survive_boxing() -> None:
    rig = Rig()
    f = rig.func(0, [("ret", {})], [0x7D], [0x7D])
    import struct
    for bits in (0x7FA00000, 0xFF80F1E2, 0x7FC00001):
        wide = (bits & 0x80000000) << 32 | 0x7FF << 52 | (bits & 0x7FFFFF) << 29
        x = struct.unpack("<d", struct.pack("<Q", wide))[0]
        y = f(x)
        assert struct.unpack("<Q", struct.pack("<d", y))[0] == wide


def test_arguments_checked() -> None:
    rig = Rig()
    f = rig.func(0, [("ret", {})], [I32], [I32])
    with pytest.raises(TypeError):
        f()
    with pytest.raises(TypeError):
        f("1")
    with pytest.raises(TypeError):
        f(1.0)
    assert f(2**32 - 1) == -1
    assert f(2**64 + 3) == 3  # any int wraps to width, as in wasmtime-py; a bool is an int
    assert f(True) == 1
    assert isinstance(_interp.StoreCtx().max_depth, int)


def test_signal_interrupts_a_metered_loop() -> None:
    """The `fuel` op's slow path runs Python signal handlers (Ctrl-C raises KeyboardInterrupt)."""
    import signal

    class Alarm(Exception):
        pass

    def on_alarm(signum, frame):
        raise Alarm()

    rig = Rig()
    loop = rig.func(0, ["top:", ("fuel", {}), ("br", {"offset": "top"})], [], [])
    old = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(Alarm):
            loop()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    rig.store.set_fuel(10)
    with pytest.raises(Trap, match="all fuel consumed"):
        loop()


def test_store_used_from_two_threads_at_once_is_refused() -> None:
    import threading

    from wasmrt.errors import WasmtimeError

    rig = Rig()
    f = None
    seen = []

    def host():
        t = threading.Thread(target=lambda: seen.append(_run(f)))
        t.start()
        t.join()

    def _run(fn):
        try:
            fn()
        except WasmtimeError as e:
            return str(e)
        return "ran"

    rig.inst.set_func(1, rig.store.new_host_func(host, [], [], 0))
    f = rig.func(0, [("call", {"base": 0, "func": 1}), ("ret", {})])
    f()
    assert len(seen) == 1 and seen[0].startswith("store used from two threads at once")
    # once the outer call is over, another thread may use the store
    t = threading.Thread(target=lambda: seen.append(_run(rig.func(2, [("ret", {})]))))
    t.start()
    t.join()
    assert seen[-1] == "ran"
