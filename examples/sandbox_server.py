"""A sandbox service: untrusted Python code run for each HTTP request, isolated, under limits.

    python examples/sandbox_server.py --port 8000 [--host 127.0.0.1] [--runtime wasmrt]
        [--workers 1] [--timeout 2.0] [--memory-mb 64] [--preload "import json, re"]
        [--strategy interpreter]

``POST /run`` with Python source as the body answers JSON: ``stdout``, ``stderr`` (text),
``exit_code`` (None when the run was stopped), ``error`` (why it was stopped: "deadline
exceeded ...", "memory limit exceeded ...", "output limit exceeded ...", "trap: ...";
None otherwise) and ``elapsed_ms``.  ``GET /health`` answers once the service is ready;
``GET /stats`` tells what this worker process has served, its resident memory and its
open descriptors (a leak shows there).

Each request runs in a fresh Store, so nothing of one request is seen by the next, with
no files, no environment and no network of the host (CPython for WASI has no sockets and
is given no directory), a memory limit (``Store.set_limits``) and a wall-clock deadline
(the Engine's epoch, advanced every 10 ms, passes the Store's epoch deadline):

* ``--runtime wasmrt`` (default): ``wasmrt.sandbox.PythonSandbox`` starts CPython once,
  runs ``--preload``, and snapshots it at its first read of stdin; each request resumes
  that warm snapshot (``await sandbox.run_async(code)``), and the event loop serves other
  requests while the guest runs (it yields every few milliseconds).
* ``--runtime wasmtime``: the same service on wasmtime-py, which cannot snapshot: a fresh
  instance of the precompiled CPython Module per request (the same driver program, without
  the warm-up; ``--preload`` runs in every request), run on a thread (wasmtime-py's calls
  release the GIL) while the event loop serves other requests.

``--workers N`` runs N worker processes (uvicorn's): each starts its own sandbox.
Needs ``pip install 'wasmrt[server,sandbox]'`` (and ``wasmtime`` for the reference).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import math
import os
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import wasmrt
from wasmrt.sandbox import PythonSandbox, RunResult, default_module_path, driver

MIB = 1 << 20
SETTINGS_ENV = "WASMRT_SANDBOX_SERVER"      # the settings, for uvicorn's worker processes


@dataclass(frozen=True)
class Settings:
    """What each request gets: ``timeout`` seconds, ``memory_mb`` MiB of linear memory,
    ``output_kb`` KiB of stdout (and of stderr), at most ``max_code_kb`` KiB of code."""

    runtime: str = "wasmrt"
    timeout: float = 2.0
    memory_mb: int = 64
    output_kb: int = 256
    max_code_kb: int = 64
    preload: str = ""
    module: str | None = None           # CPython for WASI (default: wasmrt[sandbox]'s)
    epoch_tick: float = 0.01
    strategy: str = "interpreter"       # wasmrt's Config.strategy (see PythonSandbox)


def reply(result: RunResult) -> dict[str, Any]:
    """The JSON answer for a run."""
    return {
        "stdout": result.stdout.decode("utf-8", "replace"),
        "stderr": result.stderr.decode("utf-8", "replace"),
        "exit_code": result.exit_code,
        "error": result.error,
        "elapsed_ms": round(result.elapsed * 1e3, 3),
    }


class WasmrtRunner:
    """Each run a fresh resume of PythonSandbox's warm snapshot, on the event loop."""

    def __init__(self, settings: Settings):
        config = wasmrt.Config()
        config.epoch_interruption = True
        config.strategy = settings.strategy
        self.sandbox = PythonSandbox(
            settings.module, engine=wasmrt.Engine(config), preload=settings.preload,
            timeout=settings.timeout, memory_limit=settings.memory_mb * MIB,
            output_limit=settings.output_kb * 1024, epoch_tick=settings.epoch_tick)

    async def start(self) -> None:
        await self.sandbox.start_async()

    async def run(self, code: bytes) -> RunResult:
        return await self.sandbox.run_async(code)

    def close(self) -> None:
        pass


class _Capped:
    """A run's stdout or stderr on wasmtime-py: at most ``limit`` bytes kept; past them,
    ``stop()`` is called (once)."""

    def __init__(self, limit: int, stop: Callable[[], None]):
        self.data = bytearray()
        self.limit = limit
        self.overflow = False
        self.stop = stop

    def write(self, data: bytes) -> None:
        room = self.limit - len(self.data)
        if len(data) > room and not self.overflow:
            self.overflow = True
            self.stop()
        self.data += data[:max(room, 0)]


