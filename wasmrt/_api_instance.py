"""``Instance`` (a module instantiated in a Store), its exports, and ``InstancePre``.

Import resolution is checked here, before any allocation: each provided extern must be of
the right kind and type (function types equivalent, by canonical id; an immutable global's
type matching the import's by subtyping, a mutable one's equal; table element types equal;
table and memory limits matching by the spec's subtyping on their *current* sizes), else
``LinkError`` ("incompatible import type").  Allocation, segment initialisation and the
start function run in ``_interp.instantiate`` (``_interp_instance.pxi``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from . import _core, _interp
from ._api_extern import Extern, Global, Memory, SharedMemory, Table, Tag, check_extern, wrap_extern
from ._api_func import Func
from ._api_managed import Closeable
from ._api_module import EXTERN_FUNC, EXTERN_GLOBAL, EXTERN_MEMORY, EXTERN_TABLE, EXTERN_TAG, Module
from ._api_store import Store, Storelike, owned_by, store_of
from ._api_types import FuncType, Limits
from .errors import LinkError, WrongKindError

__all__ = ["Instance", "InstanceExports", "InstancePre", "resolve_imports"]

_KIND_NAMES = {
    EXTERN_FUNC: "func",
    EXTERN_TABLE: "table",
    EXTERN_MEMORY: "memory",
    EXTERN_GLOBAL: "global",
    EXTERN_TAG: "tag",
}
_CLASSES: dict[int, Any] = {
    EXTERN_FUNC: Func,
    EXTERN_TABLE: Table,
    EXTERN_MEMORY: (Memory, SharedMemory),
    EXTERN_GLOBAL: Global,
    EXTERN_TAG: Tag,
}


def _limits_str(minimum: int, maximum: int | None) -> str:
    return f"(min: {minimum}, max: {'none' if maximum is None else maximum})"


def _mismatch(info: Any, desc: Any, kind: int, item: Extern) -> str | None:
    """Why ``item`` cannot satisfy an import of ``kind`` with descriptor ``desc``, or None."""
    if not isinstance(item, _CLASSES[kind]):
        found = next(n for k, n in _KIND_NAMES.items() if isinstance(item, _CLASSES[k]))
        return f"expected {_KIND_NAMES[kind]}, but found {found}"
    rt: Any = item._rt if not isinstance(item, Func) else item._func
    if kind == EXTERN_FUNC:
        ft = info.types[desc]
        if not _core.canonical_matches(rt.type_id, ft.type_id):
            want_ty = FuncType._from_type_id(ft.type_id)
            have_ty = FuncType._from_type_id(rt.type_id)
            return f"types incompatible: expected type `{want_ty!r}`, found type `{have_ty!r}`"
        return None
    type_ids = [t.type_id for t in info.types]
    if kind == EXTERN_TAG:
        if info.types[desc].type_id != rt.type_id:
            return "incompatible import type: tag types differ"
        return None
    if kind == EXTERN_GLOBAL:
        want_vt = _core.canonical_valtype(desc.val_type, type_ids)
        if want_vt != rt.valtype and (desc.mutable or not _core.valtype_matches(rt.valtype,
                                                                                want_vt)):
            return "global types incompatible: value types differ"
        if bool(desc.mutable) != bool(rt.mutable):
            want_m = "mutable" if desc.mutable else "immutable"
            have_m = "mutable" if rt.mutable else "immutable"
            return f"global types incompatible: expected {want_m} global, found {have_m} global"
        return None
    want = Limits(desc.min, None if desc.max < 0 else desc.max)
    what = "memory" if kind == EXTERN_MEMORY else "table"
    if bool(desc.is_64) != bool(rt.is_64):
        bits = ("64", "32") if desc.is_64 else ("32", "64")
        return f"{what} types incompatible: expected {bits[0]}-bit {what}, found {bits[1]}-bit {what}"
    if kind == EXTERN_MEMORY:
        if bool(desc.shared) != bool(rt.shared):
            want_s, have_s = ("shared", "unshared") if desc.shared else ("unshared", "shared")
            return f"memory types incompatible: expected {want_s} memory, found {have_s} memory"
        if desc.page_size_log2 != rt.page_size_log2:
            return (
                "memory types incompatible: expected a memory with a page size of "
                f"{1 << desc.page_size_log2}, but received a memory with a page size of "
                f"{1 << rt.page_size_log2}"
            )
        have = Limits(int(rt.pages), rt.declared_max)
    else:
        if rt.elem_type != _core.canonical_valtype(desc.elem_type, type_ids):
            return "table types incompatible: element types differ"
        have = Limits(int(rt.size), rt.max)
    if not have._matches(want):
        return (
            f"{what} types incompatible: expected {what} limits {_limits_str(want.min, want.max)} "
            f"doesn't match provided {what} limits {_limits_str(have.min, have.max)}"
        )
    return None


def resolve_imports(module: Module, items: Sequence[Any]) -> list[Any]:
    """The runtime objects for ``items`` (public externs in import order), type-checked
    against ``module``'s imports.  Raises ``LinkError``."""
    info = module._info
    imports = info.imports
    if len(items) != len(imports):
        raise LinkError(f"expected {len(imports)} imports, found {len(items)}")
    out = []
    for imp, item in zip(imports, items):
        check_extern(item)
        why = _mismatch(info, imp.desc, imp.kind, item)
        if why is not None:
            raise LinkError(f"incompatible import type for `{imp.module}::{imp.name}`: {why}")
        out.append(item._func if isinstance(item, Func) else item._rt)
    return out


