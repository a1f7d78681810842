"""``Snapshot``: a Store whose guest is paused, captured to be resumed in fresh Stores.

``store.snapshot()``, while the Store's guest is paused in an async host call of its
outermost ``call_async`` (or at a yield), captures

* the runtime state (``_interp.capture_store``: functions, instances, tables, globals,
  externref targets, the GC heap's live objects (structs, arrays, exceptions), the wasm
  call stack and the pause point: ``_interp.StoreImage``),
* each memory's bytes (``MemoryInstance.save_image``: a sealed memfd),
* the definitions of the Store's host functions (``Func._origin``), which are made again
  in each Store the snapshot resumes in,
* the WASI state (``wasi.WasiContext.capture``: descriptors, offsets, args, environment).

``await snapshot.resume_async(store2)`` rebuilds all of it in ``store2``
(``_interp.restore_store``; memories are private mappings of the images, so resumes share
pages until they write them), makes the pending host call again through ``store2``'s
functions (a WASI read reads ``store2``'s stdin), and runs the guest on to the end of the
original ``call_async``.  ARCHITECTURE.md, "Snapshots", tells what cannot be captured.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from typing import Any

from . import _interp, _memory
from ._api_async import run_entry
from ._api_engine import Engine
from ._api_store import Store, store_of
from .errors import WasmtimeError

__all__ = ["Snapshot"]

_CHUNK = 65536          # pickled memories leave out their all-zero chunks of this size


class _MemoryImage:
    """One memory's bytes: a sealed memfd, closed when no snapshot uses it any more."""

    __slots__ = ("fd", "nbytes")

    def __init__(self, fd: int, nbytes: int):
        self.fd = fd
        self.nbytes = nbytes

    @classmethod
    def from_chunks(cls, nbytes: int, chunks: Sequence[tuple[int, bytes]]) -> _MemoryImage:
        """An image of ``nbytes`` holding ``chunks`` (offset, bytes), zeros elsewhere."""
        fd = _memory.new_image(nbytes)
        try:
            for offset, data in chunks:
                if offset < 0 or offset + len(data) > nbytes:
                    raise ValueError("memory image chunk out of range")
                done = 0
                while done < len(data):
                    done += os.pwrite(fd, data[done:], offset + done)
            _memory.seal_image(fd)
        except BaseException:
            os.close(fd)
            raise
        return cls(fd, nbytes)

    def chunks(self) -> list[tuple[int, bytes]]:
        """The image as (offset, bytes) chunks of 64 KiB, all-zero chunks left out."""
        out = []
        zero = bytes(_CHUNK)
        for offset in range(0, self.nbytes, _CHUNK):
            data = os.pread(self.fd, min(_CHUNK, self.nbytes - offset), offset)
            if data != zero[:len(data)]:
                out.append((offset, data))
        return out

    def __del__(self) -> None:
        if self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1


class _HostDef:
    """A host function of a snapshot's Store, to make again in each Store it resumes in:
    ``Func(store, ty, func, access_caller)``, or, when the runtime's callable does not
    depend on the Store (no funcref parameter), that callable given straight to a new
    runtime function (a Func object is made only if Python asks for one)."""

    __slots__ = ("access_caller", "func", "host", "params", "results", "ty", "type_id")

    def __init__(self, ty: Any, func: Any, access_caller: bool):
        from ._api_func import _has_funcs, host_callable

        self.ty = ty
        self.func = func
        self.access_caller = access_caller
        self.params, self.results = ty._codes
        self.type_id = ty._canonical_id()
        self.host = None if _has_funcs(self.params) else host_callable(func, access_caller)

    def make(self, ctx: Any, store: Store) -> Any:
        """The runtime function of this definition in ``store`` (runtime side ``ctx``)."""
        if self.host is None:
            from ._api_func import Func

            return Func(store, self.ty, self.func, self.access_caller)._func
        fi = ctx.new_host_func(self.host, self.params, self.results, self.type_id,
                               self.access_caller)
        fi.origin = (self.ty, self.func, self.access_caller)
        return fi


