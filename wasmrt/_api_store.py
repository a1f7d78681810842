"""``Store``: the owner of all runtime objects (instances, functions, memories, tables,
globals) and of the per-store execution state (value stack, fuel, epoch deadline).

A Store belongs to one thread at a time: any use of it (a call, an extern of it, creating
an instance or function in it, fuel, gc ...) from a second thread while the first is
running wasm in it raises ``WasmtimeError`` instead of corrupting it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, Union

from . import _interp, _memory
from ._api_engine import Engine
from .errors import WasmtimeError, WrongKindError

if TYPE_CHECKING:
    from ._api_func import Caller
    from ._api_snapshot import Snapshot
    from .wasi import WasiConfig

__all__ = ["WRONG_STORE", "Store", "Storelike", "owned_by", "store_of"]

_UNLIMITED = -1


class Store(_interp.StoreBase):
    """A collection of WebAssembly instances and host state: ``Store(engine=None, data=None)``.

    ``data`` is any Python object, returned by ``data()`` (also from ``Caller.data()``).
    """

    engine: Engine

    def __init__(self, engine: Engine | None = None, data: Any | None = None):
        if engine is None:
            engine = Engine()
        elif not isinstance(engine, Engine):
            raise WrongKindError("expected an Engine")
        engine._live()
        self.engine = engine
        stack = engine._max_wasm_stack
        ctx: Any = _interp.StoreCtx() if stack is None else _interp.StoreCtx(max(stack // 8, 1024))
        if engine._consume_fuel:
            ctx.set_fuel(0)
        if engine._epoch_interruption:
            _interp.store_use_epoch(ctx, engine._epoch_counter)
        if engine._release_gil:
            ctx.release_gil = True
        if engine._strategy == "auto":  # tier-up sampling and loop-header entry
            _interp.store_set_tier_up(ctx, True)
        self._ctx = ctx
        self._ctx.data = data
        self._ctx.owner = self
        self._host_funcs: dict[Any, Any] = {}
        self._wasi: WasiConfig | None = None
        self._wasi_state: Any = None
        self._limits = [_UNLIMITED] * 5  # memory_size, table_elements, instances, tables, memories
        self._counts = [0, 0, 0]  # instances, tables, memories created
        self._counted = False  # whether a count limit (instances, tables, memories) is set
        self._closed = False

    # _context() (StoreBase, Cython): the runtime store (``_interp.StoreCtx``) for every
    # operation on this Store: ``ValueError`` once closed, ``WasmtimeError`` while another
    # thread is running wasm in it.

    def data(self) -> Any | None:
        """The ``data`` object given to the constructor."""
        return self._context().data

    def gc(self) -> None:
        """Collect the store's GC heap now (structs and arrays no longer reachable from a
        global, table, element segment, a running or paused guest's frames or a Python
        value are freed; cycles too), then release ``externref`` objects no longer
        referenced from any table, global or element segment of this store (they are
        otherwise kept until the store dies)."""
        _interp.store_gc(self._context())

    def set_fuel(self, fuel: int) -> None:
        """Set the remaining fuel (``Config.consume_fuel`` must be enabled; stores start at 0).

        Raises ``WasmtimeError`` if fuel consumption is not enabled.
        """
        if not self.engine._consume_fuel:
            raise WasmtimeError("fuel is not configured in this store")
        if not isinstance(fuel, int):
            raise TypeError("expected an int")
        if fuel < 0:
            raise WasmtimeError("fuel must be non-negative")
        self._context().set_fuel(fuel)

    def get_fuel(self) -> int:
        """The remaining fuel.  Raises ``WasmtimeError`` if fuel consumption is not enabled."""
        if not self.engine._consume_fuel:
            raise WasmtimeError("fuel is not configured in this store")
        return int(self._context().get_fuel())

    def set_epoch_deadline(self, ticks_after_current: int) -> None:
        """Trap with an interrupt once the Engine's epoch passes the current epoch plus
        ``ticks_after_current`` (needs ``Config.epoch_interruption``)."""
        if not isinstance(ticks_after_current, int):
            raise TypeError("expected an int")
        ctx = self._context()
        if self.engine._epoch_interruption:
            ctx.set_epoch_deadline(self.engine._epoch_counter.current + ticks_after_current)

    def snapshot(self) -> Snapshot:
        """The Store with its guest paused, as a ``Snapshot`` to resume in fresh Stores.

        Only while the guest of the Store's outermost ``Func.call_async`` is paused in an
        async host call (e.g. from inside that host coroutine) or at a yield, with no
        other call into wasm running; ``WasmtimeError`` otherwise.
        """
        from ._api_snapshot import Snapshot

        return Snapshot._capture(self)

    def set_async_yield_interval(self, seconds: float | None) -> None:
        """How long a guest called with ``Func.call_async`` computes before it yields to
        the event loop (default 0.01 s); ``None`` or 0: only at async host calls."""
        if seconds is not None and not isinstance(seconds, (int, float)):
            raise TypeError("expected a number of seconds or None")
        if seconds is not None and seconds < 0:
            raise ValueError("the yield interval must not be negative")
        self._context().yield_interval_ns = int((seconds or 0) * 1e9)

    def set_limits(
        self,
        memory_size: int = -1,
        table_elements: int = -1,
        instances: int = -1,
        tables: int = -1,
        memories: int = -1,
    ) -> None:
        """Limit the resources of this store; a negative value leaves that limit unchanged.

        * ``memory_size``: the maximum byte size of any linear memory (instantiation fails
          beyond it; ``memory.grow`` returns -1 and ``Memory.grow`` raises), and of the
          store's GC heap (the pages of its structs and arrays; 4 GiB at most and by
          default, as wasmtime's: an allocation that would pass it after a collection
          raises ``WasmtimeError`` "GC heap out of memory", as in wasmtime).
        * ``table_elements``: the maximum number of elements of any table.
        * ``instances``, ``tables``, ``memories``: how many may be created in this store.

        The size limits also cap the memories and tables that already exist.
        """
        ctx = self._context()
        values = (memory_size, table_elements, instances, tables, memories)
        for i, value in enumerate(values):
            if not isinstance(value, int):
                raise TypeError("expected an int")
            if value >= 0:
                self._limits[i] = value
        self._counted = any(limit >= 0 for limit in self._limits[2:])
        if memory_size >= 0:
            _interp.gc_set_limit(ctx, memory_size)
        for obj in ctx.objects:
            if memory_size >= 0 and isinstance(obj, _memory.MemoryInstance):
                _interp.memory_limit(obj, memory_size)
            elif table_elements >= 0 and isinstance(obj, _interp.TableInstance):
                _interp.table_limit(obj, table_elements)

    def _charge(self, instances: int = 0, tables: int = 0, memories: int = 0) -> None:
        """Count new instances, tables and memories against the ``set_limits`` counts:
        ``WasmtimeError`` (and nothing counted) if one would pass its limit."""
        new = (instances, tables, memories)
        if self._counted:
            for i, what in enumerate(("instance", "table", "memory")):
                limit = self._limits[2 + i]
                if limit >= 0 and self._counts[i] + new[i] > limit:
                    raise WasmtimeError(        # (the count it would reach, as wasmtime)
                        f"resource limit exceeded: {what} count too high at "
                        f"{self._counts[i] + new[i]}")
        for i, n in enumerate(new):
            self._counts[i] += n

    @property
    def _memory_limit(self) -> int:
        """The ``set_limits`` maximum byte size of a memory; -1: none."""
        return self._limits[0]

    @property
    def _table_limit(self) -> int:
        """The ``set_limits`` maximum number of elements of a table; -1: none."""
        return self._limits[1]

    def set_wasi(self, wasi: WasiConfig) -> None:
        """Use ``wasi`` for the WASI functions defined by ``Linker.define_wasi``."""
        from .wasi import WasiConfig

        if not isinstance(wasi, WasiConfig):
            raise WrongKindError("expected a WasiConfig")
        self._context()
        self._wasi = wasi
        self._wasi_state = None

    def close(self) -> None:
        """Release this store's runtime objects now; the store cannot be used afterwards."""
        if not self._closed:
            self._context()
            self._closed = True
            self._host_funcs.clear()
            self._wasi_state = None
            self._ctx = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


Storelike = Union[Store, "Caller"]


def store_of(storelike: Any) -> Store:
    """The ``Store`` behind a ``Store`` or a live ``Caller``; ``TypeError`` otherwise."""
    if type(storelike) is Store:
        return storelike
    get = getattr(storelike, "_store_of", None)
    if get is None:
        raise WrongKindError("expected a Store")
    return get()  # type: ignore[no-any-return]


WRONG_STORE = "object used with the wrong store"


def owned_by(owner: Store, storelike: Storelike) -> Store:
    """The Store behind ``storelike``, checked to be ``owner``, the Store an object (an
    extern, an instance) belongs to: ``WasmtimeError`` otherwise, ``TypeError`` for
    something that is no Store or Caller."""
    store = storelike if storelike is owner else store_of(storelike)
    if store is not owner:
        raise WasmtimeError(WRONG_STORE)
    return store
