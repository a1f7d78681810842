"""Proof of the dispatch design: no Python in the handlers, every handler ends in a jump."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from wasmrt import _interp

ROOT = Path(__file__).resolve().parents[2]

import check_annotate


def test_hot_code_has_no_python_interaction(tmp_path: Path) -> None:
    pytest.importorskip("Cython", reason="cython -a needs Cython")
    pages = check_annotate.annotate(tmp_path)
    offenders = [line for page in sorted(pages.glob("_interp*.html"))
                 for line in check_annotate.hot_offenders(page)]
    assert not offenders, "\n".join(offenders)
    assert (pages / "_interp_loop.html").exists() and (pages / "_interp_ops.html").exists()


def test_annotation_check_catches_python_lines(tmp_path: Path) -> None:
    page = tmp_path / "x.html"
    page.write_text('<pre class="cython line score-0">x # hot:begin</pre>'
                    '<pre class="cython line score-7">y = obj.attr</pre>'
                    '<pre class="cython line score-0"># hot:end</pre>'
                    '<pre class="cython line score-9">outside</pre>')
    assert check_annotate.hot_offenders(page) == ["x.html: score 7: y = obj.attr"]


def test_every_handler_ends_in_an_indirect_jump() -> None:
    objdump = shutil.which("objdump")
    if objdump is None:
        pytest.skip("objdump (binutils) not installed")
    so = Path(_interp.__file__)
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(so)], capture_output=True,
                         text=True, check=True).stdout
    bodies = re.split(r"\n(?=[0-9a-f]+ <)", out)
    handlers = {}
    for body in bodies:
        m = re.match(r"[0-9a-f]+ <__pyx_f_6wasmrt_7_interp_h_(\w+)>:", body)
        if m:
            handlers[m.group(1)] = body
    if not handlers:
        pytest.skip("handler symbols not found (stripped build)")
    # these stop the chain instead of dispatching (a throw returns to the entry, whose
    # unwinder continues at the handler it finds)
    terminal = {"exit", "unreachable", "throw", "throw_ref"}
    missing = [n for n, b in handlers.items() if n not in terminal and not re.search(r"jmp\s+\*", b)]
    assert not missing, f"handlers without a tail jump (sibling call lost): {missing}"
    # only slow paths call out indirectly: memory.grow (mem_grow lives in _memory) and the
    # host half of a call (into CPython)
    slow = {"memory_grow", "memory_grow_m", "call_host"}
    calls = [n for n, b in handlers.items() if re.search(r"call\s+\*", b) and n not in slow]
    assert not calls, f"handlers making indirect calls: {calls}"
