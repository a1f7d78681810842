"""``Memory``, ``Table`` and ``Global``: the non-function externs, thin over the runtime
objects of ``_memory`` / ``_interp``; plus the helpers that wrap any runtime extern.
"""

from __future__ import annotations

import ctypes
from typing import Any, TypeAlias

from . import _interp, _memory
from ._api_func import Func
from ._api_managed import NothingToClose
from ._api_store import Store, Storelike, owned_by, store_of
from ._api_types import (
    AsExternType,
    FuncType,
    GlobalType,
    Limits,
    MemoryType,
    TableType,
    TagType,
    ValType,
)
from .errors import WasmtimeError, WrongKindError

__all__ = [
    "Extern",
    "Global",
    "Memory",
    "SharedMemory",
    "Table",
    "Tag",
    "check_extern",
    "extern_type_of",
    "wrap_extern",
]

class _StoreBound:
    """Shared part of the externs: the runtime object and the Store owning it."""

    __slots__ = ("_rt", "_store")
    _rt: Any
    _store: Store

    def _bind(self, rt: Any, store: Store) -> None:
        self._rt = rt
        self._store = store

    @classmethod
    def _from_runtime(cls, rt: Any, store: Store) -> Any:
        obj = cls.__new__(cls)
        obj._bind(rt, store)
        return obj

    def _check_store(self, store: Storelike) -> Store:
        """The Store behind ``store``, checked to be this object's (``owned_by``)."""
        return owned_by(self._store, store)

    def _ctx(self, store: Storelike) -> Store:
        """The Store behind ``store``, checked: this object's, open, and not running wasm
        on another thread (``WasmtimeError`` / ``ValueError``)."""
        store_ = owned_by(self._store, store)
        store_._context()
        return store_


