"""``Func`` (host and wasm functions, ``Func.wrap``) and ``Caller``.

Calls convert native Python values straight into the store's value slots (no ``Val``
objects, no type lookup per call: the function record holds its type codes).  A host
function receives native Python values; a first ``Caller`` argument when asked for.

``Func.__call__`` is not in this file: it is inherited from ``FuncBase`` (Cython,
``wasmrt/_interp_instance.pxi``; typed in ``_interp.pyi``), which runs the common case (a
wasm function called with its own Store and the right number of plain values) without
leaving C, and hands every other call to ``Func._call_slow`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from types import CoroutineType
from typing import TYPE_CHECKING, Any

from . import _interp
from ._api_async import call_host_async, call_wasm_async
from ._api_store import Store, Storelike, owned_by, store_of
from ._api_types import FuncType, Val, is_func_code
from ._api_wrap import infer_functype
from .errors import WasmtimeError, WrongKindError

if TYPE_CHECKING:
    from ._api_extern import Extern

__all__ = ["Caller", "Func"]

_interp.set_val_class(Val)


def _has_funcs(codes: tuple[int, ...]) -> bool:
    """Whether values of some of the types ``codes`` are function references."""
    return any(is_func_code(c) for c in codes)


class Func(_interp.FuncBase):
    """A WebAssembly function, defined by a module or by Python.

    ``Func(store, ty, func, access_caller=False)`` makes a host function of type ``ty``
    that calls ``func`` with native Python values (preceded by a ``Caller`` when
    ``access_caller``).  It returns ``None``, one value, or a sequence for several results;
    it may raise ``Trap`` to trap, or any exception, which reaches the Python code that
    called into wasm unchanged.  ``func`` may be an ``async def`` function: the guest
    then pauses while its coroutine runs, which needs the call into wasm to be made with
    ``await f.call_async(store, ...)`` (a synchronous call raises ``WasmtimeError``).
    """

    __slots__ = ()

    def __init__(
        self,
        store: Storelike,
        ty: FuncType,
        func: Callable[..., Any],
        access_caller: bool = False,
    ):
        store_ = store_of(store)
        if not isinstance(ty, FuncType):
            raise WrongKindError("expected a FuncType")
        if not callable(func):
            raise TypeError("expected a callable")
        host = host_callable(func, access_caller)
        params, results = ty._codes
        if _has_funcs(params):
            host = _wrap_funcref_args(host, params, store_, access_caller)
        fi = store_._context().new_host_func(
            host, params, results, ty._canonical_id(), bool(access_caller)
        )
        self._bind(fi, store_)
        fi.origin = (ty, func, bool(access_caller))    # (snapshots make it again)

    @classmethod
    def wrap(cls, store: Storelike, func: Callable[..., Any]) -> Func:
        """A host function whose wasm type comes from ``func``'s annotations.

        ``int`` -> i32, ``float`` -> f64, markers ``wasmrt.i32/i64/f32/f64/v128/externref/
        funcref``; a ``tuple[...]`` return gives several results, no return annotation or
        ``None`` none.  A first parameter annotated ``Caller`` receives the caller.
        Raises ``TypeError`` for anything that does not map to a wasm type.
        """
        ty, access_caller = infer_functype(func, Caller)
        return cls(store, ty, func, access_caller)

    @classmethod
    def _from_runtime(cls, fi: Any, store: Store) -> Func:
        """The (cached) public wrapper of runtime function ``fi``."""
        func = fi.wrapper
        if func is None:
            func = cls.__new__(cls)
            func._bind(fi, store)
        return func  # type: ignore[no-any-return]

    def _bind(self, fi: Any, store: Store) -> None:
        self._func = fi
        self._store = store
        self._simple = not fi.is_host and not _has_funcs(fi.results)
        fi.wrapper = self

    def _check_store(self, store: Storelike) -> Store:
        """The Store behind ``store``, checked to be this function's (``owned_by``)."""
        return owned_by(self._store, store)

    def type(self, store: Storelike) -> FuncType:
        """This function's ``FuncType``."""
        owned_by(self._store, store)._context()
        return FuncType._from_type_id(self._func.type_id)

    # __call__(store, *params) is FuncBase.__call__ (wasmrt/_interp_instance.pxi): the
    # common case runs there; everything else comes here.
    def _call_slow(self, store: Storelike, params: tuple[Any, ...]) -> Any:
        """Call with native Python values (or ``Val``); returns ``None``, the single
        result, or a list for several results.  Raises ``Trap`` on a trap, the host's
        exception if a host function raised, ``WasmtimeError`` for a wrong number of
        arguments, ``TypeError`` for a value of the wrong type."""
        owned_by(self._store, store)
        func = self._func
        _check_count(func, params)
        if func.is_host:
            return _call_host(func, params, self._store)
        result = self._invoke(params)
        if _has_funcs(func.results):
            return _wrap_funcrefs(result, func.results, self._store)
        return result

    async def call_async(self, store: Storelike, *params: Any) -> Any:
        """Call from a coroutine: returns (or raises) what ``func(store, *params)`` would.

        The guest pauses while an async host function's coroutine runs (other tasks of
        the event loop run meanwhile) and yields to the loop about every 10 ms while it
        computes (``Store.set_async_yield_interval``); cancelling the awaiting task stops
        the guest with ``asyncio.CancelledError`` and leaves the Store usable.
        """
        owned_by(self._store, store)
        func = self._func
        _check_count(func, params)
        if func.is_host:
            result = await call_host_async(func, params)
        else:
            result = await call_wasm_async(func, params, self._store)
        if _has_funcs(func.results):
            return _wrap_funcrefs(result, func.results, self._store)
        return result

    def __repr__(self) -> str:
        return f"<wasmrt.Func {FuncType._from_type_id(self._func.type_id)!r}>"


