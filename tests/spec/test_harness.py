"""The spec harness itself: groups, keys, and the rewriting of the known-failures list."""

from __future__ import annotations

from pathlib import Path

from tests.spec.harness import GROUPS, Verdict, load_expected, spec_files, write_expected
from wasmrt.script import Outcome, ScriptResult


def test_keys_name_the_suite_and_path() -> None:
    """Every key is ``<label>/<path in its suite>`` and unique."""
    files = spec_files()
    keys = [f.key for f in files]
    assert len(keys) == len(set(keys))
    for f in files:
        label, _, rest = f.key.partition("/")
        assert label in {g.label for g in GROUPS} and f.path.as_posix().endswith(rest)


def test_regen_keeps_files_outside_the_run(tmp_path: Path) -> None:
    """A ``--spec-regen`` run over some files rewrites theirs and keeps the others'."""
    path = tmp_path / "expected.txt"
    path.write_text(
        "## header\n\n"
        "3.0/a.wast:3  reviewed reason\n"
        "3.0/a.wast:9  fixed since\n"
        "3.0/b.wast:5  kept, not run\n"
        "3.0/c.wast  whole file, not run\n"
    )
    result = ScriptResult("a.wast", [Outcome(3, "module", False, "raw"), Outcome(9, "x", True),
                                     Outcome(12, "assert_return", False, "new failure")])
    write_expected(path, {"3.0/a.wast": Verdict("3.0/a.wast", result)})
    expected = load_expected(path)
    assert expected.lines["3.0/a.wast"] == {3: "reviewed reason", 12: "assert_return: new failure"}
    assert expected.lines["3.0/b.wast"] == {5: "kept, not run"}
    assert expected.files == {"3.0/c.wast": "whole file, not run"}
    assert path.read_text().startswith("## header\n\n3.0/a.wast:3")
