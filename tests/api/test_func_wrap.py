"""Func.wrap: the wasm type from annotations."""

from __future__ import annotations

import pytest

import wasmrt
from wasmrt import Caller, ValType
from wasmrt._api_wrap import infer_functype


def sig(fn):
    ty, caller = infer_functype(fn, Caller)
    return [str(t) for t in ty.params], [str(t) for t in ty.results], caller


def test_plain_types():
    def f(a: int, b: float) -> int: ...

    assert sig(f) == (["i32", "f64"], ["i32"], False)


def test_markers():
    def f(
        a: wasmrt.i64, b: wasmrt.f32, c: wasmrt.externref, d: wasmrt.funcref, e: wasmrt.v128
    ) -> wasmrt.f64: ...

    assert sig(f) == (["i64", "f32", "externref", "funcref", "v128"], ["f64"], False)


def test_results():
    def none() -> None: ...

    def bare(): ...

    def multi(x: int) -> tuple[wasmrt.i64, float]: ...

    def empty() -> tuple[()]: ...

    assert sig(none)[1] == [] and sig(bare)[1] == [] and sig(empty)[1] == []
    assert sig(multi) == (["i32"], ["i64", "f64"], False)


def test_caller_parameter():
    def f(caller: Caller, x: int) -> None: ...

    assert sig(f) == (["i32"], [], True)


def test_string_annotations():
    def f(x):  # annotated as `from __future__ import annotations` leaves them: strings
        ...

    f.__annotations__ = {"x": "wasmrt.i64", "return": "int"}
    assert sig(f) == (["i64"], ["i32"], False)


def _no_annotation(x): ...
def _str_param(x: str) -> int: ...
def _str_result(x: int) -> str: ...
def _var_args(*args: int): ...
def _var_tuple(x: int) -> tuple[int, ...]: ...
def _keyword_only(*, x: int): ...


@pytest.mark.parametrize(
    "fn", [_no_annotation, _str_param, _str_result, _var_args, _var_tuple, _keyword_only]
)
def test_unmappable(fn):
    with pytest.raises(TypeError):
        infer_functype(fn, Caller)
    with pytest.raises(TypeError):
        wasmrt.Func.wrap(wasmrt.Store(), fn)


def test_wrap_call():
    store = wasmrt.Store()

    def add(a: int, b: wasmrt.i64) -> tuple[int, int]:
        return a + 1, b + 1

    f = wasmrt.Func.wrap(store, add)
    assert f.type(store).params == [ValType.i32(), ValType.i64()]
    assert f(store, 1, 2) == [2, 3]
    inst = wasmrt.Instance(
        store,
        wasmrt.Module(
            store.engine,
            """(module
      (import "" "add" (func $add (param i32 i64) (result i32 i32)))
      (func (export "run") (result i32) (call $add (i32.const 4) (i64.const 5)) i32.add))""",
        ),
        [f],
    )
    assert inst.exports(store)["run"](store) == 11


def test_not_callable():
    with pytest.raises(TypeError):
        wasmrt.Func.wrap(wasmrt.Store(), 5)