def _check_count(fi: Any, params: tuple[Any, ...]) -> None:
    """``WasmtimeError`` unless ``params`` has one value per parameter of ``fi``."""
    n = len(fi.params)
    if len(params) != n:
        few = "few" if len(params) < n else "many"
        raise WasmtimeError(f"too {few} parameters provided: given {len(params)}, expected {n}")


def _call_host(fi: Any, params: tuple[Any, ...], store: Store) -> Any:
    """A host function called from Python: the runtime converts arguments and results as
    on a call from wasm (wrapped to width, checked against the function's type, results
    shaped by wasmtime-py's rules); funcref results become ``Func``s."""
    result = fi(*params)
    codes = fi.results
    if _has_funcs(codes):
        return _wrap_funcrefs(result, codes, store)
    return result


def _wrap_values(values: Any, codes: tuple[int, ...], store: Store) -> list[Any]:
    """``values`` with runtime functions (function references) replaced by ``Func``s."""
    return [
        Func._from_runtime(v, store)
        if is_func_code(c) and v is not None and type(v) is not Func
        else v
        for v, c in zip(values, codes)
    ]


def _wrap_funcrefs(result: Any, codes: tuple[int, ...], store: Store) -> Any:
    """A call's ``result`` (one value or a list) with ``Func``s for funcref values."""
    if len(codes) == 1:
        return _wrap_values((result,), codes, store)[0]
    return _wrap_values(result, codes, store)


def _wrap_funcref_args(
    host: Callable[..., Any], codes: tuple[int, ...], store: Store, access_caller: bool
) -> Callable[..., Any]:
    """Adapt ``host`` so that its funcref arguments arrive as ``Func`` objects."""
    skip = 1 if access_caller else 0

    def call(*args: Any) -> Any:
        return host(*args[:skip], *_wrap_values(args[skip:], codes, store))

    return call


def host_callable(func: Callable[..., Any], access_caller: bool) -> Callable[..., Any]:
    """What the runtime calls for host function ``func``: ``func`` itself, or an adapter
    passing a ``Caller`` first.  (Store-independent; funcref parameters add one that is
    not, ``_wrap_funcref_args``.)"""
    return _with_caller(func) if access_caller else func


def _with_caller(func: Callable[..., Any]) -> Callable[..., Any]:
    """Adapt a host callable taking a ``Caller`` to the runtime's (instance, *args) call.

    The ``Caller`` is valid for the whole call: for an async host function, until its
    coroutine has finished (the guest stays paused meanwhile)."""

    def host(instance: Any, *args: Any) -> Any:
        caller = Caller(instance)
        try:
            result = func(caller, *args)
        except BaseException:
            caller._instance = None
            raise
        if type(result) is CoroutineType:
            return _caller_scope(caller, result)
        caller._instance = None
        return result

    return host


async def _caller_scope(caller: Caller, coro: Coroutine[Any, Any, Any]) -> Any:
    try:
        return await coro
    finally:
        caller._instance = None


class Caller:
    """The calling instance, passed to host functions created with ``access_caller=True``
    (or ``Func.wrap`` of a function whose first parameter is annotated ``Caller``).

    Valid only during the host call: afterwards every method raises ``ValueError``
    (``get`` returns ``None``).  A ``Caller`` can be used wherever a store is expected.
    """

    __slots__ = ("_instance",)

    def __init__(self, instance: Any):
        self._instance = instance

    def _store_of(self) -> Store:
        inst = self._instance
        if inst is None:
            raise ValueError("caller is no longer valid")
        return inst.store.owner  # type: ignore[no-any-return]

    def _context(self) -> Any:
        return self._store_of()._context()

    def get(self, name: str) -> Extern | None:
        """The calling instance's export ``name``, or ``None`` (also once invalid)."""
        if not isinstance(name, str):
            raise TypeError("expected a str")
        inst = self._instance
        if inst is None:
            return None
        from ._api_extern import wrap_extern

        item = inst.exports.get(name)
        return None if item is None else wrap_extern(item, inst.store.owner)

    def get_export(self, name: str) -> Extern | None:
        """Rust-style name of ``get``: the caller's export ``name``, or ``None``."""
        return self.get(name)

    def __getitem__(self, name: str) -> Extern:
        item = self.get(name)
        if item is None:
            raise KeyError(f"failed to find export {name}")
        return item

    def data(self) -> Any:
        """The store's ``data`` object."""
        return self._store_of().data()

    def get_fuel(self) -> int:
        """The store's remaining fuel (see ``Store.get_fuel``)."""
        return self._store_of().get_fuel()

    def set_fuel(self, fuel: int) -> None:
        """Set the store's remaining fuel (see ``Store.set_fuel``)."""
        self._store_of().set_fuel(fuel)

    @property
    def engine(self) -> Any:
        """The Engine of the caller's store."""
        return self._store_of().engine
