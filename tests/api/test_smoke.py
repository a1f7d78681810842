"""The public API's smoke test (``tests/smoke.py``, also run on every built wheel and on the
sdist's install) passes on this build."""

from __future__ import annotations

from tests.smoke import CHECKS, main


def test_smoke() -> None:
    lines: list[str] = []
    assert main(lines.append) == len(CHECKS)
    assert lines[-1] == f"smoke test passed: {len(CHECKS)} checks"
    assert [line for line in lines if line.startswith("ok: ")] == lines[1:-1]