class Memory(_StoreBound):
    """A linear memory: ``Memory(store, MemoryType(Limits(min, max)))``; 64-bit with
    ``MemoryType(limits, is_64=True)``, with 1-byte pages with ``page_size_log2=0``.

    Its bytes never move once allocated, so ``view()`` (and NumPy arrays over it) stay
    valid when it grows.

    A shared memory (threads) is a :class:`SharedMemory`; an instance that exports one
    gives that class.  ``read``/``write``/``view`` of a shared memory's export are plain
    (non-atomic) accesses that race with wasm threads, as a wasm view does.
    """

    __slots__ = ()

    def __init__(self, store: Storelike, ty: MemoryType):
        store_ = store_of(store)
        if not isinstance(ty, MemoryType):
            raise WrongKindError("expected a MemoryType")
        if ty.is_shared:
            raise WasmtimeError("shared memories must be created through `SharedMemory`")
        self._bind(
            memory_new(store_, ty.limits.min, ty.limits.max, ty.is_64, ty.page_size_log2),
            store_,
        )

    def _type(self) -> MemoryType:
        mem = self._rt
        return MemoryType(
            Limits(int(mem.min_pages), mem.declared_max),
            is_64=bool(mem.is_64),
            page_size_log2=int(mem.page_size_log2),
        )

    def type(self, store: Storelike) -> MemoryType:
        """This memory's type (its declared limits)."""
        self._ctx(store)
        return self._type()

    def size(self, store: Storelike) -> int:
        """The current size in pages (64 KiB, or 1 byte with a custom page size)."""
        self._ctx(store)
        return int(self._rt.pages)

    def data_len(self, store: Storelike) -> int:
        """The current size in bytes."""
        self._ctx(store)
        return int(self._rt.data_len)

    def page_size(self, store: Storelike) -> int:
        """The page size in bytes (65536, or 1)."""
        self._ctx(store)
        return 1 << int(self._rt.page_size_log2)

    def page_size_log2(self, store: Storelike) -> int:
        """log2 of the page size (16, or 0)."""
        self._ctx(store)
        return int(self._rt.page_size_log2)

    def grow(self, store: Storelike, delta: int) -> int:
        """Grow by ``delta`` pages; returns the previous size in pages.

        Raises ``WasmtimeError`` if ``delta`` is negative or the memory cannot grow (its
        maximum, or the store's ``memory_size`` limit).
        """
        self._ctx(store)
        return grow_memory(self._rt, delta)

    def data_ptr(self, store: Storelike) -> ctypes._Pointer[ctypes.c_ubyte]:
        """A ctypes pointer to the first byte (bounds-check against ``data_len``)."""
        self._ctx(store)
        return ctypes.cast(self._rt.data_ptr, ctypes.POINTER(ctypes.c_ubyte))

    def get_buffer_ptr(
        self, store: Storelike, size: int | None = None, offset: int = 0
    ) -> ctypes.Array[ctypes.c_ubyte]:
        """A ctypes array of ``size`` bytes (default: all) at ``offset``, zero-copy and
        writable (usable with ``numpy.frombuffer``)."""
        self._ctx(store)
        length = int(self._rt.data_len)
        if size is None:
            size = length - offset
        if offset < 0 or size < 0 or offset + size > length:
            raise IndexError("index out of range")
        return (ctypes.c_ubyte * size).from_address(self._rt.data_ptr + offset)

    def view(self, store: Storelike, start: int = 0, stop: int | None = None) -> memoryview:
        """A zero-copy, writable ``memoryview`` of bytes ``[start:stop]`` (slice rules).

        The view keeps its length if the memory grows later.
        """
        self._ctx(store)
        return memoryview(self._rt)[start:stop]

    def read(self, store: Storelike, start: int | None = 0, stop: int | None = None) -> bytearray:
        """A copy of bytes ``[start:stop]`` (slice rules, negative indices from the end)."""
        self._ctx(store)
        size = int(self._rt.data_len)
        begin, end, _ = slice(start, stop).indices(size)
        if end <= begin:
            return bytearray()
        return bytearray(memoryview(self._rt)[begin:end])

    def write(self, store: Storelike, value: Any, start: int | None = None) -> int:
        """Copy the bytes of any buffer ``value`` to ``start`` (negative from the end);
        returns the number of bytes written.  Raises ``IndexError`` if they do not fit."""
        self._ctx(store)
        size = int(self._rt.data_len)
        begin = slice(start, None).indices(size)[0]
        if begin >= size:
            raise IndexError("index out of range")
        data = memoryview(value).cast("B")
        n = len(data)
        if begin + n > size:
            raise IndexError("index out of range")
        if n:
            memoryview(self._rt)[begin : begin + n] = data
        return n


