"""The host boundary: host functions that misbehave (wrong result types or counts,
``BaseException``s, re-entry into the same Store), a ``Caller`` used after its call
returned, and objects from another Store all give clear Python exceptions; the Store
stays usable afterwards."""

from __future__ import annotations

from typing import Any

import pytest

import wasmrt
from wasmrt import Engine, Func, FuncType, Instance, Module, Store, ValType

I32 = ValType.i32()
WAT = """(module
  (import "h" "f" (func $f (param i32) (result i32)))
  (memory (export "mem") 1)
  (func (export "call") (param i32) (result i32) local.get 0 call $f)
  (func (export "one") (result i32) i32.const 1))"""


def _run(host: Any, arg: int = 0, access_caller: bool = False) -> tuple[Store, Any, Any]:
    store = Store(Engine())
    f = Func(store, FuncType([I32], [I32]), host, access_caller=access_caller)
    ex = Instance(store, Module(store.engine, WAT), [f]).exports(store)
    return store, ex, ex["call"]


@pytest.mark.parametrize("bad", ["str", 1.5, None, (1, 2), (), object(), 1j])
def test_wrong_result_type_or_count(bad: Any) -> None:
    store, ex, call = _run(lambda x: bad)
    with pytest.raises(TypeError):  # as wasmtime-py: a tuple is no i32 either
        call(store, 0)
    assert ex["one"](store) == 1


@pytest.mark.parametrize("value, wrapped", [(2**40, 0), (2**31, -2**31), (-2**31 - 1, 2**31 - 1)])
def test_out_of_range_result_wraps_like_wasmtime(value: int, wrapped: int) -> None:
    store, _, call = _run(lambda x: value)
    assert call(store, 0) == wrapped


def test_wrong_result_count_multi() -> None:
    store = Store(Engine())
    f = Func(store, FuncType([], [I32, I32]), lambda: 1)
    with pytest.raises(TypeError, match="has no len"):
        f(store)
    g = Func(store, FuncType([], [I32, I32]), lambda: (1, 2, 3))
    with pytest.raises(wasmrt.WasmtimeError, match="wrong number of results"):
        g(store)
    h = Func(store, FuncType([], [I32, I32]), lambda: (1, 2))
    assert h(store) == [1, 2]


class _Custom(BaseException):
    pass


@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit, _Custom, GeneratorExit, RecursionError])
def test_host_raises_base_exception(exc: type[BaseException]) -> None:
    def host(x: int) -> int:
        raise exc()

    store, ex, call = _run(host)
    with pytest.raises(BaseException) as info:
        call(store, 0)
    assert isinstance(info.value, exc), f"{exc.__name__} came back as {info.value!r}"
    assert ex["one"](store) == 1


def test_reentering_same_store_deeply() -> None:
    """Host -> wasm -> host recursion through the same Store, to a depth the host picks,
    then a Python RecursionError at unbounded depth: both come back cleanly."""
    state: dict[str, Any] = {}

    def host(x: int) -> int:
        if x == 0:
            return 0
        return state["call"](state["store"], x - 1) + 1

    store, ex, call = _run(host)
    state.update(store=store, call=call)
    assert call(store, 90) == 90
    with pytest.raises((RecursionError, wasmrt.Trap, wasmrt.WasmtimeError)):
        call(store, 10**9)
    assert call(store, 10) == 10
    assert ex["one"](store) == 1


def test_caller_after_return() -> None:
    kept: list[Any] = []

    def host(caller: Any, x: int) -> int:
        kept.append(caller)
        return int(caller["mem"].size(caller)) + x

    store, ex, call = _run(host, access_caller=True)
    assert call(store, 5) == 6
    caller = kept[0]
    assert caller.get("mem") is None
    for action in (caller.data, lambda: ex["mem"].size(caller), lambda: ex["mem"].grow(caller, 1)):
        with pytest.raises(ValueError, match="caller is no longer valid"):
            action()
    assert ex["mem"].size(store) == 1
    assert ex["one"](store) == 1


def test_objects_from_another_store() -> None:
    engine = Engine()
    a, b = Store(engine), Store(engine)
    module = Module(engine, '(module (memory (export "m") 1) (global (export "g") (mut i32) (i32.const 7))'
                    ' (table (export "t") 1 funcref) (func (export "f") (result i32) i32.const 3))')
    ex = Instance(a, module, []).exports(a)
    for action in (
        lambda: ex["f"](b),
        lambda: ex["m"].size(b),
        lambda: ex["m"].read(b, 0, 4),
        lambda: ex["g"].value(b),
        lambda: ex["g"].set_value(b, 1),
        lambda: ex["t"].size(b),
        lambda: ex["t"].set(b, 0, ex["f"]),
    ):
        with pytest.raises((wasmrt.WasmtimeError, ValueError, TypeError)):
            action()
    # importing another store's function into this store's instance is refused too
    importer = Module(engine, '(module (import "" "f" (func (result i32))))')
    with pytest.raises((wasmrt.WasmtimeError, ValueError, TypeError)):
        Instance(b, importer, [ex["f"]])
    assert ex["f"](a) == 3 and ex["g"].value(a) == 7
