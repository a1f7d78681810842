"""``Func.call_async`` and async host functions: the guest pauses at an
async host call and continues with its result, many Stores run on one loop, a computing
guest yields to the loop, cancellation stops it and leaves the Store usable, and WASI
stdin may be an async callable.  (Timings are in benchmarks/bench_async.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import wasmrt
from wasmrt import FuncType, ValType

I32 = ValType.i32()

WAT = """(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $g (export "g") (mut i32) (i32.const 0))
  ;; sum of h(i) for i < n, each step also counted in global g and memory[0]
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (call $h (local.get $i))))
        (global.set $g (i32.add (global.get $g) (i32.const 1)))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    local.get $acc)
  ;; deep recursion before the host call: every frame must survive the pause
  (func $deep (export "deep") (param $d i32) (result i32)
    (if (result i32) (i32.eqz (local.get $d))
      (then (call $h (i32.const 100)))
      (else (i32.add (local.get $d) (call $deep (i32.sub (local.get $d) (i32.const 1)))))))
  (func (export "spin") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    local.get $i)
  (func (export "trap_after") (param i32) (result i32)
    (drop (call $h (local.get 0)))
    unreachable)
  (func (export "pair") (param i64 f64) (result i64 f64 i32)
    local.get 0 local.get 1 (call $h (i32.const 7))))
