"""The threads proposal through the API: SharedMemory, atomics, wait/notify, and host
threads each driving its own Store over one shared memory (examples/threads.wat)."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest

import wasmrt
from wasmrt import (
    Config,
    Engine,
    Instance,
    Limits,
    Linker,
    Memory,
    MemoryType,
    Module,
    SharedMemory,
    Store,
    Trap,
    TrapCode,
    WasmtimeError,
)

GUEST = (Path(__file__).resolve().parents[2] / "examples" / "threads.wat").read_text()

ATOMICS = """
(module
  (import "env" "memory" (memory 1 4 shared))
  (func (export "add") (param i32 i32) (result i32)
    (i32.atomic.rmw.add (local.get 0) (local.get 1)))
  (func (export "cmpxchg8") (param i32 i32 i32) (result i32)
    (i32.atomic.rmw8.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
  (func (export "load64") (param i32) (result i64) (i64.atomic.load (local.get 0)))
  (func (export "wait32") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait64") (param i32 i64 i64) (result i32)
    (memory.atomic.wait64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "last") (result i32)
    (i32.atomic.load (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 4))))
  (func (export "fence") (atomic.fence)))
"""


def threads_engine(**options: object) -> Engine:
    config = Config()
    config.wasm_threads = True
    for name, value in options.items():
        setattr(config, name, value)
    return Engine(config)


def shared(engine: Engine, minimum: int = 1, maximum: int = 4) -> SharedMemory:
    return SharedMemory(engine, MemoryType(Limits(minimum, maximum), shared=True))


def instance(engine: Engine, memory: SharedMemory, wat: str = ATOMICS) -> tuple[Store, dict]:
    store = Store(engine)
    return store, Instance(store, Module(engine, wat), [memory]).exports(store)


def run_threads(n: int, body) -> None:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            body(i)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the main thread
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        assert not t.is_alive(), "a thread hung"
    if errors:
        raise errors[0]


# -- SharedMemory ---------------------------------------------------------------------------


def test_shared_memory_api():
    engine = threads_engine()
    mem = shared(engine, 1, 3)
    assert mem.type() == MemoryType(Limits(1, 3), shared=True)
    assert mem.type().is_shared
    assert (mem.size(), mem.data_len()) == (1, 65536)
    mem.data_ptr()[5] = 7
    assert mem.view()[5] == 7
    assert mem.grow(2) == 1
    assert (mem.size(), mem.data_len()) == (3, 3 * 65536)
    with pytest.raises(WasmtimeError, match="failed to grow"):
        mem.grow(1)
    with pytest.raises(WasmtimeError, match="negative"):
        mem.grow(-1)


def test_shared_memory_rules():
    engine = threads_engine()
    with pytest.raises(WasmtimeError, match="must have maximum"):
        SharedMemory(engine, MemoryType(Limits(1, None), shared=True))
    with pytest.raises(WasmtimeError, match="not shared"):
        SharedMemory(engine, MemoryType(Limits(1, 2)))
    with pytest.raises(WasmtimeError, match="threads"):
        SharedMemory(Engine(), MemoryType(Limits(1, 2), shared=True))
    with pytest.raises(WasmtimeError, match="SharedMemory"):
        Memory(Store(engine), MemoryType(Limits(1, 2), shared=True))
    with pytest.raises(wasmrt.errors.ValidationError, match="shared memory must have maximum"):
        Module(engine, "(module (memory 1 shared))")
    with pytest.raises(WasmtimeError, match="shared memory"):
        Module(Engine(), "(module (memory 1 1 shared))")        # threads off


def test_import_checks_sharedness():
    engine = threads_engine()
    store = Store(engine)
    unshared = Module(engine, '(module (import "env" "m" (memory 1 4)))')
    with pytest.raises(wasmrt.errors.LinkError, match="expected unshared memory, found shared"):
        Instance(store, unshared, [shared(engine)])
    wants_shared = Module(engine, '(module (import "env" "m" (memory 1 4 shared)))')
    with pytest.raises(wasmrt.errors.LinkError, match="expected shared memory, found unshared"):
        Instance(store, wants_shared, [Memory(store, MemoryType(Limits(1, 4)))])
    with pytest.raises(WasmtimeError, match="another Engine"):
        Instance(Store(threads_engine()), wants_shared, [shared(engine)])


def test_exported_shared_memory_is_a_shared_memory():
    engine = threads_engine()
    store = Store(engine)
    exports = Instance(store, Module(engine, '(module (memory (export "m") 1 2 shared))'),
                       []).exports(store)
    mem = exports["m"]
    assert isinstance(mem, SharedMemory)
    assert mem.type() == MemoryType(Limits(1, 2), shared=True)
    # and it can be imported by an instance in another Store (through a Linker too)
    other = Store(engine)
    linker = Linker(engine)
    linker.define(other, "env", "memory", mem)
    got = linker.instantiate(other, Module(engine, ATOMICS)).exports(other)
    assert got["add"](other, 0, 5) == 0
    assert got["add"](other, 0, 1) == 5


# -- atomics on one thread ----------------------------------------------------------------


def test_atomics_between_stores():
    engine = threads_engine()
    mem = shared(engine)
    s1, e1 = instance(engine, mem)
    s2, e2 = instance(engine, mem)
    assert e1["add"](s1, 8, 0x1FF) == 0
    assert e2["add"](s2, 8, 1) == 0x1FF
    assert e2["cmpxchg8"](s2, 8, 0x100, 0x77) == 0      # expected wrapped to 8 bits: 0x00
    assert e1["load64"](s1, 8) == 0x277
    assert e1["cmpxchg8"](s1, 9, 3, 9) == 2              # not replaced
    assert bytes(mem.view(8, 12)) == b"\x77\x02\x00\x00"
    e1["fence"](s1)


def test_traps():
    engine = threads_engine()
    mem = shared(engine, 1, 1)
    store, e = instance(engine, mem, ATOMICS.replace("1 4 shared", "1 1 shared"))
    with pytest.raises(Trap, match="unaligned atomic") as info:
        e["add"](store, 2, 1)
    assert info.value.trap_code == TrapCode.HEAP_MISALIGNED
    with pytest.raises(Trap, match="out of bounds memory access"):
        e["add"](store, 65536, 1)
    with pytest.raises(Trap, match="out of bounds memory access"):   # bounds before alignment
        e["wait64"](store, 65535, 0, 0)
    unshared = Module(engine, """(module (memory 1 1)
        (func (export "wait") (result i32)
          (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 0)))
        (func (export "notify") (result i32) (memory.atomic.notify (i32.const 0) (i32.const 1))))""")
    store = Store(engine)
    e = Instance(store, unshared, []).exports(store)
    assert e["notify"](store) == 0
    with pytest.raises(Trap, match="atomic wait on non-shared memory") as info:
        e["wait"](store)
    assert info.value.trap_code == TrapCode.ATOMIC_WAIT_NON_SHARED_MEMORY


def test_wait_results_and_timeout():
    engine = threads_engine()
    mem = shared(engine)
    store, e = instance(engine, mem)
    mem.view()[0] = 1
    assert e["wait32"](store, 0, 0, -1) == 1            # not equal: at once
    assert e["wait64"](store, 0, 0, -1) == 1
    assert e["notify"](store, 0, 10) == 0               # nobody waits
    t = time.perf_counter()
    assert e["wait32"](store, 0, 1, 30_000_000) == 2    # 30 ms, then timed out
    assert time.perf_counter() - t >= 0.029
    assert e["wait64"](store, 0, 1, 0) == 2


@pytest.mark.parametrize("release_gil", [False, True])
def test_notify_wakes_a_waiter_on_another_thread(release_gil):
    engine = threads_engine(release_gil=release_gil)
    mem = shared(engine)
    results: dict[str, int] = {}

    def body(i: int) -> None:
        store, e = instance(engine, mem)
        if i == 0:
            results["wait"] = e["wait32"](store, 16, 0, 20_000_000_000)
        else:
            woken = 0
            while not woken:                        # until the waiter is queued
                time.sleep(0.005)
                woken = e["notify"](store, 16, 1)
            results["woken"] = woken

    run_threads(2, body)
    assert results == {"wait": 0, "woken": 1}


class LostWakeGuard:
    """A wait at address 0 that should be interrupted is woken by a notify after `seconds`
    if the interruption was lost, and the test fails instead of hanging the run (the
    notify comes from a Store of its own on a timer thread)."""

    def __init__(self, engine: Engine, memory: SharedMemory, seconds: float = 30.0) -> None:
        self.engine, self.memory = engine, memory
        self.timer = threading.Timer(seconds, self.wake)
        self.woken = 0

    def wake(self) -> None:
        store, e = instance(self.engine, self.memory)
        self.woken = e["notify"](store, 0, 1)

    def __enter__(self) -> None:
        self.timer.start()

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()
        self.timer.join()
        assert not self.woken, "the interruption was lost: the guard's notify ended the wait"


@pytest.mark.timeout(120)
def test_wait_interrupted_by_epoch():
    engine = threads_engine(epoch_interruption=True)
    mem = shared(engine)
    store, e = instance(engine, mem)
    store.set_epoch_deadline(1)
    timer = threading.Timer(0.05, engine.increment_epoch)
    with LostWakeGuard(engine, mem), pytest.raises(Trap) as info:
        timer.start()
        e["wait32"](store, 0, 0, -1)
    timer.join()
    assert info.value.trap_code == TrapCode.INTERRUPT


def sigint_main_thread_after(seconds: float) -> threading.Timer:
    main = threading.main_thread().ident
    assert main == threading.get_ident()
    return threading.Timer(seconds, signal.pthread_kill, (main, signal.SIGINT))


@pytest.mark.timeout(120)
@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs pthread_kill")
def test_wait_interrupted_by_ctrl_c():
    main = threading.main_thread().ident
    assert main == threading.get_ident()
    waiting = threading.Event()
    done = threading.Event()

    def on_sigint(signum: int, frame: object) -> None:
        if waiting.is_set():            # (one sent as the wait ended is dropped)
            raise KeyboardInterrupt

    def ctrl_c() -> None:
        # Ctrl-C again until the wait has ended: a SIGINT that arrives while the main thread
        # still runs Python code on its way into the wait (a __del__ run by the garbage
        # collector, say) raises its KeyboardInterrupt there, where CPython may report and
        # drop it; the wait then rightly finds no signal pending and waits for the next one
        while not done.wait(0.05):
            signal.pthread_kill(main, signal.SIGINT)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        engine = threads_engine()
        mem = shared(engine)
        store, e = instance(engine, mem)                # (the Store hooks the new handler)
        sender = threading.Thread(target=ctrl_c)
        interrupted = False
        with LostWakeGuard(engine, mem):
            sender.start()
            waiting.set()
            try:
                e["wait32"](store, 0, 0, -1)
            except KeyboardInterrupt:
                waiting.clear()
                interrupted = True
            finally:
                waiting.clear()
                done.set()
                sender.join()
        assert interrupted
        assert e["add"](store, 0, 1) == 0               # the Store is usable afterwards
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.timeout(120)
@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs pthread_kill")
def test_wait_interrupted_by_ctrl_c_without_the_hook():
    """signal.signal() after the Store was made puts CPython's own handler in place of
    wasmrt's SIGINT hook (asyncio and event loops do it too): the waiting main thread
    still runs Python's handlers itself, so Ctrl-C is not lost."""
    engine = threads_engine()
    mem = shared(engine)
    store, e = instance(engine, mem)
    old = signal.signal(signal.SIGINT, signal.default_int_handler)    # displaces the hook
    try:
        timer = sigint_main_thread_after(0.05)
        with LostWakeGuard(engine, mem), pytest.raises(KeyboardInterrupt):
            timer.start()
            e["wait32"](store, 0, 0, -1)
        timer.join()
    finally:
        signal.signal(signal.SIGINT, old)


