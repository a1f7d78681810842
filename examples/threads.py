"""Host threads driving guests over one shared memory (the threads proposal).

Each Python thread has its own Store and instance of ``threads.wat``; all of them import
one ``SharedMemory``.  They increment a counter with ``i32.atomic.rmw.add``, meet at a
wait/notify barrier for a few rounds, and run in parallel: ``Config.release_gil`` lets
each thread's wasm run without the GIL.

    python examples/threads.py [threads] [increments per thread]
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import wasmrt

GUEST = Path(__file__).with_name("threads.wat")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    nthreads = int(args[0]) if args else 2
    per_thread = int(args[1]) if len(args) > 1 else 200_000
    config = wasmrt.Config()
    config.wasm_threads = True
    config.release_gil = True
    engine = wasmrt.Engine(config)
    module = wasmrt.Module(engine, GUEST.read_text())
    memory = wasmrt.SharedMemory(engine, wasmrt.MemoryType(wasmrt.Limits(1, 1), shared=True))
    errors: list[int] = []

    def worker(me: int) -> None:
        store = wasmrt.Store(engine)                   # one Store per thread
        exports = wasmrt.Instance(store, module, [memory]).exports(store)
        exports["count"](store, per_thread, 8)
        errors.append(exports["phases"](store, me, nthreads, 100))

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    counter = int.from_bytes(memory.view(0, 4), "little")
    print(f"counter: {counter} (expected {nthreads * per_thread})")
    print(f"barrier errors: {max(errors)}")
    print(f"{nthreads} threads in {elapsed:.3f} s")


if __name__ == "__main__":
    main()