"""

HTYPE = FuncType([I32], [I32])


def setup(host: Callable[..., Any], engine: wasmrt.Engine | None = None,
          access_caller: bool = False) -> tuple[wasmrt.Store, Any]:
    engine = engine or wasmrt.Engine()
    store = wasmrt.Store(engine)
    module = wasmrt.Module(engine, WAT)
    inst = wasmrt.Instance(store, module, [wasmrt.Func(store, HTYPE, host, access_caller)])
    return store, inst.exports(store)


def gated_setup() -> tuple[asyncio.Event, wasmrt.Store, Any]:
    """A Store whose host function waits for the returned event, then returns its argument."""
    gate = asyncio.Event()

    async def host(x: int) -> int:
        await gate.wait()
        return x

    return (gate, *setup(host))


async def double_later(x: int) -> int:
    await asyncio.sleep(0)
    return 2 * x


def test_call_async_returns_what_a_call_returns() -> None:
    store, ex = setup(double_later)
    assert asyncio.run(ex["run"].call_async(store, 5)) == 2 * (0 + 1 + 2 + 3 + 4)
    assert asyncio.run(ex["pair"].call_async(store, -3, 2.5)) == [-3, 2.5, 14]
    assert asyncio.run(ex["deep"].call_async(store, 200)) == 200 * 201 // 2 + 200
    assert ex["g"].value(store) == 5 and ex["memory"].read(store, 0, 1) == b"\x05"


def test_sync_host_functions_run_under_call_async() -> None:
    store, ex = setup(lambda x: x + 1)
    assert asyncio.run(ex["run"].call_async(store, 4)) == 1 + 2 + 3 + 4
    assert ex["run"](store, 4) == 10


def test_async_host_function_needs_call_async() -> None:
    store, ex = setup(double_later)
    with pytest.raises(wasmrt.WasmtimeError, match="call_async"):
        ex["run"](store, 2)
    assert ex["run"](store, 0) == 0     # the store is usable; no host call made
    host = wasmrt.Func(store, HTYPE, double_later)
    with pytest.raises(wasmrt.WasmtimeError, match="call_async"):
        host(store, 1)
    assert asyncio.run(host.call_async(store, 21)) == 42


def test_every_way_of_defining_a_host_function() -> None:
    engine = wasmrt.Engine()
    module = wasmrt.Module(engine, WAT)

    async def with_caller(caller: wasmrt.Caller, x: int) -> int:
        await asyncio.sleep(0)
        memory = caller.get("memory")       # the caller stays valid while it is awaited
        assert isinstance(memory, wasmrt.Memory)
        return x + memory.read(caller, 0, 1)[0]

    async def annotated(x: int) -> int:
        await asyncio.sleep(0)
        return x * 3

    for define in ("define_func", "define_func_caller", "func_wrap", "func_wrap_caller"):
        linker = wasmrt.Linker(engine)
        if define == "define_func":
            linker.define_func("env", "h", HTYPE, double_later)
        elif define == "define_func_caller":
            linker.define_func("env", "h", HTYPE, with_caller, access_caller=True)
        elif define == "func_wrap":
            linker.func_wrap("env", "h", annotated)
        else:
            linker.func_wrap("env", "h", with_caller)
        store = wasmrt.Store(engine)
        run = linker.instantiate(store, module).exports(store)["run"]
        expect = {"define_func": 2 * 3, "func_wrap": 3 * 3}.get(define, 0 + 1 + 1 + 2 + 2)
        assert asyncio.run(run.call_async(store, 3)) == expect, define


def test_caller_is_invalid_after_the_coroutine() -> None:
    kept: list[wasmrt.Caller] = []

    async def host(caller: wasmrt.Caller, x: int) -> int:
        kept.append(caller)
        await asyncio.sleep(0)
        assert caller.get("memory") is not None
        return x

    store, ex = setup(host, access_caller=True)
    asyncio.run(ex["run"].call_async(store, 1))
    assert kept and kept[0].get("memory") is None


def test_many_stores_in_flight_on_one_loop() -> None:
    """Each guest's host call waits until every guest has made one: only possible if all
    are paused at once."""
    n = 20
    engine = wasmrt.Engine()
    arrived = 0
    everyone = asyncio.Event()

    async def rendezvous(x: int) -> int:
        nonlocal arrived
        arrived += 1
        if arrived == n:
            everyone.set()
        await everyone.wait()
        return x

    async def main() -> list[int]:
        calls = []
        for _ in range(n):
            store, ex = setup(rendezvous, engine)
            calls.append(ex["run"].call_async(store, 1))
        return await asyncio.gather(*calls)

    assert asyncio.run(main()) == [0] * n


def test_host_exception_reaches_the_caller_and_store_stays_usable() -> None:
    class Boom(Exception):
        pass

    async def host(x: int) -> int:
        await asyncio.sleep(0)
        if x == 2:
            raise Boom("from the host")
        return x

    store, ex = setup(host)
    with pytest.raises(Boom, match="from the host"):
        asyncio.run(ex["run"].call_async(store, 5))
    assert ex["g"].value(store) == 2        # two steps were done before
    assert asyncio.run(ex["run"].call_async(store, 2)) == 1
    with pytest.raises(wasmrt.Trap) as info:
        asyncio.run(ex["trap_after"].call_async(store, 1))
    assert info.value.trap_code == wasmrt.TrapCode.UNREACHABLE
    assert info.value.frames and info.value.frames[0].func_name is None


def test_wrong_host_result_is_refused_like_a_sync_one() -> None:
    async def host(x: int) -> Any:
        return "not an int"

    store, ex = setup(host)
    with pytest.raises(TypeError, match="don't know how to convert"):
        asyncio.run(ex["run"].call_async(store, 1))
    assert ex["spin"](store, 3) == 3


def test_pause_below_a_sync_host_call_is_refused() -> None:
    """call_async -> wasm -> sync host -> wasm -> async host: the sync Python frame cannot
    be paused."""
    engine = wasmrt.Engine()
    module = wasmrt.Module(engine, WAT)
    store = wasmrt.Store(engine)
    inner_run: list[Any] = []

    def sync_host(x: int) -> int:
        return int(inner_run[0](store, 1))

    outer = wasmrt.Instance(store, module, [wasmrt.Func(store, HTYPE, sync_host)])
    inner = wasmrt.Instance(store, module, [wasmrt.Func(store, HTYPE, double_later)])
    inner_run.append(inner.exports(store)["run"])
    with pytest.raises(wasmrt.WasmtimeError, match="synchronous host function is on the"):
        asyncio.run(outer.exports(store)["run"].call_async(store, 1))
    assert inner.exports(store)["spin"](store, 2) == 2


def test_host_coroutine_may_call_into_its_store() -> None:
    engine = wasmrt.Engine()
    module = wasmrt.Module(engine, WAT)
    store = wasmrt.Store(engine)
    other: list[Any] = []

    async def host(x: int) -> int:
        spin = other[0]["spin"]
        a = spin(store, x + 3)                              # sync re-entry
        b = await other[0]["run"].call_async(store, 2)      # async re-entry (pauses too)
        return int(a + b)

    inner = wasmrt.Instance(store, module, [wasmrt.Func(store, HTYPE, double_later)])
    other.append(inner.exports(store))
    outer = wasmrt.Instance(store, module, [wasmrt.Func(store, HTYPE, host)])
    # h(i) = (i + 3) + 2 * (0 + 1)
    assert asyncio.run(outer.exports(store)["run"].call_async(store, 3)) == 3 + 4 + 5 + 3 * 2


def test_another_task_cannot_enter_a_paused_store() -> None:
    gate, store, ex = gated_setup()

    async def main() -> None:
        first = asyncio.create_task(ex["run"].call_async(store, 1))
        await asyncio.sleep(0.01)
        with pytest.raises(wasmrt.WasmtimeError, match="one Store per task"):
            await ex["run"].call_async(store, 1)
        assert ex["spin"](store, 5) == 5    # a synchronous call completes: allowed
        gate.set()
        assert await first == 0

    asyncio.run(main())


def count_turns(until: asyncio.Future[Any]) -> Awaitable[int]:
    """A task counting its turns of the event loop until ``until`` is done."""
    async def counter() -> int:
        n = 0
        while not until.done():
            await asyncio.sleep(0)
            n += 1
        return n
    return asyncio.ensure_future(counter())


def test_computing_guest_yields_to_the_loop() -> None:
    store, ex = setup(double_later)
    store.set_async_yield_interval(0.001)

    async def main(n: int) -> tuple[int, int]:
        guest = asyncio.ensure_future(ex["spin"].call_async(store, n))
        turns = count_turns(guest)
        return await guest, await turns

    # tens of milliseconds of computing: many 1 ms slices, the counter runs in between
    result, turns = asyncio.run(main(20_000_000))
    assert result == 20_000_000 and turns > 2
    store.set_async_yield_interval(None)    # no yielding: the counter waits for the end
    result, turns = asyncio.run(main(2_000_000))
    assert result == 2_000_000 and turns <= 1
    with pytest.raises(ValueError):
        store.set_async_yield_interval(-1)


async def cancel_running(call: Awaitable[Any]) -> None:
    """Run ``call`` (a call_async) for 20 ms, cancel it, and see it end cancelled."""
    task = asyncio.ensure_future(call)
    await asyncio.sleep(0.02)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize("where", ["host call", "computing"])
def test_cancellation_stops_the_guest(where: str) -> None:
    gate, store, ex = gated_setup()
    store.set_async_yield_interval(0.001)
    call = ex["run"].call_async(store, 3) if where == "host call" else \
        ex["spin"].call_async(store, 2_000_000_000)
    asyncio.run(cancel_running(call))
    # usable afterwards, sync and async, and nothing of the stopped guest is left running
    assert ex["spin"](store, 7) == 7
    gate.set()
    assert asyncio.run(ex["run"].call_async(store, 3)) == 0 + 1 + 2


def test_abandoned_call_async_releases_the_store() -> None:
    gate, store, ex = gated_setup()

    async def main() -> None:
        coro = ex["run"].call_async(store, 1)
        task = asyncio.ensure_future(coro)
        await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(main())
    gate.set()
    assert asyncio.run(ex["run"].call_async(store, 2)) == 1


def test_async_wasi_stdin(tmp_path: Any) -> None:
    from tests.wasi.conftest import program

    engine = wasmrt.Engine()
    module = wasmrt.Module.from_file(engine, str(program("stdin")))
    linker = wasmrt.Linker(engine)
    linker.define_wasi()
    chunks = [b"hello ", b"async ", b"world"]
    asked: list[int] = []

    async def read(n: int) -> bytes:
        asked.append(n)
        await asyncio.sleep(0)
        return chunks.pop(0) if chunks else b""

    out: list[bytes] = []
    err: list[bytes] = []
    config = wasmrt.WasiConfig()
    config.stdin = read
    config.stdout = out.append
    config.stderr = err.append
    store = wasmrt.Store(engine)
    store.set_wasi(config)
    start = linker.instantiate(store, module).exports(store)["_start"]
    assert asyncio.run(start.call_async(store)) is None     # exit code 0: main returned
    assert b"".join(out) == b"HELLO ASYNC WORLD"
    assert b"read 17 bytes" in b"".join(err)
    assert asked and all(n >= 1 for n in asked)
    # the same program called synchronously cannot pause at its read
    store = wasmrt.Store(engine)
    store.set_wasi(config)
    start = linker.instantiate(store, module).exports(store)["_start"]
    with pytest.raises(wasmrt.WasmtimeError, match="call_async"):
        start(store)
