"""Every WASI benchmark program of ../shared/bench runs through the command line and prints
the checksum that benchmarks.json gives (``NAME-wasi.wasm [n]`` prints ``run(n)``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.programs import Program, bench_dir, load_programs
from wasmrt import cli


def wasi_file(program: Program) -> Path:
    return program.path.with_name(f"{program.name}-wasi.wasm")


PROGRAMS = [p for p in load_programs() if wasi_file(p).is_file()] if bench_dir() else []


def test_every_wasi_program_is_covered(bench_dir: Path) -> None:
    on_disk = sorted(p.name for p in (bench_dir / "wasm").glob("*-wasi.wasm"))
    assert on_disk and sorted(wasi_file(p).name for p in PROGRAMS) == on_disk


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_checksum_through_cli(runtime: Any, program: Program,
                              capfd: pytest.CaptureFixture[str]) -> None:
    for n in (0, program.n_small):
        assert cli.main(["run", str(wasi_file(program)), str(n)], api=runtime) == 0
        out, err = capfd.readouterr()
        assert (out, err) == (f"{program.expected(n)}\n", "")