class SharedMemory(NothingToClose):
    """A shared linear memory (threads): ``SharedMemory(engine, MemoryType(limits,
    shared=True))``, as in wasmtime-py.  It belongs to no Store: instances in any Store of
    ``engine`` (on any thread) import it, and their atomics, ``memory.atomic.wait32/64``
    and ``memory.atomic.notify`` meet in it.  The Engine needs ``Config.wasm_threads``.

    A shared memory reserves the address space of its maximum (which its type must give)
    up front, so its base never moves: growing it (``grow``, or ``memory.grow`` on any
    thread, serialised) is safe while other threads run wasm over it.  ``data_ptr`` and
    ``view()`` (the buffer protocol of the runtime memory) give its bytes; reading or writing them
    from Python races with wasm threads (plain accesses, no ordering), as a view of any
    wasm memory does.  ``close()`` releases nothing: the memory lives while an instance
    or this object uses it.
    """

    __slots__ = ("_engine", "_rt")

    def __init__(self, engine: Any, ty: MemoryType):
        from ._api_engine import Engine

        if not isinstance(engine, Engine):
            raise WrongKindError("expected an Engine")
        if not isinstance(ty, MemoryType):
            raise WrongKindError("expected a MemoryType")
        engine._live()
        if "threads" not in engine._features:
            raise WasmtimeError("shared memories need the threads proposal (Config.wasm_threads)")
        if not ty.is_shared:
            raise WasmtimeError("memory type is not shared")
        limits = ty.limits
        if limits.max is None:
            raise WasmtimeError("shared memory must have maximum")
        check_memory_limits(limits.min, limits.max, ty.is_64, ty.page_size_log2)
        try:
            self._rt = _memory.MemoryInstance(
                limits.min, limits.max, True, ty.is_64, ty.page_size_log2, True
            )
        except (MemoryError, ValueError) as e:
            raise WasmtimeError(str(e)) from None
        self._engine = engine

    @classmethod
    def _from_runtime(cls, rt: Any, engine: Any) -> SharedMemory:
        obj = cls.__new__(cls)
        obj._rt = rt
        obj._engine = engine
        return obj

    def _check_store(self, store: Store) -> None:
        if store.engine is not self._engine:
            raise WasmtimeError("shared memory used with a Store of another Engine")

    def _type(self) -> MemoryType:
        mem = self._rt
        return MemoryType(
            Limits(int(mem.min_pages), mem.declared_max),
            is_64=bool(mem.is_64),
            shared=True,
            page_size_log2=int(mem.page_size_log2),
        )

    def type(self) -> MemoryType:
        """This memory's type (its declared limits, ``is_shared`` True)."""
        return self._type()

    def size(self) -> int:
        """The current size in pages."""
        return int(self._rt.pages)

    def data_len(self) -> int:
        """The current size in bytes (it only grows)."""
        return int(self._rt.data_len)

    def data_ptr(self) -> ctypes._Pointer[ctypes.c_ubyte]:
        """A ctypes pointer to the first byte; it never moves (bounds-check against
        ``data_len``; accesses race with wasm threads)."""
        return ctypes.cast(self._rt.data_ptr, ctypes.POINTER(ctypes.c_ubyte))

    def grow(self, delta: int) -> int:
        """Grow by ``delta`` pages; returns the previous size in pages.  Safe while other
        threads run wasm over this memory.  ``WasmtimeError`` past the maximum."""
        return grow_memory(self._rt, delta)

    def view(self, start: int = 0, stop: int | None = None) -> memoryview:
        """A zero-copy, writable ``memoryview`` of bytes ``[start:stop]`` (slice rules);
        its accesses race with wasm threads (see the class docstring)."""
        return memoryview(self._rt)[start:stop]


def grow_memory(rt: Any, delta: int) -> int:
    """Grow runtime memory ``rt`` by ``delta`` pages: the previous size in pages, or
    ``WasmtimeError`` (``TypeError`` for a delta that is not an int)."""
    if not isinstance(delta, int):
        raise TypeError("expected an int")
    if delta < 0:
        raise WasmtimeError("cannot grow by negative amount")
    old = rt.grow(delta)
    if old < 0:
        raise WasmtimeError(f"failed to grow memory by `{delta}`")
    return int(old)


def check_memory_limits(minimum: int, maximum: int | None, is_64: bool, page_size_log2: int) -> None:
    """``WasmtimeError`` unless ``minimum``/``maximum`` pages fit a memory of that type."""
    if maximum is not None and maximum < minimum:
        raise WasmtimeError("size minimum must not be greater than maximum")
    largest = _memory.max_pages_of(is_64, page_size_log2)
    if minimum > largest or (maximum is not None and maximum > largest):
        raise WasmtimeError(
            "memory size must be at most 65536 pages (4GiB)"
            if not is_64 and page_size_log2 == 16
            else f"memory size must be at most {largest} pages"
        )


def memory_new(
    store: Store, minimum: int, maximum: int | None, is_64: bool = False, page_size_log2: int = 16
) -> Any:
    """A new runtime memory in ``store``, honouring its ``set_limits``."""
    limit = store._memory_limit
    if limit >= 0 and minimum << page_size_log2 > limit:
        raise WasmtimeError(f"memory minimum size of {minimum} pages exceeds memory limits")
    check_memory_limits(minimum, maximum, is_64, page_size_log2)
    store._charge(memories=1)
    try:
        mem = store._context().new_memory(minimum, maximum, is_64, page_size_log2)
    except (MemoryError, ValueError) as e:
        raise WasmtimeError(str(e)) from None
    _interp.memory_limit(mem, limit)
    return mem


