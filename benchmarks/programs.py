"""The benchmark programs of ``../shared/bench``: where they are and what they must return."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Program", "bench_dir", "load_programs", "micro_path", "shared_dir", "to_i32"]

_REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Program:
    """One program of ``benchmarks.json``: ``run(n)`` does ``n`` units of work.

    ``checksum_0``, ``checksum_small`` and ``checksum`` are the expected (signed i32)
    results of ``run(0)``, ``run(n_small)`` and ``run(n)``.
    """

    name: str
    path: Path
    n: int
    n_small: int
    unit: str
    checksum_0: int
    checksum_small: int
    checksum: int

    def wasm(self) -> bytes:
        """The program's binary module."""
        return self.path.read_bytes()

    def expected(self, n: int) -> int | None:
        """The expected checksum of ``run(n)``, or None when ``n`` is not a listed size."""
        return {0: self.checksum_0, self.n_small: self.checksum_small, self.n: self.checksum}.get(n)


def shared_dir() -> Path:
    """The team's shared data folder: ``../shared`` next to the checkout (or next to the
    folder of worktrees, for a git worktree such as ``wt/NAME``)."""
    for parent in (_REPO.parent, _REPO.parent.parent):
        if (parent / "shared").is_dir():
            return parent / "shared"
    return _REPO.parent / "shared"


def bench_dir() -> Path | None:
    """``$WASMRT_BENCH_DIR``, else ``shared_dir() / "bench"``; None if absent."""
    env = os.environ.get("WASMRT_BENCH_DIR")
    path = Path(env) if env else shared_dir() / "bench"
    return path if (path / "benchmarks.json").is_file() else None


def _manifest(directory: Path) -> dict:
    return json.loads((directory / "benchmarks.json").read_text())


def load_programs(directory: Path | None = None) -> list[Program]:
    """Every program of ``benchmarks.json``, in the file's order."""
    directory = directory or bench_dir()
    if directory is None:
        raise FileNotFoundError(
            "benchmark programs not found: set WASMRT_BENCH_DIR or provide ../shared/bench"
        )
    manifest = _manifest(directory)
    wasm_dir = directory / manifest.get("wasm_dir", "wasm")
    return [
        Program(
            name=b["name"],
            path=wasm_dir / b["file"],
            n=b["n"],
            n_small=b["n_small"],
            unit=b["unit"],
            checksum_0=b["checksum_0"],
            checksum_small=b["checksum_small"],
            checksum=b["checksum"],
        )
        for b in manifest["benchmarks"]
    ]


def micro_path(name: str, directory: Path | None = None) -> Path:
    """The ``.wasm`` of a micro-benchmark (``identity``, ``hostcall``, ``memory``)."""
    directory = directory or bench_dir()
    if directory is None:
        raise FileNotFoundError(
            "benchmark programs not found: set WASMRT_BENCH_DIR or provide ../shared/bench"
        )
    manifest = _manifest(directory)
    return directory / manifest.get("wasm_dir", "wasm") / manifest["micro"][name]


def to_i32(value: int) -> int:
    """``value`` as a signed 32-bit integer (runtimes differ in how they return i32)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value
