"""What a host function returns, checked as wasmtime-py 50 checks it (each case runs on
wasmrt and on wasmtime-py): one result is the value itself (a list or tuple is no i32),
several are any sized iterable of exactly that many values, none is only ``None``; an
i32/i64 is any ``int`` (``bool`` too) wrapped to width, an f32/f64 a ``float`` (wasmrt also
takes an ``int`` there, as ``float()``, ``struct`` and ``ctypes`` do: ``INT_AS_FLOAT``).
Wrong shapes raise ``WasmtimeError`` (count) or ``TypeError`` (type, no length), and the
exception reaches the Python code that called into wasm, through nested calls too."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import pytest

import wasmrt


class _NoLen:
    """An iterable without ``__len__``."""

    def __iter__(self) -> Any:
        return iter([1, 2])


class _Lying:
    """Says it holds ``n`` values and yields ``k``."""

    def __init__(self, n: int, k: int) -> None:
        self.n, self.k = n, k

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Any:
        return iter(range(self.k))


OK, TYPE, COUNT = "ok", TypeError, "count"  # COUNT: the runtime's WasmtimeError


def INT_AS_FLOAT(value: Any) -> tuple[str, Any]:
    """An int where a float is expected: a TypeError on wasmtime-py, converted on wasmrt."""
    return ("int-as-float", value)


# (result types, what the host returns, expected: (OK, value) or an exception kind)
CASES: list[tuple[str, Any, Any]] = [
    ("i32", [1], TYPE),
    ("i32", (1,), TYPE),
    ("i32", [], TYPE),
    ("i32", (1, 2), TYPE),
    ("i32", 1.5, TYPE),
    ("i32", 1.0, TYPE),
    ("i32", "1", TYPE),
    ("i32", None, TYPE),
    ("i32", 1j, TYPE),
    ("i32", True, (OK, 1)),
    ("i32", 2**31, (OK, -(2**31))),
    ("i32", 2**40 + 7, (OK, 7)),
    ("i32", 2**64, (OK, 0)),
    ("i32", -(2**70) - 1, (OK, -1)),
    ("i64", 2**63, (OK, -(2**63))),
    ("i64", 2**64 + 5, (OK, 5)),
    ("i64", 1.0, TYPE),
    ("f32", 1, INT_AS_FLOAT(1.0)),
    ("f32", 1e300, (OK, math.inf)),
    ("f64", 1, INT_AS_FLOAT(1.0)),
    ("f64", True, INT_AS_FLOAT(1.0)),
    ("f64", 2**1100, ("overflow", None)),
    ("f64", "1.0", TYPE),
    ("f64", None, TYPE),
    ("f64", [1.0], TYPE),
    ("f64", 2.5, (OK, 2.5)),
    ("", 1, COUNT),
    ("", 0, COUNT),
    ("", False, COUNT),
    ("", [], COUNT),
    ("", (), COUNT),
    ("", None, (OK, None)),
    ("i32 i32", 1, TYPE),
    ("i32 i32", None, TYPE),
    ("i32 i32", _NoLen(), TYPE),
    ("i32 i32", (1,), COUNT),
    ("i32 i32", (1, 2, 3), COUNT),
    ("i32 i32", (1, 2), (OK, [1, 2])),
    ("i32 i32", [1, 2], (OK, [1, 2])),
    ("i32 i32", b"ab", (OK, [97, 98])),
    ("i32 i32", range(3, 5), (OK, [3, 4])),
    ("i32 i32", "ab", TYPE),
    ("i32 i32", (1, "x"), TYPE),
    ("i32 i32", (1, None), TYPE),
    ("i32 f64", (1, 2), INT_AS_FLOAT([1, 2.0])),
    ("i32 f64", (1, 2.0), (OK, [1, 2.0])),
    ("externref", [1], (OK, [1])),
    ("externref", "s", (OK, "s")),
    ("externref", None, (OK, None)),
    ("funcref", 1, TYPE),
    ("funcref", "x", TYPE),
    ("funcref", None, (OK, None)),
]


def _types(rt: ModuleType, names: str) -> list[Any]:
    return [getattr(rt.ValType, n)() for n in names.split()]


def _wasm_caller(rt: ModuleType, store: Any, names: str, host: Any) -> Any:
    """The export ``call`` of a module whose ``call`` returns what host ``f`` returns."""
    results = f"(result {names})" if names else ""
    module = rt.Module(
        store.engine,
        f'(module (import "h" "f" (func $f {results})) (func (export "call") {results} call $f))',
    )
    return rt.Instance(store, module, [host]).exports(store)["call"]


def _check(rt: ModuleType, call: Any, store: Any, expected: Any) -> None:
    if isinstance(expected, tuple) and expected[0] == "int-as-float":
        expected = (OK, expected[1]) if rt is wasmrt else TYPE
    if isinstance(expected, tuple) and expected[0] == "overflow":
        # an int too large for a float: OverflowError on wasmrt (float()), TypeError on
        # wasmtime-py (no int at all)
        expected = OverflowError if rt is wasmrt else TYPE
    if expected is OverflowError:
        with pytest.raises(OverflowError):
            call(store)
        return
    if expected == COUNT:
        with pytest.raises(rt.WasmtimeError, match="callback produced"):
            call(store)
    elif expected is TYPE:
        with pytest.raises(TypeError):
            call(store)
    else:
        value = call(store)
        if isinstance(value, rt.Val):  # wasmtime-py: a null reference comes back as a Val
            value = value.value
        assert value == expected[1]


@pytest.mark.parametrize("via", ["wasm", "python"])
@pytest.mark.parametrize("names, returned, expected", CASES, ids=lambda v: repr(v)[:24])
def test_host_result(rt: ModuleType, via: str, names: str, returned: Any, expected: Any) -> None:
    store = rt.Store()
    host = rt.Func(store, rt.FuncType([], _types(rt, names)), lambda: returned)
    call = _wasm_caller(rt, store, names, host) if via == "wasm" else host
    _check(rt, call, store, expected)
    # the store stays usable: the same function with a fitting result
    ok = rt.Func(store, rt.FuncType([], []), lambda: None)
    assert ok(store) is None


@pytest.mark.parametrize("via", ["wasm", "python"])
def test_host_result_val(rt: ModuleType, via: str) -> None:
    """A ``Val`` of the result's type is accepted, one of another type is a TypeError."""
    store = rt.Store()
    for returned, expected in ((rt.Val.i32(5), (OK, 5)), (rt.Val.i64(5), TYPE)):
        host = rt.Func(store, rt.FuncType([], [rt.ValType.i32()]), lambda r=returned: r)
        call = _wasm_caller(rt, store, "i32", host) if via == "wasm" else host
        _check(rt, call, store, expected)