class WasmtimeRunner:
    """Each run a fresh instance of the precompiled CPython Module on wasmtime-py, on a
    thread of a pool as large as the machine has cores."""

    def __init__(self, settings: Settings):
        import wasmtime

        self.wasmtime = wasmtime
        self.settings = settings
        config = wasmtime.Config()
        config.epoch_interruption = True
        config.cache = True             # (wasmtime's compilation cache: one compile ever)
        self.engine = wasmtime.Engine(config)
        self.module: Any = None
        self.linker = wasmtime.Linker(self.engine)
        self.linker.define_wasi()
        self.argv = ["python", "-c", driver(settings.preload, warm_up=False)]
        self.pool = concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1)
        self.stop = threading.Event()
        self.tmp = tempfile.TemporaryDirectory(prefix="sandbox-server-")

    async def start(self) -> None:
        path = self.settings.module or default_module_path()
        self.module = await asyncio.to_thread(self.wasmtime.Module.from_file, self.engine, path)
        threading.Thread(target=self._tick, name="epoch", daemon=True).start()
        await self.run(b"pass")         # (the first instantiation maps the code)

    def _tick(self) -> None:
        while not self.stop.wait(self.settings.epoch_tick):
            self.engine.increment_epoch()

    async def run(self, code: bytes) -> RunResult:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, self._run, code)

    def _run(self, code: bytes) -> RunResult:
        wasmtime = self.wasmtime
        s = self.settings
        fd, stdin = tempfile.mkstemp(dir=self.tmp.name)
        try:
            os.write(fd, code)
            os.close(fd)
            store = wasmtime.Store(self.engine)

            def stop() -> None:         # (the guest traps at its next epoch check)
                store.set_epoch_deadline(0)

            out, err = _Capped(s.output_kb * 1024, stop), _Capped(s.output_kb * 1024, stop)
            wasi = wasmtime.WasiConfig()
            wasi.argv = self.argv
            wasi.stdin_file = stdin
            wasi.stdout_custom = out.write
            wasi.stderr_custom = err.write
            store.set_wasi(wasi)
            store.set_limits(memory_size=s.memory_mb * MIB)
            store.set_epoch_deadline(math.ceil(s.timeout / s.epoch_tick) + 1)
            exit_code: int | None = None
            error: str | None = None
            began = time.perf_counter()
            try:
                start = self.linker.instantiate(store, self.module).exports(store)["_start"]
                start(store)
                exit_code = 0
            except wasmtime.ExitTrap as exc:
                exit_code = exc.code
            except wasmtime.Trap as exc:
                if exc.trap_code == wasmtime.TrapCode.INTERRUPT:
                    error = f"deadline exceeded ({s.timeout} s, epoch)"
                else:
                    error = f"trap: {exc.message.splitlines()[0]}"
            elapsed = time.perf_counter() - began
            if out.overflow or err.overflow:
                error = f"output limit exceeded ({s.output_kb * 1024} bytes)"
            # wasmtime-py does not tell a refused memory.grow: CPython's MemoryError says it
            if exit_code not in (0, None) and b"MemoryError" in err.data[-4096:]:
                error = error or f"memory limit exceeded ({s.memory_mb * MIB} bytes)"
            store.close()
            return RunResult(bytes(out.data), bytes(err.data), exit_code, error, elapsed)
        finally:
            os.unlink(stdin)

    def close(self) -> None:
        self.stop.set()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.tmp.cleanup()


def _open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return -1


def create_app(settings: Settings | None = None) -> Starlette:
    """The Starlette application (its settings from ``SETTINGS_ENV`` when not given)."""
    if settings is None:
        settings = Settings(**json.loads(os.environ.get(SETTINGS_ENV, "{}")))
    runner: WasmrtRunner | WasmtimeRunner = (
        WasmtimeRunner(settings) if settings.runtime == "wasmtime" else WasmrtRunner(settings))
    served = {"requests": 0, "stopped": 0}
    max_code = settings.max_code_kb * 1024

    async def run(request: Request) -> JSONResponse:
        code = await request.body()
        if len(code) > max_code:
            return JSONResponse({"error": f"code longer than {max_code} bytes"}, 413)
        result = await runner.run(code)
        served["requests"] += 1
        served["stopped"] += result.error is not None
        return JSONResponse(reply(result))

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"ready": True, "runtime": settings.runtime, "pid": os.getpid()})

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse({**served, "pid": os.getpid(), "rss_bytes": _rss_bytes(),
                             "open_fds": _open_fds(), "settings": asdict(settings)})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await runner.start()
        yield
        runner.close()

    return Starlette(routes=[Route("/run", run, methods=["POST"]),
                             Route("/health", health), Route("/stats", stats)],
                     lifespan=lifespan)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--runtime", choices=["wasmrt", "wasmtime"], default="wasmrt")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--timeout", type=float, default=Settings.timeout,
                        help="seconds each request may run")
    parser.add_argument("--memory-mb", type=int, default=Settings.memory_mb,
                        help="MiB of linear memory each request may use")
    parser.add_argument("--output-kb", type=int, default=Settings.output_kb)
    parser.add_argument("--preload", default="", help="Python code run before the requests "
                        "(wasmrt: once, in the snapshot; wasmtime: in every request)")
    parser.add_argument("--module", help="CPython for WASI (default: wasmrt[sandbox]'s)")
    parser.add_argument("--strategy", default="interpreter", choices=["auto", "interpreter"],
                        help="wasmrt: Config.strategy (auto: hot code compiled by LLVM)")
    args = parser.parse_args(argv)
    settings = Settings(runtime=args.runtime, timeout=args.timeout, memory_mb=args.memory_mb,
                        output_kb=args.output_kb, preload=args.preload, module=args.module,
                        strategy=args.strategy)
    log = {"log_level": "warning", "access_log": False}
    if args.workers > 1:
        # uvicorn's worker processes import the app: the settings go by the environment
        os.environ[SETTINGS_ENV] = json.dumps(asdict(settings))
        uvicorn.run("sandbox_server:create_app", factory=True, host=args.host,
                    port=args.port, workers=args.workers, **log)
    else:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, **log)


if __name__ == "__main__":
    main()
