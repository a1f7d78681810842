"""The spec suites' lookup order (``tests/suites.py``) and their submodule declarations."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.suites import ROOT, SPEC_2_0, SPEC_3_0, SpecSuite


def _suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SpecSuite:
    (tmp_path / "sub").mkdir()
    (tmp_path / "env").mkdir()
    monkeypatch.setenv("WASMRT_TEST_SUITE_DIR", str(tmp_path / "env"))
    return SpecSuite("9.9", str(tmp_path / "sub"), "WASMRT_TEST_SUITE_DIR", "no-such-folder")


def test_an_empty_submodule_falls_back_to_the_variable(tmp_path, monkeypatch) -> None:
    suite = _suite(tmp_path, monkeypatch)
    assert suite.find() is None
    (tmp_path / "env" / "i32.wast").write_text("")
    assert suite.find() == tmp_path / "env"


def test_a_checked_out_submodule_comes_first(tmp_path, monkeypatch) -> None:
    suite = _suite(tmp_path, monkeypatch)
    (tmp_path / "env" / "i32.wast").write_text("")
    (tmp_path / "sub" / "i32.wast").write_text("")
    assert suite.find() == tmp_path / "sub"
    assert suite.candidates()[1:] == [tmp_path / "env", suite.candidates()[2]]
    assert suite.candidates()[2].name == "no-such-folder"


def test_the_skip_reason_names_every_way(tmp_path, monkeypatch) -> None:
    reason = _suite(tmp_path, monkeypatch).missing()
    assert "git submodule update --init" in reason and "WASMRT_TEST_SUITE_DIR" in reason
    assert "../shared/no-such-folder" in reason


def _gitlink(path: str) -> str:
    try:
        out = subprocess.run(["git", "ls-tree", "HEAD", path], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"{ROOT} is not a git checkout")
    assert out and out[1] == "commit", f"{path} is not a submodule: {out}"
    return out[2]


@pytest.mark.parametrize("suite", [SPEC_3_0, SPEC_2_0], ids=lambda s: s.name)
def test_submodule_pins_the_shared_suite(suite: SpecSuite) -> None:
    """Each suite is declared in .gitmodules, and its gitlink is the commit that the
    ../shared copy names in its SOURCE.md."""
    gitmodules = (ROOT / ".gitmodules").read_text()
    assert f"path = {suite.submodule}\n" in gitmodules
    sha = _gitlink(suite.submodule)
    source = suite.candidates()[-1] / "SOURCE.md"
    if not source.is_file():
        pytest.skip(f"{source} not found: nothing to compare the pin with")
    named = re.search(r"commit\s+([0-9a-f]{7,40})", source.read_text())
    assert named and sha.startswith(named.group(1)), (sha, named)
