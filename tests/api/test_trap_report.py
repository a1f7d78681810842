"""``str(Trap)``: wasmtime's report, as wasmtime-py shows it, for each kind of trap; the
same assertions run on wasmtime-py (the ``rt`` fixture).  ``Trap.message`` and ``frames``
keep their meaning in wasmrt (the spec's words; the backtrace)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

import wasmrt
from wasmrt import _native


@pytest.fixture(params=["wasmrt", "wasmrt-native", "wasmtime"])
def rt(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """As tests/api's ``rt``, and wasmrt once more with every function in machine code
    (``WASMRT_STRATEGY=native``: the native tier reports traps as the interpreter does)."""
    if request.param == "wasmtime":
        return pytest.importorskip("wasmtime", reason="wasmtime-py (oracle) not installed")
    if request.param == "wasmrt-native":
        if not _native.available():
            pytest.skip("llvmlite (the native extra) not installed")
        monkeypatch.setenv("WASMRT_STRATEGY", "native")
    return wasmrt


def trap_of(rt: ModuleType, wat: str, *args: Any, imports: Any = None) -> Any:
    store = rt.Store()
    module = rt.Module(store.engine, wat)
    with pytest.raises(rt.Trap) as info:
        instance = rt.Instance(store, module, imports(rt, store) if imports else [])
        instance.exports(store)["f"](store, *args)
    return info.value


def caused(*causes: str) -> str:
    """wasmtime's "Caused by:" block: one cause indented, several numbered."""
    if len(causes) == 1:
        return f"\n\nCaused by:\n    {causes[0]}\n"
    return "\n\nCaused by:\n" + "".join(f"    {i}: {c}\n" for i, c in enumerate(causes))


def report(frames: list[str], *causes: str) -> str:
    """wasmtime's layout: the backtrace, a blank line, "Caused by:" and the causes."""
    return "error while executing at wasm backtrace:\n" + "\n".join(frames) + caused(*causes)


UNREACHABLE = "wasm trap: wasm `unreachable` instruction executed"


def test_unreachable_in_an_unnamed_function(rt: ModuleType) -> None:
    trap = trap_of(rt, '(module (func (export "f") unreachable))')
    assert str(trap) == report(["    0:     0x1e - <unknown>!<wasm function 0>"], UNREACHABLE)
    assert trap.trap_code == rt.TrapCode.UNREACHABLE
    assert [(f.func_index, f.func_name, f.module_name, f.func_offset, f.module_offset)
            for f in trap.frames] == [(0, None, None, 1, 0x1e)]


def test_nested_named_frames(rt: ModuleType) -> None:
    trap = trap_of(rt, "(module $m (func $bar unreachable) (func $mid call $bar)"
                       ' (func (export "f") call $mid))')
    assert str(trap) == report(["    0:     0x20 - m!bar", "    1:     0x24 - m!mid",
                                "    2:     0x29 - m!<wasm function 2>"], UNREACHABLE)
    assert [(f.func_index, f.func_name, f.module_offset) for f in trap.frames] == [
        (0, "bar", 0x20), (1, "mid", 0x24), (2, None, 0x29)]


def test_integer_divide_by_zero(rt: ModuleType) -> None:
    trap = trap_of(rt, '(module (func $div (export "f") (param i32) (result i32)'
                       " i32.const 1 local.get 0 i32.div_s))", 0)
    assert str(trap) == report(["    0:     0x24 - <unknown>!div"],
                               "wasm trap: integer divide by zero")
    assert trap.trap_code == rt.TrapCode.INTEGER_DIVISION_BY_ZERO


@pytest.mark.parametrize(("load", "addr", "fault"), [
    ("i32.load", 70000, 0x11170),                       # past the end: its address
    ("i32.load", 65534, 0x10000),                       # straddling the end: the end
    ("i64.load offset=10", 65530, 0x10004),
    ("v128.load", 65530, 0x10000),
    ("i32.load offset=0x2000000", 0, 0x2000000),
    ("i32.load", 0xFFFFFFFF, 0xFFFFFFFF),
    ("i32.load offset=0x1fffffc", 0xFFFFFFFF, 0x101FFFFFB),
    ("i32.load offset=0x2000000", 0xFFFFFFFF, None),    # wasmtime checks these explicitly
    ("i32.load8_u offset=0xffffffff", 0, 0xFFFFFFFF),
    ("i32.load8_u offset=0xffffffff", 1, None),
])
def test_out_of_bounds_access_names_the_fault(rt: ModuleType, load: str, addr: int,
                                              fault: int | None) -> None:
    trap = trap_of(rt, '(module (memory 1) (func (export "f") (param i32)'
                       f" (drop ({load} (local.get 0)))))", addr)
    causes = ["wasm trap: out of bounds memory access"]
    if fault is not None:
        causes.insert(0, f"memory fault at wasm address {fault:#x} in linear memory of size "
                         "0x10000")
    assert str(trap).endswith(caused(*causes))
    assert trap.trap_code == rt.TrapCode.MEMORY_OUT_OF_BOUNDS