@pytest.mark.parametrize("returned", [(1, "x"), [1], 1.5])
def test_error_reaches_outermost_caller(rt: ModuleType, returned: Any) -> None:
    """Python -> wasm -> host -> wasm -> host returning a bad result: the TypeError comes
    out of the outer call, after passing through the outer host function unchanged."""
    store = rt.Store()
    i32 = rt.ValType.i32()
    seen: list[BaseException] = []
    inner_results = [i32, i32] if isinstance(returned, tuple) else [i32]
    inner = rt.Func(store, rt.FuncType([], inner_results), lambda: returned)
    module = rt.Module(
        store.engine,
        f"""(module
      (import "h" "inner" (func $inner (result {" ".join(["i32"] * len(inner_results))})))
      (import "h" "outer" (func $outer (result i32)))
      (func (export "leaf") (result i32) call $inner {"drop" if len(inner_results) > 1 else ""})
      (func (export "root") (result i32) call $outer))""",
    )
    box: dict[str, Any] = {}

    def outer() -> int:
        try:
            return int(box["leaf"](store))
        except BaseException as e:
            seen.append(e)
            raise

    exports = rt.Instance(
        store, module, [inner, rt.Func(store, rt.FuncType([], [i32]), outer)]
    ).exports(store)
    box["leaf"] = exports["leaf"]
    with pytest.raises(TypeError) as info:
        exports["root"](store)
    assert seen and seen[0] is info.value
    assert exports["leaf"] is box["leaf"]


@pytest.mark.parametrize("n, k", [(2, 3), (2, 1), (2, 10**9)])
def test_lying_length_is_a_count_error(n: int, k: int) -> None:
    """A result object whose ``__len__`` disagrees with what it yields (wasmrt only:
    wasmtime-py writes past its result array or leaves results unset)."""
    store = wasmrt.Store()
    i32 = wasmrt.ValType.i32()
    host = wasmrt.Func(store, wasmrt.FuncType([], [i32, i32]), lambda: _Lying(n, k))
    for call in (host, _wasm_caller(wasmrt, store, "i32 i32", host)):
        with pytest.raises(wasmrt.WasmtimeError, match="wrong number of results"):
            call(store)
