"""A program with exceptions of the shape compiled C++ has: examples/calc.wat (see its
header and examples/calc.py), on both strategies and against wasmtime-py.

It stands in for a C++ program built with ``-fwasm-exceptions``, which Debian's toolchain
cannot link (no wasm32 libc++abi: the personality routine and ``__cxa_*`` runtime).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import wasmrt

_spec = importlib.util.spec_from_file_location(
    "calc_example", Path(__file__).resolve().parents[2] / "examples" / "calc.py")
assert _spec is not None and _spec.loader is not None
calc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(calc)

VARIABLES = {"x": 5, "y": 3}
EXPECTED = {
    "1 + 2 * 3": "= 7",
    "(1 + 2) * (3 - x)": "= -6",
    # thrown in $div, reached by call_indirect, caught by eval
    "7 / (2 - 2)": "error 2: division by zero at 11",
    # ... through two annotating frames (catch_ref + throw_ref), innermost first
    "10 - (3 * (4 / (y - y)))": "error 2: division by zero at 22 (in parentheses opened at 10)"
                                " (in parentheses opened at 5)",
    # T's typed catch handles a division by zero, rethrows an overflow (thrown by $square
    # through call_indirect) after the frame of its parenthesis noted it
    "T(8 / (1 - 1)) + 5": "= 5",
    "T(S(70000)) + 1": "error 4: overflow at 10 (in parentheses opened at 1)",
    "-(T(1 % 0) - 2147483647) * T(1)": "= 2147483647",
    # the host function env.isqrt (in the table, called indirectly) calls the guest back
    "R(S(12) + 25)": "= 13",
    "A(-5) * 2": "= 10",
    "((((((((((((1))))))))))))": "error 5: nesting too deep at 11"
                                 + "".join(f" (in parentheses opened at {i})"
                                           for i in range(10, -1, -1)),
    "2 * 99999999999": "error 4: overflow at 13",
    "Q(1)": "error 7: unknown function at 1",
    "1 + ": "error 1: unexpected character at 4",
    "(1 + 2": "error 1: unexpected character at 6 (in parentheses opened at 0)",
}
# wasm exceptions crossing a Python host frame: wasmrt only (wasmtime-py 51 turns them
# into traps at the host frame, and its host functions cannot throw one)
THROUGH_THE_HOST = {
    # env.lookup throws the guest's exception (with host_throws; else the guest does)
    "A(-5) * z": "error 3: unknown variable at 9",
    "(1 + (z))": "error 3: unknown variable at 7 (in parentheses opened at 5)"
                 " (in parentheses opened at 0)",
    # $isqrt_checked throws, called back from env.isqrt: the exception crosses the host
    # frame into the guest's handlers
    "(R(1 - 2))": "error 6: negative square root at 9 (in parentheses opened at 0)",
    "T(R(0 - 4)) + 1": "error 6: negative square root at 10 (in parentheses opened at 1)",
}
STACK_TOP = 65536


def run_all(c: Any, cases: dict[str, str]) -> dict[str, str]:
    got = {}
    for text in cases:
        got[text] = c.eval(text)
        assert c.stack_pointer() == STACK_TOP, text      # every cleanup frame ran
    return got


def engine(strategy: str) -> wasmrt.Engine:
    config = wasmrt.Config()
    config.strategy = strategy
    return wasmrt.Engine(config)


@pytest.mark.parametrize("strategy", ["interpreter", "native"])
@pytest.mark.parametrize("host_throws", [True, False])
def test_calc_on_both_strategies(strategy: str, host_throws: bool) -> None:
    if strategy == "native":
        pytest.importorskip("llvmlite")
    c = calc.Calculator(wasmrt, VARIABLES, host_throws=host_throws, engine=engine(strategy))
    if strategy == "native":
        # the functions without handlers or throws run as machine code: the parser, the
        # operators, the output; the exceptions cross their frames
        native = c.module._native
        assert native is not None and len(native.installed) >= 15, native.installed
    assert run_all(c, EXPECTED) == EXPECTED
    assert run_all(c, THROUGH_THE_HOST) == THROUGH_THE_HOST
    # and again, on the same instance (the store keeps its thrown exceptions)
    assert run_all(c, EXPECTED) == EXPECTED


def test_calc_agrees_with_wasmtime(rt: ModuleType) -> None:
    """The same program, the same inputs on wasmrt and wasmtime-py (where no exception
    crosses a host frame)."""
    c = calc.Calculator(rt, VARIABLES, host_throws=False)
    assert run_all(c, EXPECTED) == EXPECTED


@pytest.mark.parametrize("strategy", ["interpreter", "native"])
def test_uncaught_exception_leaves_with_code_and_message(strategy: str) -> None:
    if strategy == "native":
        pytest.importorskip("llvmlite")
    c = calc.Calculator(wasmrt, VARIABLES, engine=engine(strategy))
    assert c.eval_uncaught("6 * 7") == 42
    for text, code, message in (("1 / 0", 2, "division by zero"),
                                ("(2 * z)", 3, "unknown variable"),     # from the host
                                ("(1 + R(0 - 1))", 6, "negative square root")):
        with pytest.raises(wasmrt.WasmException) as info:
            c.eval_uncaught(text)
        exc = info.value
        assert exc.tag == c.exports["error"]
        assert exc.values[0] == code and c.message(exc.values[1]) == message
        assert c.stack_pointer() == STACK_TOP
    assert c.eval("1 + 1") == "= 2"


def test_the_example_prints_its_answers(capsys: pytest.CaptureFixture[str]) -> None:
    calc.main(["T(8 / (1 - 1)) + 5", "(R(1 - 2))"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(" = 5")
    assert out[1].endswith(" error 6: negative square root at 9 (in parentheses opened at 0)")
    assert out[2] == "uncaught: tag error, code 2, 'division by zero'"