def test_bulk_memory_out_of_bounds_has_no_fault(rt: ModuleType) -> None:
    trap = trap_of(rt, '(module (memory 1) (func (export "f") (param i32)'
                       " (memory.fill (local.get 0) (i32.const 1) (i32.const 10))))", 65534)
    assert str(trap) == report(["    0:     0x2a - <unknown>!<wasm function 0>"],
                               "wasm trap: out of bounds memory access")


def test_traps_without_frames(rt: ModuleType) -> None:
    store = rt.Store()
    for wat, words in [
        ('(module (memory 1) (data (i32.const 70000) "a"))', "out of bounds memory access"),
        ("(module (table 1 funcref) (func $f) (elem (i32.const 5) $f))",
         "undefined element: out of bounds table access"),
    ]:
        with pytest.raises(rt.Trap) as info:
            rt.Instance(store, rt.Module(store.engine, wat), [])
        assert str(info.value) == f"wasm trap: {words}"
        assert info.value.frames == []


def test_table_traps(rt: ModuleType) -> None:
    wat = ('(module (type $t (func)) (table 2 funcref) (func $g (param i32)) (elem (i32.const 0) $g)'
           ' (func (export "f") (param i32) (call_indirect (type $t) (local.get 0))))')
    for index, words in [(0, "indirect call type mismatch"), (1, "uninitialized element"),
                         (5, "undefined element: out of bounds table access")]:
        trap = trap_of(rt, wat, index)
        assert str(trap).endswith(caused(f"wasm trap: {words}"))


def test_start_function(rt: ModuleType) -> None:
    store = rt.Store()
    module = rt.Module(store.engine, "(module $s (func $st unreachable) (start $st))")
    with pytest.raises(rt.Trap) as info:
        rt.Instance(store, module, [])
    assert str(info.value) == report(["    0:     0x1a - s!st"], UNREACHABLE)


def test_host_raised_trap_reaches_the_caller_unchanged(rt: ModuleType) -> None:
    raised = rt.Trap("custom host message")

    def imports(rt: ModuleType, store: Any) -> list[Any]:
        def host() -> None:
            raise raised
        return [rt.Func(store, rt.FuncType([], []), host)]

    trap = trap_of(rt, '(module (import "" "h" (func $h)) (func (export "f") call $h))',
                   imports=imports)
    assert trap is raised
    assert str(trap) == "custom host message" == trap.message
    assert trap.trap_code is None


def test_stack_overflow_shows_twenty_frames(rt: ModuleType) -> None:
    trap = trap_of(rt, '(module (func $r (export "f") (param i32) (result i32)'
                       " local.get 0 i32.const 1 i32.add call $r))", 0)
    lines = str(trap).split("\n")
    # the callee that could not start has no offset
    assert lines[:3] == ["error while executing at wasm backtrace:",
                         "    0: <unknown>!r", "    1:     0x25 - <unknown>!r"]
    assert lines[20] == "   19:     0x25 - <unknown>!r"
    assert lines[21:] == ["", "Caused by:", "    wasm trap: call stack exhausted", ""]
    assert trap.trap_code == rt.TrapCode.STACK_OVERFLOW


def test_fuel_and_epoch(rt: ModuleType) -> None:
    wat = '(module (func (export "f") (loop br 0)))'
    config = rt.Config()
    config.consume_fuel = True
    store = rt.Store(rt.Engine(config))
    store.set_fuel(100)
    with pytest.raises(rt.Trap) as info:
        rt.Instance(store, rt.Module(store.engine, wat), []).exports(store)["f"](store)
    assert str(info.value) == report(["    0:     0x1e - <unknown>!<wasm function 0>"],
                                     "wasm trap: all fuel consumed by WebAssembly")
    config = rt.Config()
    config.epoch_interruption = True
    store = rt.Store(rt.Engine(config))
    store.set_epoch_deadline(1)
    store.engine.increment_epoch()
    with pytest.raises(rt.Trap) as info:
        rt.Instance(store, rt.Module(store.engine, wat), []).exports(store)["f"](store)
    # checked on entry: the function's start (func_offset 0)
    assert str(info.value) == report(["    0:     0x1d - <unknown>!<wasm function 0>"],
                                     "wasm trap: interrupt")
    assert info.value.frames[0].func_offset == 0


