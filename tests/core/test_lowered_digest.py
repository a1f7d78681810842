"""tools/lowered_digest.py: the same code gives the same digests, a changed function is
named by --compare."""

from __future__ import annotations

from pathlib import Path

import lowered_digest
import pytest

from wasmrt.wat import wat2wasm


def one(text: str) -> dict:
    return lowered_digest.digest({"m": iter([("m.wasm", wat2wasm(text))])})


def test_digest_is_deterministic_and_sees_changes() -> None:
    a = lowered_digest.digest({"patterns": lowered_digest.pattern_modules(3)})
    b = lowered_digest.digest({"patterns": lowered_digest.pattern_modules(3)})
    assert a["total"] == b["total"] and a["functions"] == b["functions"]
    assert a["corpora"]["patterns"]["modules"] == 3
    add = one("(func (param i32) (result i32) local.get 0 i32.const 1 i32.add)")
    sub = one("(func (param i32) (result i32) local.get 0 i32.const 1 i32.sub)")
    assert add["total"] != sub["total"]
    assert add["functions"].keys() == sub["functions"].keys() == {"m/m.wasm/wasm2/0", "m/m.wasm/metering/0"}


def test_absent_corpus_is_left_out() -> None:
    r = lowered_digest.digest({"bench": None})
    assert r["corpora"]["bench"] == {"digest": "absent"}


def test_save_and_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "d.json"
    argv = ["--corpora", "patterns", "--patterns", "2"]
    assert lowered_digest.main([*argv, "--save", str(saved)]) == 0
    assert lowered_digest.main([*argv, "--compare", str(saved)]) == 0
    assert "same lowered code" in capsys.readouterr().out
    assert lowered_digest.main(["--corpora", "patterns", "--patterns", "3", "--compare", str(saved)]) == 1
    assert "in only one run" in capsys.readouterr().out