@pytest.mark.timeout(120)
@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs setitimer")
def test_wait_runs_other_signal_handlers():
    """Any Python signal handler runs during a wait on the main thread (here SIGALRM's,
    as pytest-timeout's default method uses), and what it raises unwinds the guest."""
    engine = threads_engine()
    mem = shared(engine)
    store, e = instance(engine, mem)

    class Alarm(Exception):
        pass

    def on_alarm(signum: int, frame: object) -> None:
        raise Alarm

    old = signal.signal(signal.SIGALRM, on_alarm)
    try:
        with LostWakeGuard(engine, mem), pytest.raises(Alarm):
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            e["wait32"](store, 0, 0, -1)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_wait_under_call_async_yields_to_the_event_loop():
    """A wait in a call_async guest yields to the event loop when its time slice is over
    and stays queued meanwhile: other tasks run (the ticker below), a notify from another
    guest on the same loop wakes it (were it blocking the loop's thread, the notifier would
    never run), and the timeout holds across the yields."""
    import asyncio

    engine = threads_engine()
    mem = shared(engine)
    waiter, we = instance(engine, mem)
    notifier, ne = instance(engine, mem)
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.001)

    async def timed() -> tuple[int, float, float]:
        task = asyncio.create_task(ticker())
        await asyncio.sleep(0.01)
        start = time.perf_counter()
        result = await we["wait32"].call_async(waiter, 0, 0, 200_000_000)     # 200 ms
        end = time.perf_counter()
        task.cancel()
        return result, start, end

    result, start, end = asyncio.run(timed())
    assert result == 2 and end - start >= 0.199
    assert len([t for t in ticks if start < t < end]) >= 5

    async def wake() -> int:
        woken = 0
        while not woken:
            await asyncio.sleep(0.005)
            woken = await ne["notify"].call_async(notifier, 0, 1)
        return woken

    async def meet() -> list[int]:
        return list(await asyncio.gather(we["wait32"].call_async(waiter, 0, 0, -1), wake()))

    with LostWakeGuard(engine, mem):
        assert asyncio.run(meet()) == [0, 1]


