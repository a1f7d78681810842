"""Where the WebAssembly spec test suites are, found in one order for every suite.

1. the git submodule under ``third_party/`` (``git clone --recurse-submodules``, or
   ``git submodule update --init`` in an existing clone);
2. the suite's environment variable;
3. ``../shared/<folder>`` beside the checkout (or beside the folder of git worktrees).

A folder counts when it holds top-level ``.wast`` scripts: a submodule that was never
initialised is an empty folder, and the search goes on.  Both suites come from the same
repository, WebAssembly/testsuite, at two commits (``.gitmodules``): the Wasm 3.0 suite at
193e551 and the Wasm 2.0 one as it stood at 5a1a590.  They are two submodule paths, not one
checkout switched between commits, because a test run reads both at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from benchmarks.programs import shared_dir

__all__ = ["SPEC_2_0", "SPEC_3_0", "SpecSuite"]

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class SpecSuite:
    """One spec suite: its submodule path, environment variable and ``../shared`` folder."""

    name: str
    submodule: str
    env: str
    shared: str

    def candidates(self) -> list[Path]:
        """The folders looked at, in order (the variable only when it is set)."""
        env = os.environ.get(self.env)
        return [ROOT / self.submodule, *([Path(env)] if env else []), shared_dir() / self.shared]

    def find(self) -> Path | None:
        """The first candidate holding ``.wast`` scripts, or None."""
        return next((p for p in self.candidates() if any(p.glob("*.wast"))), None)

    def missing(self) -> str:
        """Why the suite's tests skip, and the three ways to provide it."""
        return (f"the Wasm {self.name} spec test suite was not found: run `git submodule update "
                f"--init {self.submodule}`, set {self.env}, or provide ../shared/{self.shared}")


SPEC_2_0 = SpecSuite("2.0", "third_party/testsuite-2.0", "WASMRT_SPEC_DIR", "spec-testsuite-2.0")
SPEC_3_0 = SpecSuite("3.0", "third_party/testsuite", "WASMRT_SPEC3_DIR", "spec-testsuite")
