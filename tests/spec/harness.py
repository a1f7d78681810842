"""The spec harness: runs one ``.wast`` in a child process and checks it against the
reviewed list of known failures (``expected_failures.txt``).

The scripts come in groups (``GROUPS``): the Wasm 2.0 suite run as Wasm 2.0 (every 3.0
option off), the Wasm 3.0 suite's top-level files with the default ``Config``, and the
proposals of the 3.0 suite wasmrt implements, each with its option on.  Every script is a
:class:`SpecFile` whose ``key`` names it in test ids and in the list: ``2.0/address.wast``,
``3.0/proposals/wide-arithmetic/wide-arithmetic.wast``.

Each script runs as ``python -X faulthandler -m wasmrt.script --json [options] FILE`` so
that a crash or a hang in the runtime fails that file alone, with the child's stderr in the
report.

``expected_failures.txt``: one entry per line, ``KEY:LINE  reason`` for one command (the
line of the command in the script), or ``KEY  reason`` for a whole file (a script the
parser rejects, or a whole proposal).  ``#`` starts a comment.  The list is strict: an
entry whose command passes fails the test, so the list only shrinks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.suites import SPEC_2_0, SPEC_3_0, SpecSuite
from wasmrt.script import Outcome, ScriptResult

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).with_name("expected_failures.txt")
#: Where the tests leave each file's ``Verdict`` for the table (``--spec-table``).
RESULTS = pytest.StashKey[dict]()
#: Seconds one script may take before it counts as hung.
TIMEOUT = float(os.environ.get("WASMRT_SPEC_TIMEOUT", "300"))
#: ``--spec-api`` values that are wasmrt (the last one with every module serialized and
#: deserialized): they are held to ``expected_failures.txt``.
NATIVE_APIS = ("wasmrt", "tests.spec.serialized_api")
#: Scripts run at once (each in its own child process).
JOBS = int(os.environ.get("WASMRT_SPEC_JOBS", str(min(2, os.cpu_count() or 1))))


@dataclass(frozen=True)
class SpecGroup:
    """Scripts of one suite run alike: ``patterns`` (globs under the suite's folder) with
    the ``wasmrt.script`` ``options``."""

    label: str
    suite: SpecSuite
    patterns: tuple[str, ...]
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class SpecFile:
    """One script of a group: ``key`` is ``<label>/<path in the suite>``."""

    key: str
    path: Path
    options: tuple[str, ...]


GROUPS: tuple[SpecGroup, ...] = (
    SpecGroup("2.0", SPEC_2_0, ("*.wast",), ("--wasm2",)),
    SpecGroup("3.0", SPEC_3_0, ("*.wast",)),
    # the legacy exception instructions (try/catch/catch_all/delegate/rethrow), accepted by
    # the default Config as V8 does (wasmtime rejects part of them)
    SpecGroup("3.0", SPEC_3_0, ("legacy/*.wast",)),
    SpecGroup(
        "3.0",
        SPEC_3_0,
        ("proposals/custom-page-sizes/*.wast",),
        ("--enable", "wasm_custom_page_sizes"),
    ),
    SpecGroup(
        "3.0", SPEC_3_0, ("proposals/wide-arithmetic/*.wast",), ("--enable", "wasm_wide_arithmetic")
    ),
    # the custom-descriptors proposal (exact reference types, descriptor/describes clauses
    # and their instructions) is not implemented: its files run with the default Config so
    # that what it shares with Wasm 3.0 is checked, and the rest is listed in
    # expected_failures.txt as the proposal's
    SpecGroup("3.0", SPEC_3_0, ("proposals/custom-descriptors/*.wast",)),
    # the threads proposal's suite is written against the MVP: Wasm 2.0 without reference
    # types (one memory, 32-bit, one table: its imports.wast rejects a second table)
    SpecGroup(
        "3.0",
        SPEC_3_0,
        ("proposals/threads/*.wast",),
        ("--wasm2", "--enable", "wasm_threads", "--disable", "wasm_reference_types"),
    ),
)


def spec_files(groups: tuple[SpecGroup, ...] = GROUPS) -> list[SpecFile]:
    """Every script of ``groups`` whose suite is present, in group then name order."""
    files = []
    for group in groups:
        root = group.suite.find()
        if root is None:
            continue
        for pattern in group.patterns:
            for path in sorted(root.glob(pattern)):
                key = f"{group.label}/{path.relative_to(root).as_posix()}"
                files.append(SpecFile(key, path, group.options))
    return files


@dataclass
class Expected:
    """The known failures: per file, the lines expected to fail and whole-file entries."""

    lines: dict[str, dict[int, str]] = field(default_factory=lambda: defaultdict(dict))
    files: dict[str, str] = field(default_factory=dict)


def load_expected(path: Path = EXPECTED) -> Expected:
    """Parse ``expected_failures.txt``; a malformed or duplicate entry raises ValueError."""
    expected = Expected()
    if not path.is_file():
        return expected
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        text = raw.split("#", 1)[0].strip() if raw.lstrip().startswith("#") else raw.strip()
        if not text:
            continue
        parts = text.split(None, 1)
        if len(parts) < 2:
            raise ValueError(f"{path.name}:{number}: entry without a reason: {raw!r}")
        key, reason = parts[0], parts[1].strip()
        name, _, line = key.partition(":")
        if not name.endswith(".wast") or (line and not line.isdigit()):
            raise ValueError(
                f"{path.name}:{number}: expected 'file.wast[:line]  reason', got {raw!r}"
            )
        if line:
            if int(line) in expected.lines[name]:
                raise ValueError(f"{path.name}:{number}: duplicate entry {key}")
            expected.lines[name][int(line)] = reason
        else:
            expected.files[name] = reason
    return expected


def child_env() -> dict[str, str]:
    """The environment of a script's child process: this one's, with the tree first on
    ``PYTHONPATH``.  Take it on the main thread: pytest sets and deletes
    ``PYTEST_CURRENT_TEST`` there, and copying ``os.environ`` on another thread meanwhile
    can fail with ``KeyError``."""
    return dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )


def run_file(
    path: Path,
    api: str = "wasmrt",
    options: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> ScriptResult:
    """Run one script in a child process (environment `env`, default ``child_env()``); a
    crash or timeout becomes ``ScriptResult.error``."""
    cmd = [
        sys.executable,
        "-X",
        "faulthandler",
        "-m",
        "wasmrt.script",
        "--json",
        "--api",
        api,
        *options,
        str(path),
    ]
    if env is None:
        env = child_env()
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False, cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        return ScriptResult(str(path), error=f"timed out after {TIMEOUT:.0f} s")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if lines:
        return ScriptResult.from_json(json.loads(lines[-1]))
    tail = "\n".join(proc.stderr.strip().splitlines()[-25:])
    return ScriptResult(str(path), error=f"runner exited with status {proc.returncode}:\n{tail}")


class ScriptPool:
    """Runs the selected scripts ``JOBS`` at a time, in test order, ahead of the tests that
    wait for them (the child processes do the work, so threads are enough)."""

    def __init__(self, files: list[SpecFile], api: str, jobs: int = JOBS):
        self._executor = ThreadPoolExecutor(max(jobs, 1), thread_name_prefix="wast")
        self._futures: dict[str, Future[ScriptResult]] = {}
        self.api = api
        env = child_env()   # here, on the main thread (see child_env)
        for f in files:
            self._futures[f.key] = self._executor.submit(run_file, f.path, api, f.options, env)

    def result(self, spec: SpecFile) -> ScriptResult:
        """The result of ``spec`` (run now if it was not scheduled)."""
        future = self._futures.get(spec.key)
        if future is not None:
            return future.result()
        return run_file(spec.path, self.api, spec.options)

    def close(self) -> None:
        """Stop scheduling; running children finish or time out."""
        self._executor.shutdown(wait=False, cancel_futures=True)


@dataclass
class Verdict:
    """How one file's run compares with the known failures."""

    name: str
    result: ScriptResult
    unexpected: list[Outcome] = field(default_factory=list)
    fixed: list[int] = field(default_factory=list)
    expected_failures: int = 0
    file_reason: str | None = None

    @property
    def ok(self) -> bool:
        """No unexpected failure and no stale entry."""
        return not self.unexpected and not self.fixed and not self.script_error

    @property
    def script_error(self) -> str | None:
        """The script-level error when it is not covered by a whole-file entry."""
        return None if self.file_reason else self.result.error

    def report(self) -> str:
        """What went wrong, one ``file:line`` per line."""
        out = [f"{self.name}:{o.line}: {o.command}: {o.reason}" for o in self.unexpected]
        if self.script_error:
            out.append(f"{self.name}: {self.script_error}")
        out += [
            f"{self.name}:{line}: now passes: remove it from tests/spec/expected_failures.txt"
            for line in self.fixed
        ]
        if self.file_reason and self.result.ok:
            out.append(
                f"{self.name}: now passes: remove the whole-file entry from expected_failures.txt"
            )
        return "\n".join(out)


def judge(name: str, result: ScriptResult, expected: Expected) -> Verdict:
    """Compare ``result`` with the known failures of file ``name``."""
    verdict = Verdict(name, result, file_reason=expected.files.get(name))
    failing_lines = {o.line for o in result.failures}
    known = expected.lines.get(name, {})
    if verdict.file_reason:
        verdict.expected_failures = len(result.failures)
        if result.ok:
            verdict.fixed.append(0)
        return verdict
    verdict.unexpected = [o for o in result.failures if o.line not in known]
    verdict.expected_failures = len(result.failures) - len(verdict.unexpected)
    if result.error is None:
        verdict.fixed = sorted(line for line in known if line not in failing_lines)
    return verdict


def format_table(verdicts: dict[str, Verdict]) -> str:
    """The ``make spec`` table: commands passed/failed per file, then the totals."""
    rows = [("file", "commands", "passed", "failed", "known", "status")]
    totals = [0, 0, 0, 0]
    for name in sorted(verdicts):
        v = verdicts[name]
        r = v.result
        n, p, f = len(r.outcomes), r.passed, len(r.failures)
        status = "ok" if v.ok else "FAIL"
        if r.error:
            status += " (script error)"
        rows.append((name, str(n), str(p), str(f), str(v.expected_failures), status))
        for i, x in enumerate((n, p, f, v.expected_failures)):
            totals[i] += x
    rows.append(
        (
            "total",
            *map(str, totals),
            f"{sum(v.ok for v in verdicts.values())}/{len(verdicts)} files ok",
        )
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    return "\n".join(lines) + "\n"


def write_expected(
    path: Path, verdicts: dict[str, Verdict], previous: Expected | None = None
) -> None:
    """Rewrite the list from a run: keep whole-file entries, reviewed reasons and the
    entries of files the run did not select (``-k``), add the runner's reason for new
    failures (to be reviewed and grouped by cause)."""
    previous = previous or load_expected(path)
    header = [
        line
        for line in (path.read_text().splitlines() if path.is_file() else [])
        if line.startswith("##")
    ] or [
        "## Known spec-suite failures: `file.wast:line  reason` (see tests/spec/harness.py). Only shrinks."
    ]
    out = [*header, ""]
    # files this run did not cover (a run with -k) keep their entries
    kept = [
        (key, f"{key}  {reason}")
        for key, reason in previous.files.items()
        if key not in verdicts
    ] + [
        (key, f"{key}:{line}  {reason}")
        for key, lines in previous.lines.items()
        if key not in verdicts
        for line, reason in lines.items()
    ]
    for name in sorted({k for k, _ in kept} | set(verdicts)):
        if name not in verdicts:
            out += [entry for key, entry in kept if key == name]
            continue
        v = verdicts[name]
        if name in previous.files and not v.result.ok:
            out.append(f"{name}  {previous.files[name]}")
            continue
        if v.result.error and not v.result.outcomes:
            out.append(f"{name}  {v.result.error.splitlines()[0]}")
            continue
        seen: set[int] = set()
        for o in v.result.failures:
            if o.line in seen:
                continue
            seen.add(o.line)
            reason = previous.lines.get(name, {}).get(o.line) or f"{o.command}: {o.reason}"
            out.append(f"{name}:{o.line}  {reason}")
    path.write_text("\n".join(out) + "\n")
