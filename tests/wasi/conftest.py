"""Running WASI programs in tests: one body, several engines.

``run_wasi(...)`` runs a WASI command and returns its exit code, stdout and stderr.  The
``runtime`` fixture (tests/conftest.py) chooses who executes the wasm code: ``wasmrt``
or wasmtime-py (a development oracle for
``wasmrt.wasi``, which provides WASI in both cases; skips when wasmtime-py is absent).

``run_native_wasi`` runs the same program under wasmtime-py's own WASI implementation, the
reference that the outputs are compared with.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from wasmrt import wasi
from wasmrt.errors import ExitTrap

WASI_DIR = Path(__file__).resolve().parent
WASM_DIR = WASI_DIR / "wasm"


def program(name: str) -> Path:
    """The built test program ``tests/wasi/wasm/NAME.wasm``."""
    return WASM_DIR / f"{name}.wasm"


@dataclass
class Result:
    code: int
    stdout: bytes
    stderr: bytes


def make_config(args: list[str | bytes] | None = None, env: list[tuple[str, str]] | None = None,
                stdin: bytes | None = None,
                preopens: list[tuple[Path | str, str, bool]] | None = None) -> wasi.WasiConfig:
    config = wasi.WasiConfig()
    config.argv = list(args if args is not None else ["prog"])
    config.env = env or []
    if stdin is not None:
        config.stdin = stdin
    for host, guest, mutable in preopens or []:
        config.preopen_dir(str(host), guest, mutable)
    return config


def run_wasi(api: Any, wasm: Path | bytes, args: list[str | bytes] | None = None,
             env: list[tuple[str, str]] | None = None, stdin: bytes | None = None,
             preopens: list[tuple[Path | str, str, bool]] | None = None) -> Result:
    """Run the WASI command ``wasm`` with ``api`` executing it and ``wasmrt.wasi`` as WASI."""
    config = make_config(args, env, stdin, preopens)
    out: list[bytes] = []
    err: list[bytes] = []
    config.stdout = out.append
    config.stderr = err.append
    engine = api.Engine()
    store = api.Store(engine)
    linker = api.Linker(engine)
    data = wasm.read_bytes() if isinstance(wasm, Path) else wasm
    module = api.Module(engine, data)
    with wasi.WasiContext(config) as ctx:
        wasi.define_wasi(linker, ctx)
        instance = linker.instantiate(store, module)
        try:
            instance.exports(store)["_start"](store)
            code = 0
        except ExitTrap as exc:
            code = exc.code
    return Result(code, b"".join(out), b"".join(err))


def run_native_wasi(wasm: Path, args: list[str | bytes] | None = None,
                    env: list[tuple[str, str]] | None = None, stdin: bytes | None = None,
                    preopens: list[tuple[Path | str, str, bool]] | None = None,
                    tmp: Path | None = None) -> Result:
    """Run ``wasm`` under wasmtime-py's own WASI (the reference); skips without wasmtime."""
    wt = pytest.importorskip("wasmtime", reason="wasmtime-py (the oracle) is not installed")
    assert tmp is not None
    config = wt.WasiConfig()
    config.argv = [a if isinstance(a, str) else a.decode() for a in (args or ["prog"])]
    config.env = env or []
    stdin_path = tmp / "native-stdin"
    stdin_path.write_bytes(stdin or b"")
    config.stdin_file = str(stdin_path)
    config.stdout_file = str(tmp / "native-stdout")
    config.stderr_file = str(tmp / "native-stderr")
    for host, guest, mutable in preopens or []:
        config.preopen_dir(str(host), guest, mutable)
    engine = wt.Engine()
    store = wt.Store(engine)
    linker = wt.Linker(engine)
    linker.define_wasi()
    store.set_wasi(config)
    instance = linker.instantiate(store, wt.Module.from_file(engine, str(wasm)))
    try:
        instance.exports(store)["_start"](store)
        code = 0
    except wt.ExitTrap as exc:
        code = exc.code
    return Result(code, (tmp / "native-stdout").read_bytes(), (tmp / "native-stderr").read_bytes())


def fresh_dir(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    os.chmod(path, 0o755)
    return path


@pytest.fixture
def run(runtime: Any) -> Any:
    """``run(wasm, args=..., env=..., stdin=..., preopens=...) -> Result`` on ``runtime``."""

    def runner(wasm: Path | str | bytes, **kwargs: Any) -> Result:
        if isinstance(wasm, str):
            wasm = program(wasm)
        return run_wasi(runtime, wasm, **kwargs)

    return runner


@pytest.fixture
def native(tmp_path: Path) -> Any:
    """``native(wasm, ...) -> Result``: the same run under wasmtime-py's own WASI."""

    def runner(wasm: Path | str, **kwargs: Any) -> Result:
        if isinstance(wasm, str):
            wasm = program(wasm)
        out = tmp_path / "native-io"
        out.mkdir(exist_ok=True)
        return run_native_wasi(wasm, tmp=out, **kwargs)

    return runner