class Table(_StoreBound):
    """A table of references: ``Table(store, TableType(...), init)``; ``init`` fills it."""

    __slots__ = ()

    def __init__(self, store: Storelike, ty: TableType, init: Any):
        store_ = store_of(store)
        if not isinstance(ty, TableType):
            raise WrongKindError("expected a TableType")
        code = ty.element._code
        if not ty.element.is_reference:
            raise WasmtimeError("table element type must be a reference type")
        if init is None and not ty.element.nullable:
            raise TypeError(f"a table of {ty.element} needs a non-null initial value")
        limits = ty.limits
        self._bind(table_new(store_, code, limits.min, limits.max, init, ty.is_64), store_)

    def _type(self) -> TableType:
        rt = self._rt
        return TableType(
            ValType._of(rt.elem_type), Limits(int(rt.size), rt.max), is_64=bool(rt.is_64)
        )

    def type(self, store: Storelike) -> TableType:
        """This table's type (element type and declared limits)."""
        self._ctx(store)
        return self._type()

    def size(self, store: Storelike) -> int:
        """The current number of elements."""
        self._ctx(store)
        return int(self._rt.size)

    def grow(self, store: Storelike, amt: int, init: Any) -> int:
        """Add ``amt`` elements set to ``init``; returns the previous size.

        Raises ``WasmtimeError`` if the table cannot grow that much.
        """
        self._ctx(store)
        if not isinstance(amt, int):
            raise TypeError("expected an int")
        old = self._rt.grow(amt, init) if 0 <= amt <= 0xFFFFFFFF else -1
        if old < 0:
            raise WasmtimeError(f"failed to grow table by `{amt}`")
        return int(old)

    def get(self, store: Storelike, idx: int) -> Any | None:
        """Element ``idx``: a ``Func``, the ``externref`` object, or ``None`` for null
        (and for an index out of bounds)."""
        store_ = self._ctx(store)
        if not isinstance(idx, int):
            raise TypeError("expected an int")
        if idx < 0 or idx >= self._rt.size:
            return None
        return _ref_out(self._rt.get(idx), store_)

    def set(self, store: Storelike, idx: int, val: Any) -> None:
        """Set element ``idx`` to ``val`` (a ``Func``/``None`` for funcref tables, any
        object for externref tables).  Raises ``WasmtimeError`` when out of bounds."""
        self._ctx(store)
        if not isinstance(idx, int):
            raise TypeError("expected an int")
        if idx < 0 or idx >= self._rt.size:
            raise WasmtimeError("table index out of bounds")
        self._rt.set(idx, val)


def table_new(
    store: Store, code: int, minimum: int, maximum: int | None, init: Any, is_64: bool = False
) -> Any:
    """A new runtime table in ``store``, honouring its ``set_limits``."""
    limit = store._table_limit
    if limit >= 0 and minimum > limit:
        raise WasmtimeError(f"table minimum size of {minimum} elements exceeds table limits")
    if maximum is not None and maximum < minimum:
        raise WasmtimeError("size minimum must not be greater than maximum")
    if minimum > 0xFFFFFFFF:
        raise WasmtimeError(f"out of memory (failed to allocate {minimum * 8} bytes)")
    store._charge(tables=1)
    table = store._context().new_table(code, minimum, maximum, init, is_64)
    _interp.table_limit(table, limit)
    return table


def _ref_out(value: Any, store: Store) -> Any:
    if isinstance(value, _interp.FuncInstance):
        return Func._from_runtime(value, store)
    return value


