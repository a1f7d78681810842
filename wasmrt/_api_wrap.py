"""Signature inference for ``Func.wrap`` / ``Linker.func_wrap``: a ``FuncType`` from annotations.

``int`` -> i32, ``float`` -> f64, the markers ``wasmrt.i32 / i64 / f32 / f64 / v128 /
externref / funcref`` (``Annotated`` aliases carrying a ``ValType``), ``tuple[...]`` return ->
multiple results, no return annotation or ``None`` -> no results.  A first parameter
annotated ``Caller`` receives the caller and is not a wasm parameter.  Anything else is a
``TypeError`` at wrap time.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any, get_args, get_origin, get_type_hints

from ._api_types import FuncType, ValType

__all__ = ["infer_functype"]

_PLAIN = {int: ValType.i32, float: ValType.f64}


def _valtype(hint: Any, where: str) -> ValType:
    if isinstance(hint, ValType):
        return hint
    if get_origin(hint) is typing.Annotated:
        for meta in hint.__metadata__:
            if isinstance(meta, ValType):
                return meta
    make = _PLAIN.get(hint)
    if make is not None:
        return make()
    raise TypeError(f"cannot map {where} annotation {hint!r} to a wasm value type")


def _results(hint: Any) -> list[ValType]:
    if hint is None or hint is type(None):
        return []
    if hint is tuple or get_origin(hint) is tuple:
        args = get_args(hint)
        if args == ((),):  # tuple[()]
            return []
        if len(args) == 2 and args[1] is Ellipsis:
            raise TypeError("a variable-length tuple cannot be a wasm result type")
        return [_valtype(a, "result") for a in args]
    return [_valtype(hint, "result")]


def _resolve(fn: Callable[..., Any], hint: Any) -> Any:
    """A string annotation evaluated in ``fn``'s globals, with ``wasmrt`` and its markers
    visible (for ``from __future__ import annotations`` with a local ``import wasmrt``)."""
    if not isinstance(hint, str):
        return hint
    import wasmrt

    scope = {**vars(wasmrt), "wasmrt": wasmrt}
    try:
        return eval(hint, dict(getattr(fn, "__globals__", {})), scope)
    except Exception:  # noqa: BLE001
        return hint


def infer_functype(fn: Callable[..., Any], caller_cls: type) -> tuple[FuncType, bool]:
    """The wasm type of ``fn`` from its annotations, and whether it takes a ``Caller`` first."""
    if not callable(fn):
        raise TypeError("expected a callable")
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as e:
        raise TypeError(f"cannot read the signature of {fn!r}: {e}") from None
    try:
        hints = get_type_hints(fn, include_extras=True)
    except Exception:  # noqa: BLE001 - a name not visible from fn's module: resolve one by one
        hints = {k: _resolve(fn, v) for k, v in (getattr(fn, "__annotations__", {}) or {}).items()}
    params = list(sig.parameters.values())
    access_caller = False
    if params:
        first = hints.get(params[0].name, params[0].annotation)
        if first is caller_cls or first == "Caller" or first == caller_cls.__name__:
            access_caller = True
            params = params[1:]
    types: list[ValType] = []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY):
            raise TypeError(f"parameter {p.name!r} of {fn!r} cannot be a wasm parameter")
        hint = hints.get(p.name, p.annotation)
        if hint is inspect.Parameter.empty:
            raise TypeError(f"parameter {p.name!r} of {fn!r} has no type annotation")
        types.append(_valtype(hint, f"parameter {p.name!r}"))
    ret = hints.get("return", sig.return_annotation)
    results = [] if ret is inspect.Signature.empty else _results(ret)
    return FuncType(types, results), access_caller
