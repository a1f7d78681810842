"""``Linker``: names for imports, resolved by module/name at instantiation.

Definitions are either bound to a Store (``define``, ``define_instance``,
``define_module``: externs that live in that Store) or Store-independent (``define_func``,
``func_wrap``, ``define_wasi``: host functions created afresh in each Store the first
time it instantiates through this Linker).  A Linker is shareable across threads once
defined.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from ._api_extern import Extern, check_extern
from ._api_func import Func
from ._api_instance import Instance, InstancePre
from ._api_managed import Closeable
from ._api_module import Module
from ._api_store import Store, Storelike, store_of
from ._api_types import FuncType
from ._api_wrap import infer_functype
from .errors import LinkError, WasmtimeError, WrongKindError

if TYPE_CHECKING:
    from ._api_engine import Engine

__all__ = ["Linker"]


class _HostDef:
    """A Store-independent host function definition (``define_func`` / ``func_wrap``)."""

    __slots__ = ("__weakref__", "access_caller", "func", "ty")

    def __init__(self, ty: FuncType, func: Callable[..., Any], access_caller: bool):
        self.ty = ty
        self.func = func
        self.access_caller = access_caller

    def materialize(self, store: Store) -> Func:
        """This definition as a ``Func`` of ``store`` (one per Store, cached there)."""
        cache = store._host_funcs
        func = cache.get(self)
        if func is None:
            func = Func(store, self.ty, self.func, self.access_caller)
            cache[self] = func
        return func


Definition: TypeAlias = Extern | _HostDef


class Linker(Closeable):
    """Resolves a module's imports by name: ``Linker(engine)``, then ``define*`` and
    ``instantiate(store, module)``; ``close()`` drops the definitions and ends its use."""

    engine: Engine

    def __init__(self, engine: Engine):
        from ._api_engine import Engine

        if not isinstance(engine, Engine):
            raise WrongKindError("expected an Engine")
        engine._live()
        self.engine = engine
        self._defs: dict[tuple[str, str], Definition] = {}
        self._shadowing = False
        self._unknown_exports = False

    # Options ----------------------------------------------------------------

    def _set_allow_shadowing(self, allow: bool) -> None:
        self._live()
        self._shadowing = bool(allow)

    allow_shadowing = property(
        fset=_set_allow_shadowing,
        doc="Whether a later definition may replace an earlier one with the same "
        "module/name (default False: redefinition raises).\n\nNote that this field can "
        "only be set, it cannot be read",
    )

    def _set_allow_unknown_exports(self, allow: bool) -> None:
        self._live()
        self._unknown_exports = bool(allow)

    allow_unknown_exports = property(
        fset=_set_allow_unknown_exports,
        doc="Whether ``define_module`` accepts command modules exporting items other than "
        "functions and memories (default False).\n\nNote that this field can only be set, "
        "it cannot be read",
    )

    # Definitions ------------------------------------------------------------

    def _insert(self, module: str, name: str, item: Definition) -> None:
        if not isinstance(module, str) or not isinstance(name, str):
            raise TypeError("expected a str")
        key = (module, name)
        if key in self._defs and not self._shadowing:
            raise WasmtimeError(f"import of `{module}::{name}` defined twice")
        self._defs[key] = item

    def define(self, store: Storelike, module: str, name: str, item: Extern) -> None:
        """Define ``module``/``name`` as ``item`` (a ``Func``, ``Memory``, ``Table`` or
        ``Global`` of ``store``).

        Raises ``WasmtimeError`` if the name is taken and shadowing is not allowed.
        """
        self._live()
        check_extern(item)
        item._check_store(store_of(store))
        self._insert(module, name, item)

    def define_func(
        self,
        module: str,
        name: str,
        ty: FuncType,
        func: Callable[..., Any],
        access_caller: bool = False,
    ) -> None:
        """Define a Store-independent host function of type ``ty``.

        ``func`` receives native Python values (after a ``Caller`` if ``access_caller``).
        """
        self._live()
        if not isinstance(ty, FuncType):
            raise WrongKindError("expected a FuncType")
        if not callable(func):
            raise TypeError("expected a callable")
        self._insert(module, name, _HostDef(ty, func, access_caller))

    def func_wrap(self, module: str, name: str, func: Callable[..., Any] | None = None) -> Any:
        """Define a host function whose wasm type comes from ``func``'s annotations
        (see ``Func.wrap``).  Usable as a decorator: ``@linker.func_wrap("env", "log")``.
        Returns ``func`` unchanged.
        """
        self._live()
        from ._api_func import Caller

        def define(fn: Callable[..., Any]) -> Callable[..., Any]:
            ty, access_caller = infer_functype(fn, Caller)
            self._insert(module, name, _HostDef(ty, fn, access_caller))
            return fn

        return define if func is None else define(func)

    def define_instance(self, store: Storelike, name: str, instance: Instance) -> None:
        """Define every export of ``instance`` under module name ``name``."""
        self._live()
        if not isinstance(instance, Instance):
            raise WrongKindError("expected an `Instance`")
        exports = instance.exports(store)
        for export_name in exports:
            self.define(store, name, export_name, exports[export_name])

    def define_module(self, store: Storelike, name: str, module: Module) -> None:
        """Define ``module``'s exports under ``name``, instantiating it through this Linker.

        A WASI *command* (exports ``_start``) is instantiated afresh for each call of one
        of its exported functions; any other module (a *reactor*) is instantiated once,
        its ``_initialize`` export run, and its exports defined.
        """
        self._live()
        if not isinstance(module, Module):
            raise WrongKindError("expected a `Module`")
        store_ = store_of(store)
        export_names = [e.name for e in module.exports]
        if "_start" in export_names:
            self._define_command(store_, name, module)
            return
        instance = self.instantiate(store_, module)
        exports = instance.exports(store_)
        init = exports.get("_initialize")
        if isinstance(init, Func):
            init(store_)
        self.define_instance(store_, name, instance)

    def _define_command(self, store: Store, name: str, module: Module) -> None:
        for export in module.exports:
            ty = export.type
            if not isinstance(ty, FuncType):
                if self._unknown_exports:
                    continue
                raise WasmtimeError(
                    f"command export `{export.name}` is not a function: commands may "
                    "only export functions (see `allow_unknown_exports`)"
                )

            def call(*args: Any, _export: str = export.name) -> Any:
                item = self.instantiate(store, module).exports(store)[_export]
                if not isinstance(item, Func):  # the module's type says it is one
                    raise WasmtimeError(f"command export `{_export}` is not a function")
                return item(store, *args)

            self.define(store, name, export.name, Func(store, ty, call))

    def define_wasi(self) -> None:
        """Define the WASI preview1 functions (module ``wasi_snapshot_preview1``).

        They act on the ``WasiConfig`` given to each Store with ``Store.set_wasi``.
        """
        self._live()
        from .wasi import define_wasi

        define_wasi(self)

    def define_unknown_imports_as_traps(self, module: Module) -> None:
        """Define every not-yet-defined function import of ``module`` as a function that
        fails when called: the call raises ``WasmtimeError`` ("unknown import: ... has not
        been defined"), as in wasmtime-py."""
        self._live()
        if not isinstance(module, Module):
            raise WrongKindError("expected a `Module`")

        for imp in module.imports:
            key = (imp.module, imp.name or "")
            if key in self._defs or not isinstance(imp.type, FuncType):
                continue

            def trap(*_: Any, _key: tuple[str, str] = key) -> Any:
                raise WasmtimeError(f"unknown import: `{_key[0]}::{_key[1]}` has not been defined")

            self._defs[key] = _HostDef(imp.type, trap, False)

    def define_unknown_imports_as_default_values(self, store: Storelike, module: Module) -> None:
        """Define every not-yet-defined function import of ``module`` as a function that
        returns zeros / null references."""
        self._live()
        if not isinstance(module, Module):
            raise WrongKindError("expected a `Module`")
        for imp in module.imports:
            key = (imp.module, imp.name or "")
            if key in self._defs or not isinstance(imp.type, FuncType):
                continue
            results = [
                0.0 if str(t) in ("f32", "f64") else None if t.is_reference else 0
                for t in imp.type.results
            ]
            value = None if not results else results[0] if len(results) == 1 else results

            def zero(*_: Any, _value: Any = value) -> Any:
                return _value

            self._defs[key] = _HostDef(imp.type, zero, False)

    def close(self) -> None:
        """Close this Linker: its definitions are dropped and every later use raises
        ``ValueError``."""
        super().close()
        self._defs.clear()

    # Lookup and instantiation ----------------------------------------------

    def _lookup(self, store: Store, module: str, name: str) -> Extern | None:
        item = self._defs.get((module, name))
        if item is None:
            return None
        if isinstance(item, _HostDef):
            return item.materialize(store)
        return item

    def _resolve(self, store: Store, module: Module) -> list[Extern]:
        externs: list[Extern] = []
        for imp in module.imports:
            item = self._lookup(store, imp.module, imp.name or "")
            if item is None:
                raise LinkError(f"unknown import: `{imp.module}::{imp.name}` has not been defined")
            externs.append(item)
        return externs

    def instantiate(self, store: Storelike, module: Module) -> Instance:
        """Instantiate ``module`` in ``store``, resolving its imports from this Linker.

        Raises ``LinkError`` ("unknown import", "incompatible import type") or ``Trap``
        (from a segment or the start function).
        """
        self._live()
        if not isinstance(module, Module):
            raise WrongKindError("expected a `Module`")
        store_ = store_of(store)
        return Instance(store_, module, self._resolve(store_, module))

    def instantiate_pre(self, module: Module) -> InstancePre:
        """Check now that every import of ``module`` is defined, for cheap repeated
        ``InstancePre.instantiate(store)`` calls.  Raises ``LinkError`` if one is missing.
        """
        self._live()
        if not isinstance(module, Module):
            raise WrongKindError("expected a `Module`")
        items: list[Definition] = []
        for imp in module.imports:
            item = self._defs.get((imp.module, imp.name or ""))
            if item is None:
                raise LinkError(f"unknown import: `{imp.module}::{imp.name}` has not been defined")
            if isinstance(item, _HostDef) and item.ty != imp.type:
                raise LinkError(
                    f"incompatible import type for `{imp.module}::{imp.name}`: types "
                    f"incompatible: expected type `{imp.type!r}`, found type `{item.ty!r}`"
                )
            items.append(item)
        return InstancePre(module, items)

    def get(self, store: Storelike, module: str, name: str) -> Extern:
        """The item defined as ``module``/``name``; ``WasmtimeError`` if there is none."""
        self._live()
        item = self._lookup(store_of(store), module, name)
        if item is None:
            raise WasmtimeError("item not defined in linker")
        return item

    def get_default(self, store: Storelike, name: str) -> Func:
        """The default export of module ``name``: its ``""`` function, else ``_start``,
        else a function that does nothing."""
        self._live()
        store_ = store_of(store)
        for field in ("", "_start"):
            item = self._lookup(store_, name, field)
            if isinstance(item, Func):
                return item
        return Func(store_, FuncType([], []), lambda: None)
