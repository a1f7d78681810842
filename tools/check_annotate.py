"""Check that the hot handler code has no Python interaction, from `cython -a` output.

Usage: ``python tools/check_annotate.py [HTML_DIR]``.  Without HTML_DIR it copies
``wasmrt/`` to a temporary directory and runs ``cython -a`` on ``_interp.pyx`` there
(one HTML page per included ``.pxi``).  Every line between ``# hot:begin`` and
``# hot:end`` must score 0 (white: no Python C-API calls).  Exit status 1 lists offenders.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r'<pre class="cython line score-(\d+)"[^>]*>(.*?)</pre>', re.DOTALL)


def hot_offenders(page: Path) -> list[str]:
    """Lines of `page` inside hot:begin/hot:end markers that score above 0."""
    bad = []
    hot = False
    for score, raw in LINE.findall(page.read_text()):
        text = re.sub(r"<[^>]+>", "", html.unescape(raw))
        if "# hot:begin" in text:
            hot = True
        elif "# hot:end" in text:
            hot = False
        elif hot and int(score) > 0:
            bad.append(f"{page.name}: score {score}: {text.strip()}")
    return bad


def annotate(into: Path) -> Path:
    """Run `cython -a` on a copy of wasmrt/_interp.pyx; the directory holding the pages."""
    pkg = into / "wasmrt"
    shutil.copytree(ROOT / "wasmrt", pkg, ignore=shutil.ignore_patterns("*.so", "*.c", "*.html"))
    subprocess.run([sys.executable, "-m", "cython", "-3", "-a", "-I", str(pkg / "include"),
                    str(pkg / "_interp.pyx")], check=True, capture_output=True, text=True)
    return pkg


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(argv[0]) if argv else annotate(Path(tmp))
        pages = sorted(where.glob("_interp*.html"))
        if not pages:
            print(f"no _interp*.html pages in {where}")
            return 1
        bad = [line for page in pages for line in hot_offenders(page)]
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