class Global(_StoreBound):
    """A global variable: ``Global(store, GlobalType(valtype, mutable), value)``."""

    __slots__ = ()

    def __init__(self, store: Storelike, ty: GlobalType, val: Any):
        store_ = store_of(store)
        if not isinstance(ty, GlobalType):
            raise WrongKindError("expected a GlobalType")
        rt = store_._context().new_global(ty.content._code, ty.mutable, None)
        rt.value = val  # checked and converted as wasmtime-py does (TypeError)
        self._bind(rt, store_)

    def _type(self) -> GlobalType:
        rt = self._rt
        return GlobalType(ValType._of(rt.valtype), bool(rt.mutable))

    def type(self, store: Storelike) -> GlobalType:
        """This global's type."""
        self._ctx(store)
        return self._type()

    def value(self, store: Storelike) -> Any:
        """The current value as a native Python value: a ``Func`` for a funcref, the object
        for an externref, ``None`` for a null reference.

        wasmtime-py 51 returns a ``Val`` holding ``None`` for a null reference here (and
        from ``Table.get``, whose documentation promises ``None``), while its calls and
        host parameters give ``None``; wasmrt gives ``None`` everywhere, so ``value is
        None`` tests for null (code that reads ``.value`` of wasmtime-py's ``Val`` needs
        ``getattr(v, "value", v)``)."""
        store_ = self._ctx(store)
        return _ref_out(self._rt.value, store_)

    def set_value(self, store: Storelike, val: Any) -> None:
        """Set the value; ``WasmtimeError`` if the global is immutable, ``TypeError`` if
        ``val`` does not fit its type."""
        self._ctx(store)
        if not self._rt.mutable:
            raise WasmtimeError("immutable global cannot be set")
        self._rt.value = val


class Tag(_StoreBound):
    """An exception tag: ``Tag(store, TagType(functype))``, a new tag (distinct from every
    other, even of the same type); instances export and import tags as they do globals.
    Raise ``WasmException(tag, values)`` in a host function to throw with it."""

    __slots__ = ()

    def __init__(self, store: Storelike, ty: TagType):
        store_ = store_of(store)
        if not isinstance(ty, TagType):
            raise TypeError("expected a TagType")
        if ty.functype.results:
            raise WasmtimeError("a tag's function type must have no results")
        params = tuple(t._code for t in ty.functype.params)
        rt = store_._context().new_tag(params, ty.functype._canonical_id())
        self._bind(rt, store_)
        rt.wrapper = self

    @classmethod
    def _from_runtime(cls, rt: Any, store: Any) -> Any:
        obj = super()._from_runtime(rt, store)
        if rt.wrapper is None:
            rt.wrapper = obj
        return obj

    def _type(self) -> TagType:
        return TagType(FuncType._from_type_id(self._rt.type_id))

    def type(self, store: Storelike) -> TagType:
        """This tag's type."""
        self._check_store(store)
        return self._type()

    def eq(self, store: Storelike, other: Tag) -> bool:
        """Whether ``other`` is this very tag (tags compare by identity, not by type)."""
        return isinstance(other, Tag) and other._rt is self._rt

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tag) and other._rt is self._rt

    def __hash__(self) -> int:
        return id(self._rt)


Extern: TypeAlias = Func | Memory | SharedMemory | Table | Global | Tag
_EXTERN_TYPES = (Func, Memory, SharedMemory, Table, Global, Tag)


def check_extern(item: Any) -> Extern:
    """``item`` if it is a Func, Memory, SharedMemory, Table or Global, else ``TypeError``."""
    if not isinstance(item, _EXTERN_TYPES):
        raise WrongKindError("expected a Func, Global, Memory, SharedMemory, or Table")
    return item


def extern_type_of(item: Extern) -> AsExternType:
    """The extern type of a public extern object."""
    if isinstance(item, Func):
        return item.type(item._store)
    return item._type()


def wrap_extern(rt: Any, store: Store) -> Extern:
    """The public object for a runtime extern of ``store`` (FuncInstance, MemoryInstance,
    TableInstance or GlobalInstance)."""
    if isinstance(rt, _interp.FuncInstance):
        return Func._from_runtime(rt, store)
    if isinstance(rt, _memory.MemoryInstance):
        if rt.shared:
            return SharedMemory._from_runtime(rt, store.engine)
        return Memory._from_runtime(rt, store)  # type: ignore[no-any-return]
    if isinstance(rt, _interp.TableInstance):
        return Table._from_runtime(rt, store)  # type: ignore[no-any-return]
    if isinstance(rt, _interp.GlobalInstance):
        return Global._from_runtime(rt, store)  # type: ignore[no-any-return]
    if isinstance(rt, _interp.TagInstance):
        wrapper: Tag = rt.wrapper if rt.wrapper is not None else Tag._from_runtime(rt, store)
        return wrapper
    raise WasmtimeError(f"unknown extern {rt!r}")
