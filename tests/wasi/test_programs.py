"""The C test programs of tests/wasi/src, run end to end on each engine.

Each program prints what every call returned (and errno), so a run is compared with the
expected output in tests/wasi/expected/, and, where wasmtime-py's own WASI agrees with
preview1 as written, with a run under it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from wasmrt.errors import Trap

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected"


def sandbox_dirs(tmp_path: Path) -> tuple[Path, Path, list[tuple[Path, str, bool]]]:
    """An empty writable preopen ``/sandbox`` and a read-only ``/ro`` holding ``ro.txt``."""
    rw = tmp_path / "rw"
    ro = tmp_path / "ro"
    rw.mkdir()
    ro.mkdir()
    (ro / "ro.txt").write_text("readonly")
    return rw, ro, [(rw, "/sandbox", True), (ro, "/ro", False)]


@pytest.mark.parametrize("name", ["files", "sandbox", "clocks", "paths"])
def test_program_output(run: Any, tmp_path: Path, name: str) -> None:
    _, _, preopens = sandbox_dirs(tmp_path)
    result = run(name, args=["prog", "/sandbox", "/ro"], preopens=preopens)
    assert result.stderr == b""
    assert result.code == 0
    assert result.stdout.decode() == (EXPECTED / f"{name}.txt").read_text()


# paths: the errno of every path function on trailing slashes, dangling and other
# symbolic links, directories and missing names (392 calls), as wasmtime's WASI gives it
@pytest.mark.parametrize("name", ["files", "sandbox", "paths"])
def test_same_as_wasmtime_wasi(run: Any, native: Any, tmp_path: Path, name: str) -> None:
    (tmp_path / "ours").mkdir()
    _, _, preopens = sandbox_dirs(tmp_path / "ours")
    ours = run(name, args=["prog", "/sandbox", "/ro"], preopens=preopens)
    (tmp_path / "theirs").mkdir()
    _, _, preopens = sandbox_dirs(tmp_path / "theirs")
    theirs = native(name, args=["prog", "/sandbox", "/ro"], preopens=preopens)
    assert (ours.code, ours.stdout.decode()) == (theirs.code, theirs.stdout.decode())


def test_sandbox_leaves_host_untouched(run: Any, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("secret")
    rw, ro, preopens = sandbox_dirs(outside)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run("sandbox", args=["prog", "/sandbox", "/ro"], preopens=preopens)
    assert result.code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert sorted(p.name for p in outside.iterdir()) == ["ro", "rw", "secret"]
    assert sorted(p.name for p in ro.iterdir()) == ["ro.txt"]
    assert (ro / "ro.txt").read_text() == "readonly"
    # the guest made its links, but each one points where it says, none was followed out
    assert os.readlink(rw / "up") == ".."
    assert not (rw / "stolen.txt").exists()


def test_files_program_leaves_expected_tree(run: Any, tmp_path: Path) -> None:
    rw, _, preopens = sandbox_dirs(tmp_path)
    assert run("files", args=["prog", "/sandbox"], preopens=preopens).code == 0
    assert sorted(os.listdir(rw)) == ["dangling", "dirlink", "loop1", "loop2", "nowhere", "sub2"]
    assert (rw / "sub2" / "f1").read_text() == ""
    assert (rw / "sub2" / "f1").stat().st_mtime == 42


ARGS = ["prog", "plain", 'with "double" quotes', "it's", "new\nline", "tab\there", "",
        "ünïcødé", "$HOME", "a=b"]
ENV = [("SIMPLE", "1"), ("QUOTED", 'say "hi"'), ("MULTI", "line1\nline2"), ("EMPTY", ""),
       ("EQ", "a=b=c")]


def escaped(s: str) -> str:
    out = []
    for b in s.encode():
        if b == 0x0A:
            out.append("\\n")
        elif b == 0x22:
            out.append('\\"')
        elif b == 0x5C:
            out.append("\\\\")
        elif b < 0x20 or b >= 0x7F:
            out.append(f"\\x{b:02x}")
        else:
            out.append(chr(b))
    return '"' + "".join(out) + '"'


def test_args_and_env(run: Any) -> None:
    result = run("args_env", args=ARGS, env=ENV)
    assert result.code == 0
    lines = [f"argc={len(ARGS)}"]
    lines += [f"argv[{i}]={escaped(a)}" for i, a in enumerate(ARGS)]
    lines += [f"env {escaped(k + '=' + v)}" for k, v in ENV]
    lines += [f"envc={len(ENV)}", "HOME unset"]
    assert result.stdout.decode().splitlines() == lines


def test_args_and_env_same_as_wasmtime_wasi(run: Any, native: Any) -> None:
    assert run("args_env", args=ARGS, env=ENV).stdout == native("args_env", args=ARGS, env=ENV).stdout


def test_no_args_no_env_by_default(run: Any) -> None:
    result = run("args_env", args=[], env=[])
    assert result.stdout.decode().splitlines() == ["argc=0", "envc=0", "HOME unset"]


@pytest.mark.parametrize("code", [0, 1, 7, 42, 255])
def test_exit_code(run: Any, code: int) -> None:
    result = run("exit", args=["exit", str(code)])
    assert result.code == code
    assert result.stdout == b"exiting\n"
    assert result.stderr == b"to stderr\n"


def test_return_from_main_is_exit(run: Any) -> None:
    assert run("exit", args=["exit", "return", "9"]).code == 9
    assert run("exit", args=["exit"]).code == 0


@pytest.mark.parametrize("how", ["trap", "abort"])
def test_trap_ends_program(run: Any, how: str) -> None:
    with pytest.raises(Exception) as info:
        run("exit", args=["exit", how])
    assert "unreachable" in str(info.value)
    if isinstance(info.value, Trap):
        assert info.value.frames


def test_stdin_bytes(run: Any) -> None:
    data = b"hello stdin\nsecond line, longer than one read\n"
    result = run("stdin", stdin=data)
    assert result.stdout == data.upper()
    assert result.stderr == f"read {len(data)} bytes, last read 0\n".encode()


def test_stdin_empty_by_default(run: Any) -> None:
    result = run("stdin")
    assert result.stdout == b""
    assert result.stderr == b"read 0 bytes, last read 0\n"


def test_poll(run: Any, tmp_path: Path) -> None:
    _, _, preopens = sandbox_dirs(tmp_path)
    result = run("poll", args=["poll", "/sandbox"], stdin=b"typed", preopens=preopens)
    assert result.code == 0
    assert result.stdout.decode() == (EXPECTED / "poll.txt").read_text()


def test_store_set_wasi_and_linker_define_wasi(runnable_wasmrt: Any, tmp_path: Path) -> None:
    """wasmrt's own glue: ``Store.set_wasi(config)`` + ``Linker.define_wasi()``."""
    wasmrt = runnable_wasmrt
    out: list[bytes] = []
    config = wasmrt.WasiConfig()
    config.argv = ["exit", "return", "0"]
    config.stdout = out.append
    engine = wasmrt.Engine()
    store = wasmrt.Store(engine)
    store.set_wasi(config)
    linker = wasmrt.Linker(engine)
    linker.define_wasi()
    module = wasmrt.Module.from_file(engine, str(HERE / "wasm" / "exit.wasm"))
    instance = linker.instantiate(store, module)
    instance.exports(store)["_start"](store)
    assert out == [b"exiting\n"]