class Snapshot:
    """A guest paused in an async host call (or at a yield), with its whole Store.

    Made by ``Store.snapshot()``; ``await snapshot.resume_async(store)`` continues it in a
    fresh Store of the same Engine, any number of times: resumes are isolated from each
    other and from the original (memories are mapped copy-on-write from sealed images).

    A Snapshot pickles (for worker processes) when its host functions do: module-level
    functions and the WASI functions of ``Linker.define_wasi`` do, closures and lambdas do
    not (pickling then raises).  The pickle holds the Engine's settings, the modules in
    their serialized form, the memories (without their all-zero 64 KiB runs) and the wasm
    stack; like ``Module.deserialize`` input it is trusted: unpickle only your own.
    """

    engine: Engine
    _image: Any                         # _interp.StoreImage
    _hosts: list[_HostDef]
    _modules: list[Any]                 # the public Module of each instance
    _memories: list[_MemoryImage]
    _wasi: Any                          # wasi.WasiImage or None
    _results: tuple[int, ...]                   # value types of the entry's results
    _at_call: bool                      # paused at a host call (else at a yield)

    def __init__(self) -> None:
        raise TypeError("a Snapshot is made by Store.snapshot()")

    @classmethod
    def _capture(cls, store: Store) -> Snapshot:
        ctx = store._context()
        memories: list[Any] = []
        hosts: list[Any] = []
        image = _interp.capture_store(ctx, memories, hosts)   # (checks that it is paused)
        call = ctx.paused
        assert call is not None
        for fi in hosts:
            if fi.origin is None:
                raise WasmtimeError("cannot snapshot a Store with a host function not made by "
                                    "Func or a Linker definition")
        snap = cls.__new__(cls)
        snap.engine = store.engine
        snap._image = image
        snap._hosts = [_HostDef(*fi.origin) for fi in hosts]
        snap._modules = [o.source for o in ctx.objects if type(o) is _interp.InstanceCtx]
        snap._memories = [_MemoryImage(m.save_image(), m.data_len) for m in memories]
        state = store._wasi_state
        snap._wasi = state.capture() if state is not None else None
        snap._results = call.results
        snap._at_call = call.at_call
        return snap

    async def resume_async(self, store: Store) -> Any:
        """Continue the snapshot's guest in ``store``, a fresh Store of the same Engine, or
        of one with the same settings (no instance made in it yet; its limits, WASI
        configuration and yield interval apply).

        The pending host call is made again through ``store``'s host functions (so a WASI
        read reads ``store``'s stdin); returns or raises what the original ``call_async``
        would have: its results, ``ExitTrap``, ``Trap``, a host function's exception.
        """
        store = store_of(store)
        engine = store.engine
        if engine is not self.engine and engine._feature_mask != self.engine._feature_mask:
            raise WasmtimeError("a snapshot resumes in a Store of its Engine (or of one with "
                                "the same compilation settings: an unpickled snapshot's)")

        def begin() -> tuple[Any, int]:
            call = self._restore(store)
            return call, call.redo_call() if self._at_call else call.resume()

        result = await run_entry(store, begin)
        from ._api_func import _has_funcs, _wrap_funcrefs

        if _has_funcs(self._results):

            return _wrap_funcrefs(result, self._results, store)
        return result

    def _restore(self, store: Store) -> Any:
        """Rebuild the snapshot in ``store``: its paused ``AsyncCall``.  The cyclic GC is
        paused meanwhile: the thousands of objects made create no garbage to look for."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._rebuild(store)
        finally:
            if enabled:
                gc.enable()

    def _rebuild(self, store: Store) -> Any:
        ctx = store._context()
        if any(type(o) is _interp.InstanceCtx for o in ctx.objects):
            raise WasmtimeError("a snapshot resumes in a fresh Store (no instance made in it)")
        image = self._image
        limit = store._memory_limit
        memories = []
        for (min_pages, declared_max, max_pages, pages, is_64, page_size_log2), saved in zip(
                image.memories, self._memories):
            if 0 <= limit < pages << page_size_log2:
                raise WasmtimeError(
                    f"the snapshot's memory of {pages << page_size_log2} bytes exceeds the "
                    f"Store's memory limit of {limit} bytes")
            memory = _memory.MemoryInstance(min_pages, declared_max, True, is_64,
                                            page_size_log2)
            if max_pages < memory.max_pages:    # the original's Store limit
                _interp.memory_limit(memory, max_pages << page_size_log2)
            _interp.memory_limit(memory, limit)
            memory.load_image(saved.fd, pages)
            memories.append(memory)
        store._charge(len(image.instances), len(image.tables), len(memories))
        hosts = [host.make(ctx, store) for host in self._hosts]
        if self._wasi is not None:
            from .wasi import WasiContext

            store._wasi_state = WasiContext.restore(self._wasi, store._wasi)
        call = _interp.restore_store(image, ctx, hosts, memories, store)
        instances = [o for o in ctx.objects if type(o) is _interp.InstanceCtx]
        for inst, module in zip(instances, self._modules):
            inst.source = module
        if store._table_limit >= 0:
            for obj in ctx.objects:
                if isinstance(obj, _interp.TableInstance):
                    _interp.table_limit(obj, store._table_limit)
        return call

    def __reduce__(self) -> tuple[Any, ...]:
        if any(module is None for module in self._modules):
            raise TypeError("cannot pickle a snapshot of an instance made without a Module")
        memories = [(m.nbytes, m.chunks()) for m in self._memories]
        hosts = [(h.ty, h.func, h.access_caller) for h in self._hosts]
        return (_unpickle, (self.engine, self._modules, hosts, self._image, memories,
                            self._wasi, self._results, self._at_call))

    def __repr__(self) -> str:
        where = "a host call" if self._at_call else "a yield"
        return (f"<wasmrt.Snapshot paused at {where}, {len(self._modules)} instance(s), "
                f"{sum(m.nbytes for m in self._memories)} bytes of memory>")


def _unpickle(engine: Engine, modules: list[Any], hosts: list[Any], image: Any,
              memories: list[tuple[int, list[tuple[int, bytes]]]], wasi: Any,
              results: bytes, at_call: bool) -> Snapshot:
    """The reconstructor of pickled snapshots (``Snapshot.__reduce__``)."""
    snap = Snapshot.__new__(Snapshot)
    snap.engine = engine
    plans = []
    for module in modules:
        if module._plan is None:
            module._plan = _interp.plan_module(module._info)
        plans.append(module._plan)
    snap._image = image.with_plans(plans)
    snap._hosts = [_HostDef(*host) for host in hosts]
    snap._modules = list(modules)
    snap._memories = [_MemoryImage.from_chunks(n, chunks) for n, chunks in memories]
    snap._wasi = wasi
    snap._results = tuple(results)
    snap._at_call = bool(at_call)
    return snap
