"""The command line: `python -m wasmrt run/wast/validate/wat2wasm`.

In-process tests call ``cli.main(argv, api=runtime)`` on each runtime (wasmrt, and
wasmtime-py as a reference); the end-to-end tests run ``python -m wasmrt`` in a subprocess
and check exit status, stdout and stderr.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wasmrt import cli

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "wasi" / "wasm"

ADD_WAT = """(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "mix") (param i64 f64) (result i64 f64) local.get 0 local.get 1)
  (func (export "boom") unreachable))
"""

HELLO_WAT = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello, world!\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 14))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"""


def wasmrt_cli(*args: str, stdin: bytes = b"", cwd: Path | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """``python -m wasmrt ARGS...`` in a subprocess (importing this checkout's wasmrt)."""
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "wasmrt", *args], input=stdin,
                          capture_output=True, cwd=cwd, env=full_env, timeout=120, check=False)


# in process, on each runtime ---------------------------------------------------------


def test_run_command_exit_code(runtime: Any, capfd: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", str(PROGRAMS / "exit.wasm"), "7"], api=runtime) == 7
    out, err = capfd.readouterr()
    assert out == "exiting\n"
    assert err == "to stderr\n"


def test_run_is_the_default_command(runtime: Any, capfd: pytest.CaptureFixture[str]) -> None:
    assert cli.main([str(PROGRAMS / "exit.wasm"), "3"], api=runtime) == 3


def test_run_args_env_dirs(runtime: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSED_THROUGH", "from host")
    monkeypatch.setenv("NOT_PASSED", "secret")
    wasm = str(PROGRAMS / "args_env.wasm")
    code = cli.main(["run", "--env", "A=1", "--env", "B=x=y", "--env", "PASSED_THROUGH",
                     "--env", "UNSET_ON_HOST", "--dir", f"{tmp_path}::/data", wasm,
                     "arg one", "--not-an-option"], api=runtime)
    assert code == 0
    out, _ = capfd.readouterr()
    assert out.splitlines() == [
        "argc=3", f'argv[0]="{wasm}"', 'argv[1]="arg one"', 'argv[2]="--not-an-option"',
        'env "A=1"', 'env "B=x=y"', 'env "PASSED_THROUGH=from host"', "envc=3", "HOME unset",
    ]


def test_run_dir_gives_files(runtime: Any, tmp_path: Path,
                             capfd: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "work"
    work.mkdir()
    code = cli.main(["run", "--dir", f"{work}::/sandbox", "--dir", f"{tmp_path}::/ro",
                     str(PROGRAMS / "files.wasm"), "/sandbox"], api=runtime)
    assert code == 0
    out, _ = capfd.readouterr()
    expected = (ROOT / "tests" / "wasi" / "expected" / "files.txt").read_text()
    assert out == expected
    assert (work / "sub2" / "f1").exists()


def test_run_dir_without_guest_name(runtime: Any, tmp_path: Path,
                                    capfd: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["run", "--dir", str(tmp_path), str(PROGRAMS / "poll.wasm"), str(tmp_path)],
                    api=runtime)
    assert code == 0
    assert (tmp_path / "p.txt").read_text() == "12345"


def test_run_trap_exit_status(runtime: Any, capfd: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", str(PROGRAMS / "exit.wasm"), "trap"], api=runtime) == 134
    out, err = capfd.readouterr()
    assert out == "exiting\n"
    assert "unreachable" in err
    assert "error: failed to run" in err


def test_invoke(runtime: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    wat = tmp_path / "add.wat"
    wat.write_text(ADD_WAT)
    assert cli.main(["run", "--invoke", "add", str(wat), "2", "40"], api=runtime) == 0
    assert capfd.readouterr().out == "42\n"
    assert cli.main(["run", "--invoke", "add", str(wat), "-1", "0x10"], api=runtime) == 0
    assert capfd.readouterr().out == "15\n"
    assert cli.main(["run", "--invoke", "mix", str(wat), "-5", "2.5"], api=runtime) == 0
    assert capfd.readouterr().out == "-5\n2.5\n"


def test_invoke_errors(runtime: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    wat = tmp_path / "add.wat"
    wat.write_text(ADD_WAT)
    assert cli.main(["run", "--invoke", "add", str(wat), "2"], api=runtime) == 1
    assert "takes 2 argument(s) (i32, i32), 1 given" in capfd.readouterr().err
    assert cli.main(["run", "--invoke", "add", str(wat), "2", "x"], api=runtime) == 1
    assert "invalid i32 argument 'x'" in capfd.readouterr().err
    assert cli.main(["run", "--invoke", "nope", str(wat)], api=runtime) == 1
    assert "exports no function named `nope`" in capfd.readouterr().err
    assert cli.main(["run", "--invoke", "boom", str(wat)], api=runtime) == 134
    assert "unreachable" in capfd.readouterr().err
    assert cli.main(["run", str(wat)], api=runtime) == 1
    assert "exports no `_start` function" in capfd.readouterr().err


def test_run_missing_file(runtime: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", str(tmp_path / "nothing.wasm")], api=runtime) == 1
    assert "cannot read" in capfd.readouterr().err


def test_run_invalid_module(runtime: Any, tmp_path: Path,
                            capfd: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"\0asm\1\0\0\0\1")
    assert cli.main(["run", str(bad)], api=runtime) == 1
    assert "error:" in capfd.readouterr().err


def test_preload(runtime: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    lib = tmp_path / "lib.wat"
    lib.write_text('(module (func (export "twice") (param i32) (result i32) '
                   "local.get 0 i32.const 2 i32.mul))")
    main = tmp_path / "main.wat"
    main.write_text('(module (import "lib" "twice" (func $t (param i32) (result i32))) '
                    '(func (export "f") (param i32) (result i32) local.get 0 call $t))')
    assert cli.main(["run", "--preload", f"lib={lib}", "--invoke", "f", str(main), "21"],
                    api=runtime) == 0
    assert capfd.readouterr().out == "42\n"
    assert cli.main(["run", "--preload", "nolib", "--invoke", "f", str(main), "1"],
                    api=runtime) == 1
    assert "--preload expects NAME=PATH" in capfd.readouterr().err


def test_fuel(runtime: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    wat = tmp_path / "loop.wat"
    wat.write_text('(module (func (export "spin") (loop (br 0))))')
    assert cli.main(["run", "--fuel", "10000", "--invoke", "spin", str(wat)], api=runtime) == 134
    assert "fuel" in capfd.readouterr().err.lower()
    assert cli.main(["run", "--fuel", "10000", str(PROGRAMS / "exit.wasm"), "5"],
                    api=runtime) == 5


def test_hello_wat(runtime: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    hello = tmp_path / "hello.wat"
    hello.write_text(HELLO_WAT)
    assert cli.main(["run", str(hello)], api=runtime) == 0
    assert capfd.readouterr().out == "Hello, world!\n"


def test_validate(runtime: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.wat"
    good.write_text(ADD_WAT)
    assert cli.main(["validate", str(good)], api=runtime) == 0
    assert cli.main(["validate", str(PROGRAMS / "files.wasm")], api=runtime) == 0
    bad = tmp_path / "bad.wat"
    bad.write_text('(module (func (result i32) i64.const 1))')
    assert cli.main(["validate", str(bad)], api=runtime) == 1
    assert "type mismatch" in capfd.readouterr().err


def test_wat2wasm(runtime: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "add.wat"
    src.write_text(ADD_WAT)
    assert cli.main(["wat2wasm", str(src)], api=runtime) == 0
    binary = (tmp_path / "add.wasm").read_bytes()
    assert binary.startswith(b"\0asm\1\0\0\0")
    out = tmp_path / "other.wasm"
    assert cli.main(["wat2wasm", str(src), "-o", str(out)], api=runtime) == 0
    assert out.read_bytes() == binary
    bad = tmp_path / "bad.wat"
    bad.write_text("(module (func (i32.bogus)))")
    assert cli.main(["wat2wasm", str(bad)], api=runtime) == 1
    assert "error:" in capfd.readouterr().err


# end to end: python -m wasmrt ------------------------------------------------------


def test_help() -> None:
    result = wasmrt_cli("--help")
    assert result.returncode == 0
    text = result.stdout.decode()
    for word in ("run", "wast", "validate", "wat2wasm", "wasmrt run hello.wasm"):
        assert word in text
    run_help = wasmrt_cli("run", "--help").stdout.decode()
    for flag in ("--dir HOST[::GUEST]", "--env KEY[=VALUE]", "--invoke NAME", "--fuel N",
                 "--preload NAME=PATH"):
        assert flag in run_help


def test_usage_error() -> None:
    result = wasmrt_cli("run")
    assert result.returncode == 2
    assert b"FILE" in result.stderr


@pytest.mark.usefixtures("runnable_wasmrt")
class TestEndToEnd:
    def test_exit_codes(self) -> None:
        for code in ("0", "1", "42", "255"):
            result = wasmrt_cli("run", str(PROGRAMS / "exit.wasm"), code)
            assert result.returncode == int(code)
            assert result.stdout == b"exiting\n"
            assert result.stderr == b"to stderr\n"

    def test_trap(self) -> None:
        result = wasmrt_cli("run", str(PROGRAMS / "exit.wasm"), "trap")
        assert result.returncode == 134
        assert result.stdout == b"exiting\n"
        err = result.stderr.decode()
        assert "to stderr" in err and "unreachable" in err
        assert "wasm backtrace" in err

    def test_stdin_stdout_stderr(self) -> None:
        result = wasmrt_cli("run", str(PROGRAMS / "stdin.wasm"), stdin=b"abc\ndef\n")
        assert result.returncode == 0
        assert result.stdout == b"ABC\nDEF\n"
        assert result.stderr == b"read 8 bytes, last read 0\n"

    def test_env_is_not_inherited(self) -> None:
        result = wasmrt_cli("run", str(PROGRAMS / "args_env.wasm"),
                            env={**os.environ, "SECRET": "x"})
        assert b"SECRET" not in result.stdout
        assert b"envc=0" in result.stdout

    def test_readme_hello(self) -> None:
        result = wasmrt_cli("run", "examples/hello.wat", cwd=ROOT)
        assert result.returncode == 0
        assert result.stdout == b"Hello, world!\n"

    def test_dir_and_files(self, tmp_path: Path) -> None:
        work = tmp_path / "work"
        work.mkdir()
        result = wasmrt_cli("run", "--dir", f"{work}::/sandbox", "--dir", f"{tmp_path}::/ro",
                            str(PROGRAMS / "files.wasm"), "/sandbox")
        assert result.returncode == 0, result.stderr
        assert result.stdout.decode() == (
            ROOT / "tests" / "wasi" / "expected" / "files.txt").read_text()

    def test_wat2wasm_and_validate(self, tmp_path: Path) -> None:
        src = tmp_path / "add.wat"
        src.write_text(ADD_WAT)
        assert wasmrt_cli("wat2wasm", str(src), "-o", str(tmp_path / "a.wasm")).returncode == 0
        assert wasmrt_cli("validate", str(tmp_path / "a.wasm")).returncode == 0
        result = wasmrt_cli("run", "--invoke", "add", str(tmp_path / "a.wasm"), "1", "2")
        assert (result.returncode, result.stdout) == (0, b"3\n")

    def test_wast(self, tmp_path: Path) -> None:
        script = tmp_path / "t.wast"
        script.write_text(ADD_WAT + '(assert_return (invoke "add" (i32.const 1) (i32.const 2))'
                                    " (i32.const 3))\n")
        result = wasmrt_cli("wast", str(script))
        assert result.returncode == 0, result.stdout + result.stderr
        script.write_text(ADD_WAT + '(assert_return (invoke "add" (i32.const 1) (i32.const 2))'
                                    " (i32.const 4))\n")
        result = wasmrt_cli("wast", str(script))
        assert result.returncode == 1


# the C stack: a long loop needs none (the release and the debug build alike) ------------

LOOP_WAT = """(module
  (func (export "count") (param $n i32) (result i32) (local $acc i32)
    (loop $top
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 3)) (local.get $n)))
      (br_if $top (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc)))
"""


def _loop_result(n: int) -> int:
    acc = 0
    while n:
        acc = (acc * 3 + n) & 0xFFFFFFFF
        n -= 1
    return acc - (1 << 32) if acc >= 1 << 31 else acc


def wasmrt_cli_8_mib(*args: str) -> subprocess.CompletedProcess[bytes]:
    """``python -m wasmrt ARGS...`` with the C stack limited to 8 MiB (the usual default):
    each wasm instruction's handler tail-calls the next one, so a long loop runs in one C
    frame; without that (a build that lost the sibling calls) it overflows the stack."""
    import resource

    def limit_stack() -> None:
        hard = resource.getrlimit(resource.RLIMIT_STACK)[1]
        soft = 8 << 20 if hard == resource.RLIM_INFINITY else min(8 << 20, hard)
        resource.setrlimit(resource.RLIMIT_STACK, (soft, hard))

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "wasmrt", *args], capture_output=True,
                          env=env, preexec_fn=limit_stack, timeout=300, check=False)


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_STACK is POSIX")
def test_a_long_loop_runs_in_8_mib_of_c_stack(tmp_path: Path) -> None:
    src = tmp_path / "loop.wat"
    src.write_text(LOOP_WAT)
    n = 3_000_000  # 12 million handlers: far more C frames than 8 MiB holds
    result = wasmrt_cli_8_mib("run", "--invoke", "count", str(src), str(n))
    assert (result.returncode, result.stdout) == (0, f"{_loop_result(n)}\n".encode()), \
        result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_STACK is POSIX")
def test_a_bench_program_runs_in_8_mib_of_c_stack(bench_dir: Path) -> None:
    from benchmarks.programs import load_programs

    sieve = next(p for p in load_programs(bench_dir) if p.name == "sieve")
    result = wasmrt_cli_8_mib("run", "--invoke", "run", str(sieve.path), str(sieve.n))
    assert (result.returncode, result.stdout) == (0, f"{sieve.checksum}\n".encode()), \
        result.stderr