def test_wait_under_call_async_cancelled_leaves_the_queue():
    """A call_async guest cancelled while it waits (paused in a yield) leaves the queue:
    a later notify finds nobody, and the Store runs again."""
    import asyncio

    engine = threads_engine()
    mem = shared(engine)
    store, e = instance(engine, mem)

    async def cancelled() -> None:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await e["wait32"].call_async(store, 0, 0, -1)

    asyncio.run(cancelled())
    assert e["notify"](store, 0, 1) == 0
    assert e["wait32"](store, 0, 0, 1000) == 2


def test_wait_releases_the_gil():
    engine = threads_engine()                           # release_gil off: the wait lets go
    mem = shared(engine)
    store, e = instance(engine, mem)
    ticks = []
    ticker = threading.Thread(target=lambda: [ticks.append(time.sleep(0.002)) for _ in range(10)])
    ticker.start()
    assert e["wait32"](store, 0, 0, 100_000_000) == 2
    ticker.join()
    assert len(ticks) == 10


# -- host threads over one shared memory -----------------------------------------------------


def test_counter_exact_under_contention():
    """Two Stores on two threads, 3 million i32.atomic.rmw.add in all: the count is exact."""
    engine = threads_engine(release_gil=True)
    mem = shared(engine, 1, 1)
    module = Module(engine, GUEST)

    def body(i: int) -> None:
        store = Store(engine)
        Instance(store, module, [mem]).exports(store)["count"](store, 1_500_000, 0)

    run_threads(2, body)
    assert int.from_bytes(mem.view(0, 4), "little") == 3_000_000


