"""The long fuzz run (``make fuzz``): ``python -m tests.robustness.fuzz --seconds 1800``.

Cycles through the targets of ``tests.robustness.targets`` (decoder/validator on raw and
mutated modules, text parser on raw and token-edited text), through ``wasm-tools smith``
modules (execution, the wasmtime-py differential when installed, and the native tier
against the interpreter and wasmtime-py when llvmlite is installed) and through the
lowerer's shapes (``tests.robustness.patterns``, against wasmtime-py) until the time is up,
then prints the case count per target.  An input that raises anything but the allowed
exceptions, or diverges from wasmtime, is saved under ``--findings`` and reported; the input
being run is kept in ``<findings>/current.*`` so a hard crash leaves it behind.  With
``--atheris`` (and atheris installed) the decoder target runs under atheris instead.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.robustness import targets
from tests.robustness.patterns import pattern_module
from tests.robustness.smith import observe, observe_tiers, smith, wasm_tools


def _save(findings: Path, name: str, data: bytes, error: str) -> None:
    findings.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(data).hexdigest()[:16]
    (findings / f"{name}-{digest}.bin").write_bytes(data)
    (findings / f"{name}-{digest}.txt").write_text(error)
    print(f"FINDING {name} {digest}: {error.splitlines()[-1] if error else ''}", flush=True)


def _native_ok() -> bool:
    from wasmrt import _native

    return _native.available()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1800.0)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--findings", type=Path, default=Path("build/fuzz-findings"))
    parser.add_argument("--atheris", action="store_true", help="run the decoder target under atheris")
    args = parser.parse_args(argv)

    if args.atheris:
        import atheris  # optional: pip install atheris

        atheris.Setup([sys.argv[0], f"-max_total_time={int(args.seconds)}"],
                      targets.decode_target)
        atheris.Fuzz()
        return 0

    rng = random.Random(args.seed)
    seeds = targets.seed_modules()
    exe = wasm_tools()
    try:
        import wasmtime
    except ImportError:  # the differential half needs wasmtime-py
        wasmtime = None
    import wasmrt

    def smith_diff(data: bytes, profile: str = "mvp") -> None:
        module = smith(exe, data, profile=profile) if exe else b""
        if not module:
            return
        ours = observe(wasmrt, module, profile=profile)
        if wasmtime is not None:
            theirs = observe(wasmtime, module, profile=profile)
            if ours != theirs:
                raise AssertionError(f"divergence: wasmrt {ours!r} != wasmtime {theirs!r}\n"
                                     f"module {module.hex()}")

    jobs: list[tuple[str, Callable[[], bytes], Callable[[bytes], Any]]] = [
        ("raw-bytes", lambda: rng.randbytes(rng.randint(0, 400)), targets.decode_target),
        ("mutated-module", lambda: targets.mutate(rng.choice(seeds), rng), targets.decode_target),
        ("raw-text", lambda: rng.randbytes(rng.randint(0, 200)),
         lambda d: targets.text_target(d.decode("latin-1"))),
        ("edited-text", lambda: targets.mutate_text(rng.choice(targets.SEED_WAT), rng).encode(),
         lambda d: targets.text_target(d.decode())),
    ]
    if exe:
        jobs.append(("smith-exec-diff", lambda: rng.randbytes(rng.randint(100, 4000)), smith_diff))
        jobs.append(("smith-memories-diff", lambda: rng.randbytes(rng.randint(100, 4000)),
                     lambda d: smith_diff(d, "memories")))
        jobs.append(("smith-exceptions-diff", lambda: rng.randbytes(rng.randint(100, 4000)),
                     lambda d: smith_diff(d, "exceptions")))
        jobs.append(("smith-gc-diff", lambda: rng.randbytes(rng.randint(100, 4000)),
                     lambda d: smith_diff(d, "gc")))
    if exe and _native_ok():
        def tier_diff(data: bytes) -> None:
            module = smith(exe, data)
            if module:
                diff = observe_tiers(wasmrt, module, wasmtime)
                if diff:
                    raise AssertionError("tiers diverge: " + "; ".join(diff)
                                         + f"\nmodule {module.hex()}")

        jobs.append(("smith-tier-diff", lambda: rng.randbytes(rng.randint(100, 4000)), tier_diff))

    if wasmtime is not None:
        def pattern_diff(data: bytes) -> None:
            module = bytes(wasmrt.wat2wasm(data.decode()))
            ours, theirs = observe(wasmrt, module), observe(wasmtime, module)
            if ours != theirs:
                raise AssertionError(f"divergence: wasmrt {ours!r} != wasmtime {theirs!r}")

        jobs.append(("pattern-diff", lambda: pattern_module(rng).encode(), pattern_diff))
    counts = {name: 0 for name, _, _ in jobs}
    found = 0
    deadline = time.monotonic() + args.seconds
    args.findings.mkdir(parents=True, exist_ok=True)
    print(f"fuzz: seed {args.seed}, {args.seconds:.0f}s, targets {', '.join(counts)}", flush=True)
    while time.monotonic() < deadline:
        for name, make, target in jobs:
            data = make()
            (args.findings / f"current.{name}").write_bytes(data)
            try:
                target(data)
            except Exception:  # noqa: BLE001 - anything escaping a target is a finding
                found += 1
                _save(args.findings, name, data, traceback.format_exc())
            counts[name] += 1
    total = sum(counts.values())
    print(f"fuzz: {total} cases, {found} findings: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
