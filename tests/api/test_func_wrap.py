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
    ns: dict = {}
    exec("import wasmrt\ndef f(x: 'wasmrt.i64') -> 'int': ...", ns)
    assert sig(ns["f"]) == (["i64"], ["i32"], False)


@pytest.mark.parametrize(
    "source",
    [
        "def f(x): ...",
        "def f(x: str) -> int: ...",
        "def f(x: int) -> str: ...",
        "def f(*args: int): ...",
        "def f(x: int) -> tuple[int, ...]: ...",
        "def f(*, x: int): ...",
    ],
)
def test_unmappable(source):
    ns: dict = {}
    exec(source, ns)
    with pytest.raises(TypeError):
        infer_functype(ns["f"], Caller)
    with pytest.raises(TypeError):
        wasmrt.Func.wrap(wasmrt.Store(), ns["f"])


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