@pytest.mark.parametrize("release_gil", [False, True])
def test_barrier_stress(release_gil):
    """Four threads, 300 rounds: each publishes its round, meets the others at a
    wait/notify barrier, and finds every other thread's round published."""
    engine = threads_engine(release_gil=release_gil)
    mem = shared(engine, 1, 1)
    module = Module(engine, GUEST)
    errors = []

    def body(i: int) -> None:
        store = Store(engine)
        exports = Instance(store, module, [mem]).exports(store)
        exports["count"](store, 1000, 3)
        errors.append(exports["phases"](store, i, 4, 300))

    run_threads(4, body)
    view = mem.view()
    assert errors and max(errors) == 0
    assert int.from_bytes(view[0:4], "little") == 4000
    assert [int.from_bytes(view[64 + 4 * i:68 + 4 * i], "little") for i in range(4)] == [300] * 4


def test_grow_while_other_threads_run():
    """memory.grow on one thread while others read the last word of the current size:
    the base never moves and every size a reader sees is backed."""
    engine = threads_engine(release_gil=True)
    mem = shared(engine, 1, 64)
    stop = threading.Event()

    def body(i: int) -> None:
        store, e = instance(engine, mem, ATOMICS.replace("1 4 shared", "1 64 shared"))
        if i == 0:
            for _ in range(63):
                assert e["grow"](store, 1) >= 0
            stop.set()
        else:
            while not stop.is_set():
                for _ in range(200):
                    e["last"](store)
            assert e["size"](store) == 64

    base = mem.data_ptr()
    run_threads(3, body)
    assert mem.size() == 64
    assert mem.data_len() == 64 * 65536
    assert ctypes_address(mem.data_ptr()) == ctypes_address(base)


def ctypes_address(ptr: object) -> int:
    import ctypes

    return ctypes.cast(ptr, ctypes.c_void_p).value or 0


