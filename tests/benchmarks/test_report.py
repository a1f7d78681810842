"""benchmarks/report.py: a benchmark's section of BENCHMARKS.md is replaced in place or
added at the end, and compare --write carries the sections over."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report import kept_sections, write_section


def test_sections_are_replaced_in_place_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# wasmrt benchmarks\n\n| table |\n")
    write_section(path, "sandbox-server", "## Server\nfirst\n")
    write_section(path, "dask", "## Dask\nDASK: 1\n")
    write_section(path, "sandbox-server", "## Server\nsecond\n")
    text = path.read_text()
    assert text.startswith("# wasmrt benchmarks\n\n| table |\n\n<!-- begin sandbox-server -->")
    assert "first" not in text and text.index("second") < text.index("DASK: 1")
    kept = kept_sections(path)
    assert kept.startswith("<!-- begin sandbox-server -->\n## Server\nsecond\n")
    assert kept.rstrip().endswith("DASK: 1\n<!-- end dask -->")
    assert "| table |" not in kept
    assert kept_sections(tmp_path / "missing.md") == ""