def test_message_and_frames_keep_their_meaning() -> None:
    """wasmrt's ``message`` is the spec's words (what the spec harness matches)."""
    cases = [
        ('(module (func (export "f") unreachable))', (), "unreachable"),
        ('(module (memory 1) (func (export "f") (drop (i32.load (i32.const 70000)))))', (),
         "out of bounds memory access"),
        ('(module (table 2 funcref) (func (export "f") (call_indirect (i32.const 1))))', (),
         "uninitialized element 1"),
    ]
    for wat, args, message in cases:
        trap = trap_of(wasmrt, wat, *args)
        assert trap.message == message
        assert trap.frames and trap.frames[0].func_index == 0


def _leg(*elements: str, suffix: str = "") -> str:
    """A legacy-mangled Rust symbol of ``elements`` (and a hash)."""
    return ("_ZN" + "".join(f"{len(e)}{e}" for e in (*elements, "h0123456789abcdef")) + "E"
            + suffix)


@pytest.mark.parametrize(("symbol", "shown"), [
    (_leg("core", "panicking", "panic"), "core::panicking::panic::h0123456789abcdef"),
    (_leg("_$LT$alloc..vec..Vec$LT$T$GT$$u20$as$u20$core..ops..drop..Drop$GT$", "drop"),
     "<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop::h0123456789abcdef"),
    (_leg("a$C$b", "x.y", "$u7e$z"), "a,b::x.y::~z::h0123456789abcdef"),
    (_leg("std", "rt", "lang_start", suffix=".llvm.ABC123"),
     "std::rt::lang_start::h0123456789abcdef"),
    (_leg("bad$u$x"), "bad$u$x::h0123456789abcdef"),
    ("_ZN1a1bE.cold", "a::b.cold"),
    ("_ZN1a1bEjunk", "_ZN1a1bEjunk"),
    ("_Z3fooi", "foo(int)"),
    ("_ZNSt6vectorIiSaIiEE9push_backERKi",
     "std::vector<int, std::allocator<int> >::push_back(int const&)"),
    ("_Z1fIiEvT_", "void f<int>(int)"),
    ("__original_main", "__original_main"),
])
def test_function_names_are_demangled(rt: ModuleType, symbol: str, shown: str) -> None:
    """Rust (legacy) and C++ names as wasmtime's backtrace shows them."""
    trap = trap_of(rt, f'(module (func $"{symbol}" (export "f") unreachable))')
    assert str(trap).split("\n")[1] == f"    0:     0x1e - <unknown>!{shown}"
    assert trap.frames[0].func_name == symbol      # the frame keeps the name as it is


def test_backtrace_goes_on_below_a_host_call(rt: ModuleType) -> None:
    """wasm -> host function -> wasm that traps: the backtrace lists the inner frames, then
    the outer wasm at its call of the host function (wasmtime's stack walk)."""
    store = rt.Store()
    module = rt.Module(store.engine, '(module $n (import "" "h" (func $h))'
                       ' (func $inner (export "inner") unreachable)'
                       ' (func $outer (export "outer") call $h))')
    instances = []

    def host() -> None:
        instances[0].exports(store)["inner"](store)

    instances.append(rt.Instance(store, module, [rt.Func(store, rt.FuncType([], []), host)]))
    with pytest.raises(rt.Trap) as info:
        instances[0].exports(store)["outer"](store)
    assert str(info.value) == report(["    0:     0x33 - n!inner", "    1:     0x37 - n!outer"],
                                     UNREACHABLE)
    assert [(f.func_index, f.func_name, f.func_offset) for f in info.value.frames] == [
        (1, "inner", 1), (2, "outer", 1)]
    # the store is usable afterwards, and a trap with no nesting is as before
    with pytest.raises(rt.Trap) as again:
        instances[0].exports(store)["inner"](store)
    assert len(again.value.frames) == 1
