"""The instruction set: generated files are current, every op has a handler."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from wasmrt import _interp, _isa_names

ROOT = Path(__file__).resolve().parents[2]


def test_generated_files_are_current() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_isa.py"), "--check"],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_op_has_a_handler() -> None:
    assert _interp.handler_table_complete()


def test_names_and_cells_agree() -> None:
    assert len(_isa_names.NAMES) == len(_isa_names.NCELLS) == len(_isa_names.LAYOUT)
    for name, n, layout in zip(_isa_names.NAMES, _isa_names.NCELLS, _isa_names.LAYOUT):
        assert n == 1 + len(layout), name