def test_example_runs(capsys):
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "examples" / "threads.py"
    spec = importlib.util.spec_from_file_location("example_threads", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["3", "20000"])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "counter: 60000 (expected 60000)"
    assert out[1] == "barrier errors: 0"


def test_snapshot_refuses_shared_memory():
    engine = threads_engine()
    store = Store(engine)
    Instance(store, Module(engine, '(module (memory 1 1 shared))'), [])
    with pytest.raises(WasmtimeError):
        store.snapshot()


def test_wasmtime_reference_atomics(runtime):
    """The same single-thread atomics on wasmtime-py (a module-defined shared memory: its
    SharedMemory cannot be imported, see test_wasmtime_shared_memory_import)."""
    config = runtime.Config()
    config.wasm_threads = True
    config.shared_memory = True     # wasmtime needs it for any shared memory; wasmrt accepts it
    engine = runtime.Engine(config)
    store = runtime.Store(engine)
    wat = ATOMICS.replace('(import "env" "memory" (memory 1 4 shared))', "(memory 1 4 shared)")
    e = runtime.Instance(store, runtime.Module(engine, wat), []).exports(store)
    assert e["add"](store, 8, 0x1FF) == 0
    assert e["add"](store, 8, 1) == 0x1FF
    assert e["cmpxchg8"](store, 8, 0x100, 0x77) == 0
    assert e["load64"](store, 8) == 0x277
    assert e["wait32"](store, 8, 0, 0) == 1
    assert e["wait32"](store, 8, 0x277, 1000) == 2
    assert e["notify"](store, 8, 3) == 0
    with pytest.raises(runtime.Trap, match="unaligned atomic"):
        e["add"](store, 2, 1)


def test_wasmtime_shared_memory_import():
    """wasmtime-py 51 cannot import a SharedMemory into an instance: Instance
    and Linker.instantiate fail with a ctypes TypeError, and SharedMemory.size() with a
    ctypes ArgumentError.  Recorded here; wasmrt does all three."""
    wasmtime = pytest.importorskip("wasmtime")
    import ctypes

    config = wasmtime.Config()
    config.wasm_threads = True
    config.shared_memory = True
    engine = wasmtime.Engine(config)
    mem = wasmtime.SharedMemory(engine, wasmtime.MemoryType(wasmtime.Limits(1, 2), shared=True))
    store = wasmtime.Store(engine)
    module = wasmtime.Module(engine, '(module (import "env" "m" (memory 1 2 shared)))')
    with pytest.raises(TypeError, match="incompatible types"):
        wasmtime.Instance(store, module, [mem])
    with pytest.raises(ctypes.ArgumentError):
        mem.size()


# -- 64-bit and multi-memory shared memories --------------------------------------------------

ATOMICS64 = """
(module
  (import "env" "memory" (memory i64 1 4 shared))
  (func (export "add") (param i64 i32) (result i32)
    (i32.atomic.rmw.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64)
    (i64.atomic.rmw.add (local.get 0) (local.get 1)))
  (func (export "cmpxchg16") (param i64 i32 i32) (result i32)
    (i32.atomic.rmw16.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait32") (param i64 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i64 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1)))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "size") (result i64) (memory.size)))
"""


def test_shared_memory64():
    """A 64-bit shared memory: i64 addresses for every atomic, wait and notify, bounds
    above 4 GiB, alignment, grow, and a wait woken by another thread."""
    engine = threads_engine()
    mem = shared64 = SharedMemory(engine, MemoryType(Limits(1, 4), shared=True, is_64=True))
    assert shared64.type().is_64 and shared64.type().is_shared
    store, e = instance(engine, mem, ATOMICS64)
    assert e["add"](store, 8, 5) == 0
    assert e["add"](store, 8, 1) == 5
    assert e["add64"](store, 16, 1 << 40) == 0
    assert e["add64"](store, 16, 1) == 1 << 40
    assert e["cmpxchg16"](store, 8, 6, 0x1234) == 6
    assert bytes(mem.view(8, 10)) == b"\x34\x12"
    with pytest.raises(Trap, match="unaligned atomic"):
        e["add"](store, 2, 1)
    with pytest.raises(Trap, match="out of bounds memory access"):
        e["add"](store, 1 << 33, 1)                     # an address a 32-bit memory cannot name
    assert e["wait32"](store, 8, 0, 0) == 1
    assert e["wait32"](store, 8, 0x1234, 1000) == 2
    assert e["grow"](store, 1) == 1 and e["size"](store) == 2 and mem.size() == 2
    results: dict[str, int] = {}

    def body(i: int) -> None:
        s, x = instance(engine, mem, ATOMICS64)
        if i == 0:
            results["wait"] = x["wait32"](s, 65536 + 64, 0, 20_000_000_000)
        else:
            while not results.get("woken"):
                time.sleep(0.005)
                results["woken"] = x["notify"](s, 65536 + 64, 1)

    run_threads(2, body)
    assert results == {"wait": 0, "woken": 1}