class Instance:
    """An instantiated module: ``Instance(store, module, imports)``.

    ``imports`` are ``Func``/``Memory``/``Table``/``Global`` objects of ``store`` in the
    order of ``module.imports``.  Raises ``LinkError`` for a missing or mistyped import,
    ``Trap`` if a segment is out of bounds or the start function traps (segments applied
    before the trap stay applied, as the spec says).
    """

    __slots__ = ("_exports", "_inst", "_module", "_store")

    def __init__(self, store: Storelike, module: Module, imports: Sequence[Extern]):
        store_ = store_of(store)
        if not isinstance(module, Module):
            raise WrongKindError("expected a Module")
        module._live()
        items = list(imports)
        for item in items:
            check_extern(item)._check_store(store_)
        self._init(store_, module, resolve_imports(module, items))

    def _init(self, store: Store, module: Module, runtime_imports: list[Any]) -> None:
        ctx = store._context()
        info = module._info
        ntables = len(info.tables) - info.num_imported_tables
        nmemories = len(info.memories) - info.num_imported_memories
        store._charge(instances=1, tables=ntables, memories=nmemories)
        self._store = store
        self._module = module
        self._exports: InstanceExports | None = None
        plan = module._plan
        if plan is None:
            plan = module._plan = _interp.plan_module(info)
        self._inst = _interp.instantiate(
            ctx,
            plan,
            runtime_imports,
            store._memory_limit,
            store._table_limit,
            module,
        )
        if module._native is not None:  # its machine code lives as long as the instance
            self._inst.keep.append(module._native)

    @classmethod
    def _create(cls, store: Store, module: Module, runtime_imports: list[Any]) -> Instance:
        inst = cls.__new__(cls)
        inst._init(store, module, runtime_imports)
        return inst

    def exports(self, store: Storelike) -> InstanceExports:
        """The exports, as a mapping by name (in export order) with ``by_index``."""
        store_ = owned_by(self._store, store)
        store_._context()
        if self._exports is None:
            self._exports = InstanceExports(self._inst.exports, store_)
        return self._exports

    @property
    def module(self) -> Module:
        """The module this is an instance of."""
        return self._module


class InstanceExports(Mapping[str, Extern]):
    """The exports of an instance: ``exports["name"]``, ``exports.get(name)``, iteration
    over names in export order, and ``exports.by_index[i]``."""

    def __init__(self, runtime_exports: dict[str, Any], store: Store):
        self._map = {name: wrap_extern(rt, store) for name, rt in runtime_exports.items()}
        self._seq = tuple(self._map.values())

    @property
    def by_index(self) -> Sequence[Extern]:
        """The exported items in export order."""
        return self._seq

    def __getitem__(self, name: str) -> Extern:
        return self._map[name]

    def __len__(self) -> int:
        return len(self._seq)

    def __iter__(self) -> Iterator[str]:
        return iter(self._map)

    def __contains__(self, name: object) -> bool:
        return name in self._map


class InstancePre(Closeable):
    """A module whose imports were resolved by a ``Linker`` (``Linker.instantiate_pre``):
    ``instantiate(store)`` creates instances cheaply in any Store of the Engine (also
    after the Module was closed); ``close()`` ends its use."""

    def __init__(self, module: Module, definitions: list[Any]):
        self._module = module
        self._defs = definitions

    @property
    def module(self) -> Module:
        """The module this was created from."""
        return self._live()._module

    def close(self) -> None:
        """Close this: ``instantiate`` and ``module`` raise ``ValueError`` afterwards."""
        super().close()
        self._defs = []

    def instantiate(self, store: Storelike) -> Instance:
        """Instantiate in ``store``.  Raises ``LinkError`` or ``Trap`` like ``Instance``."""
        self._live()
        store_ = store_of(store)
        items = []
        for item in self._defs:
            materialize = getattr(item, "materialize", None)
            if materialize is not None:
                item = materialize(store_)
            else:
                item._check_store(store_)
            items.append(item)
        return Instance._create(store_, self._module, resolve_imports(self._module, items))
