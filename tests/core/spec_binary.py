"""Spec-suite driver for the front end: the decode/validate outcome of every module.

Used by ``test_spec_front.py``: converts each ``.wast`` of the Wasm 2.0 suite to binary
modules with ``wasm-tools json-from-wast`` (a test-only tool) and lists, per module, the
phase the spec expects (accept, malformed, invalid) and the expected message.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# The module must decode and validate: plain modules, and those of assertions that
# happen after validation.
ACCEPT_KINDS = ("module", "assert_unlinkable", "assert_uninstantiable")


@dataclass(frozen=True)
class Case:
    """One module of a script: ``expect`` is "valid", "malformed" or "invalid"."""

    wast: str
    line: int
    path: Path
    expect: str
    text: str


def wasm_tools() -> str | None:
    """The ``wasm-tools`` executable, if installed."""
    return shutil.which("wasm-tools")


def convert(wast: Path, out_dir: Path) -> list[Case]:
    """Convert one ``.wast`` to binaries under ``out_dir``; return its binary cases."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / (wast.stem + ".json")
    if not json_path.exists():
        subprocess.run(
            ["wasm-tools", "json-from-wast", str(wast), "-o", str(json_path), "--wasm-dir", str(out_dir)],
            check=True,
            capture_output=True,
            timeout=300,
        )
    cases = []
    for cmd in json.loads(json_path.read_text())["commands"]:
        kind = cmd["type"]
        if "filename" not in cmd:
            continue
        fname = cmd.get("binary_filename", cmd["filename"])
        if not fname.endswith(".wasm"):
            continue
        if kind in ACCEPT_KINDS:
            expect = "valid"
        elif kind == "assert_invalid":
            expect = "invalid"
        elif kind == "assert_malformed" and cmd.get("module_type") == "binary":
            expect = "malformed"
        else:
            continue
        cases.append(Case(wast.stem, cmd["line"], out_dir / fname, expect, cmd.get("text", "")))
    return cases
