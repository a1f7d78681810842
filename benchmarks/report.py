"""Sections of BENCHMARKS.md written by the benchmarks other than ``compare``.

``python -m benchmarks compare --write BENCHMARKS.md`` writes the whole file; a benchmark
of its own (``bench_sandbox_server``, ``examples/dask_batch.py``) puts its table into a
section between ``<!-- begin NAME -->`` and ``<!-- end NAME -->`` (``write_section``),
which ``compare`` carries over when it rewrites the file (``kept_sections``).
"""

from __future__ import annotations

import re
from pathlib import Path

_SECTION = re.compile(r"<!-- begin (?P<name>[\w-]+) -->\n.*?<!-- end (?P=name) -->\n", re.DOTALL)


def section(name: str, text: str) -> str:
    """``text`` as the section ``name``."""
    return f"<!-- begin {name} -->\n{text.rstrip()}\n<!-- end {name} -->\n"


def write_section(path: Path, name: str, text: str) -> None:
    """Put ``text`` into ``path`` as the section ``name``: in place of that section if the
    file has it, else at its end."""
    old = path.read_text() if path.exists() else ""
    new = section(name, text)
    for match in _SECTION.finditer(old):
        if match["name"] == name:
            path.write_text(old[:match.start()] + new + old[match.end():])
            return
    path.write_text(old + ("\n" if old and not old.endswith("\n\n") else "") + new)


def kept_sections(path: Path) -> str:
    """The sections of ``path`` (as they are there), for a rewrite of the file to keep."""
    if not path.exists():
        return ""
    return "\n".join(m[0] for m in _SECTION.finditer(path.read_text()))
