"""The asyncio side of a paused guest: ``Func.call_async`` drives an ``_interp.AsyncCall``.

The runtime runs the guest until it returns, traps, or pauses (ARCHITECTURE.md, "Pausing a
guest"): at a host function that returned a coroutine (awaited here, on the running loop,
while every wasm frame waits in the Store) or at the end of its time slice (the loop gets
a turn).  Cancellation or an exception of the awaited coroutine ends the guest: its frames
are dropped and the Store is usable again.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import CoroutineType
from typing import TYPE_CHECKING, Any

from . import _interp
from .errors import WasmException, WasmtimeError

if TYPE_CHECKING:
    from ._api_store import Store

__all__ = ["call_host_async", "call_wasm_async", "drive", "run_entry"]


async def drive(call: Any, first: int) -> Any:
    """Run the started ``AsyncCall`` ``call`` (``first`` is what ``start`` returned) to
    its end; its results."""
    state = first
    try:
        while state != _interp.ASYNC_DONE:
            if state == _interp.ASYNC_CALL:
                try:
                    value = await call.take_call()
                except WasmException as exc:    # thrown into the guest at the host call
                    state = call.resume_throw(exc)
                    continue
                state = call.resume_with(value)
            else:
                await _yield_to_loop()
                state = call.resume()
    except BaseException:
        call.abort()
        raise
    return call.result()


async def _yield_to_loop() -> None:
    """Let every other task have its turn: three turns of the loop, so that a timer that
    fell due while the guest computed fires (first turn) and the task it woke runs
    (second and third: the guest's own wake-up was queued before that task's in the
    second).  A bare ``sleep(0)`` would let such a task run only every other time slice."""
    sleep = sys.modules["asyncio"].sleep   # (imported lazily: `import wasmrt` stays light)
    for _ in range(3):
        await sleep(0)


TASK_BUSY = ("another asyncio task has a call_async paused in this Store: a Store runs one "
             "task's guest at a time (use one Store per task)")


async def run_entry(store: Store, begin: Callable[[], tuple[Any, int]]) -> Any:
    """Run the ``AsyncCall`` that ``begin()`` makes and starts (it returns the call and
    its first state) in the public Store ``store``, to its end.  Entries nest within one
    asyncio task (a host coroutine may call into the same Store); another task's entry is
    refused while one is paused."""
    import asyncio

    ctx = store._context()
    task = asyncio.current_task()
    owner = ctx.async_task
    if owner is not None and owner is not task:
        raise WasmtimeError(TASK_BUSY)
    ctx.async_task = task
    try:
        call, first = begin()
        return await drive(call, first)
    finally:
        if owner is None:
            ctx.async_task = None


async def call_wasm_async(fi: Any, params: tuple[Any, ...], store: Store) -> Any:
    """``await``-able call of the wasm function ``fi`` (an ``_interp.FuncInstance``) of the
    public Store ``store``."""

    def begin() -> tuple[Any, int]:
        call = _interp.AsyncCall(fi, store)
        return call, call.start(params)

    return await run_entry(store, begin)


async def call_host_async(fi: Any, params: tuple[Any, ...]) -> Any:
    """``await``-able call of the host function ``fi``: its coroutine is awaited."""
    result = _interp.host_call_begin(fi, params)
    if type(result) is CoroutineType:
        result = await result
    return _interp.host_call_end(fi, result)
