"""The sandbox service under load: ``examples/sandbox_server.py`` on wasmrt against the
same service on wasmtime-py.

Each server is started in turn on 127.0.0.1 (``--workers`` processes), warmed up with
half the load, then sent a bounded load: ``--requests`` requests of a mix of small programs
(``PROGRAMS``), ``--concurrency`` at a time, each on a new connection.  Every answer is
checked (its stdout, exit code, no error).  Then the hostile requests (``HOSTILE``: an
endless loop, a memory bomb, a host file read, a socket, an output flood) are sent
one after the other, each checked to be stopped or refused within the deadline; then requests that
try to leave something behind (a builtin, a module, a file) and requests that look for it;
then one more small request, to show the server still serves; and each worker's resident
memory and open descriptors after the warm-up, the load and the rest (``GET /stats``).

wasmrt resumes a snapshot of CPython taken after ``--preload`` (``import json, re``); the
wasmtime-py service starts CPython for each request (without the preload: each program
imports what it uses).  The last line is

    SANDBOX SERVER: wasmrt R req/s p99 L ms; wasmtime R req/s p99 L ms

    python -m benchmarks.bench_sandbox_server [--requests 300] [--concurrency 8]
        [--workers 2] [--runtimes wasmrt,wasmtime,wasmrt-interpreter] [--write BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.report import write_section

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "examples" / "sandbox_server.py"
PRELOAD = "import json, re"

FIB = """def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fib(12))
"""
PRIMES = """import json
primes = [p for p in range(2, 60) if all(p % d for d in range(2, p))]
print(json.dumps({"primes": primes[:8], "count": len(primes)}))
"""

# (name, code, expected stdout, expected exit code, expected end of stderr)
PROGRAMS: list[tuple[str, str, str, int, str]] = [
    ("hello", "print('hello from the sandbox')", "hello from the sandbox\n", 0, ""),
    ("squares", "print(sum(i * i for i in range(1000)))", "332833500\n", 0, ""),
    ("sort", ("words = 'the quick brown fox jumps over the lazy dog'.split()\n"
             "print(' '.join(sorted(words, key=lambda w: (len(w), w))))"),
     "dog fox the the lazy over brown jumps quick\n", 0, ""),
    ("fib", FIB, "144\n", 0, ""),
    ("json", PRIMES, '{"primes": [2, 3, 5, 7, 11, 13, 17, 19], "count": 17}\n', 0, ""),
    ("regex", "import re\nprint(re.findall(r'\\d+', 'a1b22c333'))", "['1', '22', '333']\n",
     0, ""),
    ("raises", "raise ValueError('bad input')", "", 1, "ValueError: bad input\n"),
]

# (name, code, what the answer must show): stopped (an error) or refused (exit code 1
# with this exception); each within the deadline.
HOSTILE: list[tuple[str, str, str]] = [
    ("endless loop", "while True:\n    pass", "error:deadline exceeded"),
    ("memory bomb", "blocks = []\nwhile True:\n    blocks.append(bytearray(1 << 20))",
     "error:memory limit exceeded"),
    ("host file", "print(open('/etc/passwd').read())", "stderr:FileNotFoundError"),
    ("socket", "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 80))",
     "stderr:OSError"),
    ("output flood", "while True:\n    print('x' * 1000)", "error:output limit exceeded"),
]

# Requests that try to leave something for the next ones, and the checks that find
# nothing: each probe must print "clean".
LEAVERS = [
    ("import builtins, sys\nbuiltins.leaked = 1\nsys.modules['leaked'] = sys\n"
    "open('/tmp/leaked', 'w')"),
    "import os\nos.environ['LEAKED'] = '1'\nglobal_state = 'leaked'",
]
PROBE = ("import builtins, os, sys\n"
         "found = [hasattr(builtins, 'leaked'), 'leaked' in sys.modules,\n"
         "         os.environ.get('LEAKED'), 'global_state' in globals()]\n"
         "print('clean' if not any(found) else found)")


@dataclass
class Outcome:
    """One runtime's measurements."""

    runtime: str
    requests: int = 0
    concurrency: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)     # seconds
    hostile: list[tuple[str, float, str]] = field(default_factory=list)  # name, s, error
    leaks: list[str] = field(default_factory=list)
    # each worker's /stats (by process id) after the warm-up, the load, and the rest
    stats_before: dict[int, dict[str, Any]] = field(default_factory=dict)
    stats_loaded: dict[int, dict[str, Any]] = field(default_factory=dict)
    stats_after: dict[int, dict[str, Any]] = field(default_factory=dict)
    timeout: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        """The ``p``-th percentile latency in ms (nearest rank)."""
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return 1e3 * ordered[rank - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def server(runtime: str, *, workers: int = 1, timeout: float = 2.0, memory_mb: int = 64,
           preload: str = "", ready_within: float = 600.0) -> Iterator[str]:
    """``examples/sandbox_server.py`` running on a free loopback port: its base URL.
    ``runtime``: wasmrt, wasmtime, or wasmrt-STRATEGY (wasmrt with that Config.strategy).
    Stopped (the whole process group) on exit."""
    port = free_port()
    name, _, strategy = runtime.partition("-")
    cmd = [sys.executable, str(SERVER), "--port", str(port), "--host", "127.0.0.1",
           "--runtime", name, "--workers", str(workers), "--timeout", str(timeout),
           "--memory-mb", str(memory_mb), "--output-kb", "64"]
    if strategy:
        cmd += ["--strategy", strategy]
    if preload:
        cmd += ["--preload", preload]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_within
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RuntimeError(f"the {runtime} server exited ({proc.returncode}): {out}")
            try:
                if httpx.get(url + "/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {runtime} server was not ready in {ready_within} s")
            time.sleep(0.2)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def short(answer: dict[str, Any]) -> str:
    """``answer`` for an error message, its long strings cut."""
    return repr({k: v[:200] + "..." if isinstance(v, str) and len(v) > 200 else v
                 for k, v in answer.items()})


def check_program(index: int, answer: dict[str, Any]) -> None:
    """Raise ``AssertionError`` unless ``answer`` is what ``PROGRAMS[index]`` must give."""
    name, _, stdout, exit_code, stderr_end = PROGRAMS[index]
    if (answer.get("stdout"), answer.get("exit_code"), answer.get("error")) != \
            (stdout, exit_code, None) or not answer.get("stderr", "").endswith(stderr_end):
        raise AssertionError(f"{name}: unexpected answer {short(answer)}")


async def post(client: httpx.AsyncClient, url: str, code: str) -> tuple[dict[str, Any], float]:
    """POST ``code`` to ``url``/run: the JSON answer and the seconds it took."""
    began = time.perf_counter()
    response = await client.post(url + "/run", content=code.encode())
    took = time.perf_counter() - began
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer, took


def client(concurrency: int, timeout: float = 120.0) -> httpx.AsyncClient:
    """An HTTP client opening a new connection for each request (so that the requests
    spread over the server's worker processes)."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=0)
    return httpx.AsyncClient(limits=limits, timeout=timeout)


async def load(url: str, requests: int, concurrency: int) -> tuple[float, list[float]]:
    """``requests`` requests of the program mix, ``concurrency`` at a time, every answer
    checked: the wall time and the latencies."""
    latencies: list[float] = []
    queue = iter(range(requests))

    async def worker(http: httpx.AsyncClient) -> None:
        for i in queue:
            index = i % len(PROGRAMS)
            answer, took = await post(http, url, PROGRAMS[index][1])
            check_program(index, answer)
            latencies.append(took)

    async with client(concurrency) as http:
        began = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
        return time.perf_counter() - began, latencies


def deadline_slack() -> float:
    """Seconds a stopped request may run past its deadline: 2, times the load average per
    core when the machine is busier than that (the worker's wall clock includes waiting
    for a core: a run of the tiny test scenario at load 10.5 on 2 cores stopped wasmtime-py's
    endless loop after 3.88 s for a 1.5 s deadline)."""
    load = os.getloadavg()[0] / (os.cpu_count() or 1) if hasattr(os, "getloadavg") else 0.0
    return 2.0 * max(1.0, load)


async def hostile(url: str, timeout: float) -> list[tuple[str, float, str]]:
    """The hostile requests, one after the other: (name, seconds, what stopped it);
    raises ``AssertionError`` if one was not stopped or refused within its deadline."""
    async with client(1) as http:
        answers = [await post(http, url, code) for _, code, _ in HOSTILE]
    out = []
    for (name, _, expect), (answer, took) in zip(HOSTILE, answers):
        where, what = expect.split(":", 1)
        shown = answer.get(where) or ""
        if what not in shown or (where == "stderr" and answer.get("exit_code") != 1):
            raise AssertionError(f"{name}: not stopped or refused: {short(answer)}")
        # stopped at its deadline (the slack is for a loaded machine's scheduling)
        if answer.get("elapsed_ms", 0) > 1e3 * (timeout + deadline_slack()):
            raise AssertionError(f"{name}: ran {answer['elapsed_ms']} ms past its deadline")
        out.append((name, took, answer.get("error") or shown.strip().splitlines()[-1]))
    return out


async def leaks(url: str) -> list[str]:
    """Requests that try to leave state behind, then probes: the probes' answers."""
    async with client(1) as http:
        for code in LEAVERS:
            await post(http, url, code)
        found = [(await post(http, url, PROBE))[0]["stdout"].strip() for _ in range(3)]
    if found != ["clean"] * 3:
        raise AssertionError(f"state leaked between requests: {found}")
    return found


async def stats(url: str, workers: int) -> dict[int, dict[str, Any]]:
    """``GET /stats`` of each worker process (asked on new connections until each one
    answered, at most 50 times), by process id."""
    found: dict[int, dict[str, Any]] = {}
    async with client(1) as http:
        for _ in range(50):
            answer = (await http.get(url + "/stats")).json()
            found[answer["pid"]] = answer
            if len(found) >= workers:
                break
    return found


def measure(runtime: str, requests: int, concurrency: int, workers: int = 1,
            timeout: float = 2.0, log: Callable[[str], None] = print) -> Outcome:
    """Start the ``runtime`` server and run the load, the hostile requests and the leak
    probes on it; every answer checked."""
    result = Outcome(runtime, requests, concurrency, timeout=timeout)
    preload = PRELOAD if runtime.startswith("wasmrt") else ""
    with server(runtime, workers=workers, timeout=timeout, preload=preload) as url:

        async def scenario() -> None:
            # a warm-up of half the load: the workers' memory then stays as it is if
            # nothing leaks
            await load(url, max(2 * concurrency, requests // 2), concurrency)
            result.stats_before = await stats(url, workers)
            result.seconds, result.latencies = await load(url, requests, concurrency)
            result.stats_loaded = await stats(url, workers)
            result.hostile = await hostile(url, timeout)
            result.leaks = await leaks(url)
            async with client(1) as http:      # (still serving)
                answer, _ = await post(http, url, PROGRAMS[0][1])
            check_program(0, answer)
            result.stats_after = await stats(url, workers)

        asyncio.run(scenario())
    log(f"{runtime}: {requests} requests, {concurrency} at a time, {workers} worker(s): "
        f"{result.rate:.1f} req/s, p50 {result.percentile(50):.1f} ms, "
        f"p99 {result.percentile(99):.1f} ms; every answer checked")
    for name, took, why in result.hostile:
        log(f"  {name:13} answered in {1e3 * took:7.1f} ms: {why}")
    log(f"  no state leaked ({len(LEAVERS)} requests tried, {len(result.leaks)} probes "
        "clean)")
    nothing = {"rss_bytes": 0, "open_fds": 0, "requests": 0}
    for pid, after in result.stats_after.items():
        before = result.stats_before.get(pid, nothing)
        loaded = result.stats_loaded.get(pid, nothing)
        log(f"  worker {pid}: RSS {before['rss_bytes'] / 2**20:.0f} after the warm-up, "
            f"{loaded['rss_bytes'] / 2**20:.0f} after the load, "
            f"{after['rss_bytes'] / 2**20:.0f} MiB after the rest; open fds "
            f"{before['open_fds']}, {loaded['open_fds']}, {after['open_fds']}; "
            f"{loaded['requests'] - before['requests']} requests of the load served")
    return result


def _rss(stats: dict[int, dict[str, Any]]) -> str:
    return " + ".join(f"{s['rss_bytes'] / 2**20:.0f}" for _, s in sorted(stats.items()))


def report(outcomes: list[Outcome], workers: int, command: str, load: float) -> str:
    """The markdown section of BENCHMARKS.md."""
    lines = [
        "## The sandbox service under load",
        "",
        (f"`{command}`: `examples/sandbox_server.py` (Starlette + uvicorn, {workers} worker "
        "process(es)) on each runtime in turn, a fresh Store per request; wasmrt resumes a "
        f"snapshot of CPython for WASI taken after `{PRELOAD}`, wasmtime-py instantiates "
        "the precompiled CPython Module per request; `wasmrt` has the default `Config.strategy` "
        "(\"auto\": hot functions compiled by LLVM on a background thread), "
        "`wasmrt-interpreter` never compiles. The load is a mix of "
        f"{len(PROGRAMS)} small programs ({', '.join(p[0] for p in PROGRAMS)}), every answer "
        "checked; each request on a new connection. The hostile requests are sent one "
        "after the other after the load; deadline "
        f"{outcomes[0].timeout} s, memory limit 64 MiB, output limit 64 KiB. The machine "
        f"has {os.cpu_count()} cores, shared (load average {load:.1f} at the start)."),
        "",
        ("| runtime | requests | concurrency | req/s | p50 (ms) | p99 (ms) | hostile requests "
        "(answered in ms) | workers' RSS after warm-up -> load -> hostile (MiB) |"),
        "|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        hostile = ", ".join(f"{name} {1e3 * took:.0f}" for name, took, _ in o.hostile)
        lines.append(
            f"| {o.runtime} | {o.requests} | {o.concurrency} | {o.rate:.1f} | "
            f"{o.percentile(50):.1f} | {o.percentile(99):.1f} | {hostile} | "
            f"{_rss(o.stats_before)} -> {_rss(o.stats_loaded)} -> {_rss(o.stats_after)} |")
    return "\n".join(lines) + "\n"


def summary(outcomes: list[Outcome]) -> str:
    """The last line: ``SANDBOX SERVER: wasmrt R req/s p99 L ms; wasmtime R ...`` (the
    default configurations only)."""
    return "SANDBOX SERVER: " + "; ".join(
        f"{o.runtime} {o.rate:.1f} req/s p99 {o.percentile(99):.1f} ms" for o in outcomes
        if o.runtime in ("wasmrt", "wasmtime"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--timeout", type=float, default=2.0, help="deadline per request (s)")
    parser.add_argument("--runtimes", default="wasmrt,wasmtime",
                        help="wasmrt, wasmtime, wasmrt-interpreter (wasmrt never compiling)")
    parser.add_argument("--write", metavar="PATH", help="put the table into this markdown "
                        "file (BENCHMARKS.md), replacing its earlier one")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    outcomes = [measure(runtime, args.requests, args.concurrency, args.workers, args.timeout)
                for runtime in args.runtimes.split(",")]
    if args.write:
        command = ("python -m benchmarks.bench_sandbox_server --requests "
                   f"{args.requests} --concurrency {args.concurrency} --workers {args.workers}"
                   f" --runtimes {args.runtimes}")
        write_section(Path(args.write), "sandbox-server",
                      report(outcomes, args.workers, command, load))
    print(summary(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
