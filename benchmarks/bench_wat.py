"""asv suite, phase *text*: WAT throughput of wasmrt.wat on the largest spec scripts.

    python -m benchmarks.bench_wat [--files N] [--repeat R] [--spec-dir DIR]

prints MB of source text per CPU second; ``asv`` runs the ``Wat`` class below.

For each script: ``parse_wast`` and then ``encode()`` of every module in it (text modules
go through the encoder, ``quote`` modules through the lexer and encoder, binary modules are
just bytes), i.e. all the text-format work a spec run does.  The best of ``repeat`` runs
is reported per file, with the total.  When wasmtime-py is installed, its ``wat2wasm``
(Rust, ``wast`` crate) is timed on the same modules as a reference point.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

from tests.suites import SPEC_2_0
from wasmrt import wat
from wasmrt.errors import WatError
from wasmrt.wast import ModuleSource, parse_wast


def default_spec_dir() -> Path:
    """The Wasm 2.0 spec suite as the tests find it (``tests/suites.py``), else its submodule
    path (which then fails the check in ``main`` with a message)."""
    return SPEC_2_0.find() or Path(SPEC_2_0.submodule)


def largest_scripts(spec_dir: Path, count: int) -> list[Path]:
    """The ``count`` largest ``.wast`` files of the spec suite."""
    files = sorted(spec_dir.glob("*.wast"), key=lambda p: p.stat().st_size, reverse=True)
    return files[:count]


def modules(cmds: list[Any]) -> list[ModuleSource]:
    """Every module source of a script (modules, and modules inside assertions)."""
    out = []
    for c in cmds:
        for attr in ("module", "target"):
            m = getattr(c, attr, None)
            if isinstance(m, ModuleSource):
                out.append(m)
    return out


def run_once(text: str, name: str) -> int:
    """Parse and encode one script; returns the number of modules (cold literal cache)."""
    wat._FLOAT_CACHE.clear()
    ms = modules(parse_wast(text, name))
    for m in ms:
        try:
            m.encode()
        except WatError:
            pass  # assert_malformed modules
    return len(ms)


def best_of(fn: Any, repeat: int) -> float:
    """Best CPU time (``time.process_time``) of ``repeat`` calls of ``fn``.

    CPU time rather than wall time: on a shared, loaded machine it is the stabler measure.
    """
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


_SPEC = default_spec_dir()
_SCRIPTS = {p.name: p for p in largest_scripts(_SPEC, 3)} if _SPEC.is_dir() else {}


class Wat:
    """Time to parse a whole spec script and encode every module in it."""

    params: ClassVar = (list(_SCRIPTS),)
    param_names: ClassVar = ["script"]

    def setup(self, script: str) -> None:
        if script not in _SCRIPTS:
            raise NotImplementedError("the spec test suite is not available")
        self.text = _SCRIPTS[script].read_text(encoding="utf-8")

    def time_parse_and_encode(self, script: str) -> None:
        run_once(self.text, script)


def main(argv: list[str] | None = None) -> int:
    """Print the throughput table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=5, help="how many of the largest scripts")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--spec-dir", type=Path, default=default_spec_dir())
    args = ap.parse_args(argv)
    if not any(args.spec_dir.glob("*.wast")):
        print(f"spec suite not found: {args.spec_dir} ({SPEC_2_0.missing()})", file=sys.stderr)
        return 2
    files = largest_scripts(args.spec_dir, args.files)
    try:
        import wasmtime  # type: ignore[import-not-found]
    except ImportError:
        wasmtime = None
    print(f"{'script':32} {'MB':>6} {'modules':>8} {'cpu s':>9} {'MB/s':>7}", end="")
    print(f" {'wasmtime wat2wasm MB/s':>23}" if wasmtime else "")
    total_mb = total_s = 0.0
    for path in files:
        text = path.read_text(encoding="utf-8")
        mb = len(text.encode()) / 1e6
        n = run_once(text, path.name)
        s = best_of(lambda text=text, name=path.name: run_once(text, name), args.repeat)
        total_mb += mb
        total_s += s
        print(f"{path.name:32} {mb:6.2f} {n:8d} {s:9.3f} {mb / s:7.2f}", end="")
        if wasmtime:
            texts = [m.text for m in modules(parse_wast(text, path.name)) if m.kind == "text"]
            mod_mb = sum(len(t.encode()) for t in texts) / 1e6

            def ref(texts: list[str] = texts) -> None:
                for t in texts:
                    wasmtime.wat2wasm(t)

            print(f" {mod_mb / best_of(ref, args.repeat):23.2f}", end="")
        print()
    print(f"{'total':32} {total_mb:6.2f} {'':8} {total_s:9.3f} {total_mb / total_s:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