MULTI = """
(module
  (import "env" "private" (memory 1 1))
  (import "env" "shared" (memory $s 1 1 shared))
  (func (export "count") (param $n i32)
    (loop $l
      (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
      (drop (i32.atomic.rmw.add $s (i32.const 0) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "private") (result i32) (i32.load (i32.const 0)))
  (func (export "wait") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 $s (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify $s (local.get 0) (local.get 1)))
  (func (export "wait0") (result i32)
    (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 0)))
  (func (export "unaligned") (result i32) (i32.atomic.load $s (i32.const 2))))
"""


def test_shared_memory_is_not_memory_0():
    """Multi-memory: memory 0 is each Store's own, memory 1 the shared one.  Two threads
    count on memory 1 with atomics and on their memory 0 without; a wait on memory 1 is
    woken across threads; memory 0 (unshared) refuses to wait."""
    engine = threads_engine(release_gil=True)
    module = Module(engine, MULTI)
    mem = shared(engine, 1, 1)
    private: dict[int, int] = {}
    results: dict[str, int] = {}

    def instantiate() -> tuple[Store, dict]:
        store = Store(engine)
        own = Memory(store, MemoryType(Limits(1, 1)))
        return store, Instance(store, module, [own, mem]).exports(store)

    def body(i: int) -> None:
        store, e = instantiate()
        e["count"](store, 500_000)
        private[i] = e["private"](store)
        if i == 0:
            results["wait"] = e["wait"](store, 64, 0, 20_000_000_000)
        else:
            while not results.get("woken"):
                time.sleep(0.005)
                results["woken"] = e["notify"](store, 64, 1)

    run_threads(2, body)
    assert private == {0: 500_000, 1: 500_000}
    assert int.from_bytes(mem.view(0, 4), "little") == 1_000_000
    assert results == {"wait": 0, "woken": 1}
    store, e = instantiate()
    with pytest.raises(Trap, match="atomic wait on non-shared memory"):
        e["wait0"](store)
    with pytest.raises(Trap, match="unaligned atomic"):
        e["unaligned"](store)


# -- Store limits -----------------------------------------------------------------------------


def test_store_limits_and_shared_memories(runtime):
    """As wasmtime: a shared memory a module defines counts against its Store's limits when
    the instance is made (memories, memory_size of its minimum), but memory.grow of a shared
    memory is not capped by memory_size (the memory belongs to no Store)."""
    config = runtime.Config()
    config.wasm_threads = True
    config.shared_memory = True
    engine = runtime.Engine(config)
    module = runtime.Module(engine, """(module (memory 2 8 shared)
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "size") (result i32) (memory.size)))""")
    store = runtime.Store(engine)
    store.set_limits(memory_size=65536)
    with pytest.raises(runtime.WasmtimeError, match="memory minimum size of 2 pages exceeds"):
        runtime.Instance(store, module, [])
    store = runtime.Store(engine)
    store.set_limits(memories=0)
    with pytest.raises(runtime.WasmtimeError, match="memory count too high at 1"):
        runtime.Instance(store, module, [])
    store = runtime.Store(engine)
    store.set_limits(memory_size=3 * 65536)
    e = runtime.Instance(store, module, []).exports(store)
    assert [e["grow"](store, 1), e["grow"](store, 1), e["size"](store)] == [2, 3, 4]


def test_store_limits_do_not_count_an_imported_shared_memory():
    """A SharedMemory is made by no Store (SharedMemory(engine, ...)): importing it counts
    for no Store's limits, and growing it is capped only by its maximum.  (wasmtime-py
    cannot import one: test_wasmtime_shared_memory_import.)"""
    engine = threads_engine()
    mem = shared(engine, 2, 4)
    store = Store(engine)
    store.set_limits(memory_size=65536, memories=0)
    e = Instance(store, Module(engine, ATOMICS), [mem]).exports(store)
    assert e["grow"](store, 2) == 2 and e["size"](store) == 4
    assert e["grow"](store, 1) == -1                    # its own maximum
