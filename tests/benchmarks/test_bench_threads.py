"""``python -m benchmarks.bench_threads --counter``: the shared counter and its control, each
thread with a counter of its own, end exact on two threads (the function raises otherwise)
and time both halves of the split run."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import bench_threads


@pytest.mark.parametrize("private", [False, True], ids=["shared", "private"])
def test_counter_times_are_exact_and_timed(private: bool) -> None:
    one, many, one_cpu, many_cpu = bench_threads.counter_times(2, 20_000, 2, 1, private)
    assert one > 0 and many > 0 and one_cpu >= 0
    assert len(many_cpu) == 2


def test_counter_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_threads.main(["--counter", "--total", "4000", "--work", "1",
                               "--repeat", "1", "--private"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert [row.split("|")[1].strip() for row in rows[1:]] == ["shared", "private"]


def test_counter_section_is_written(tmp_path: Path) -> None:
    md = tmp_path / "BENCHMARKS.md"
    md.write_text("# wasmrt benchmarks\n")
    assert bench_threads.main(["--counter", "--total", "2000", "--work", "0", "--repeat", "1",
                               "--write", str(md)]) == 0
    text = md.read_text()
    assert f"<!-- begin {bench_threads.SECTION} -->" in text and "| shared | 0 |" in text
    assert "--counter --work 0 --repeat 1" in text
