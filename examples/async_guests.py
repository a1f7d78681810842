"""Guests on an asyncio event loop: async host functions and ``Func.call_async``.

Three guests each fetch three values through an async host function (here a sleep
standing in for a database or HTTP call) and run concurrently on one loop: each guest is
paused while its host coroutine awaits.  A fourth guest computes without calling the host
and still lets a ticker task run, because a guest under ``call_async`` yields to the event
loop about every 10 ms.
"""

import asyncio
import time

import wasmrt

WAT = """
(module
  (import "env" "fetch" (func $fetch (param i32) (result i32)))
  ;; the sum of fetch(0), fetch(1), fetch(2)
  (func (export "handle") (result i32)
    (i32.add (call $fetch (i32.const 0))
             (i32.add (call $fetch (i32.const 1)) (call $fetch (i32.const 2)))))
  ;; count to n without calling the host
  (func (export "compute") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    local.get $i))
"""


async def main_async() -> None:
    engine = wasmrt.Engine()
    module = wasmrt.Module(engine, WAT)
    linker = wasmrt.Linker(engine)

    @linker.func_wrap("env", "fetch")
    async def fetch(key: int) -> int:
        await asyncio.sleep(0.05)       # the guest that called is paused meanwhile
        return 10 * (key + 1)

    async def request() -> int:
        store = wasmrt.Store(engine)    # one Store per guest
        handle = linker.instantiate(store, module).exports(store)["handle"]
        return await handle.call_async(store)

    start = time.perf_counter()
    results = await asyncio.gather(request(), request(), request())
    elapsed = time.perf_counter() - start
    # three guests x three 50 ms fetches, overlapped: about 0.15 s, not 0.45 s
    print(results, "overlapped" if elapsed < 0.4 else f"took {elapsed:.2f} s")

    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    store = wasmrt.Store(engine)
    compute = linker.instantiate(store, module).exports(store)["compute"]
    print("computed", await compute.call_async(store, 30_000_000))
    task.cancel()
    print("the ticker ran while the guest computed" if ticks else "the ticker starved")


def main() -> None:
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
