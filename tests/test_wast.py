"""The .wast script parser (wasmrt/wast.py): commands, values and patterns, lazy module
encoding, positions of errors."""

from __future__ import annotations

import pytest

from wasmrt.errors import WatError
from wasmrt.wast import (
    ActionCmd,
    AssertException,
    AssertInvalid,
    AssertMalformed,
    AssertReturn,
    AssertTrap,
    Either,
    Get,
    Invoke,
    ModuleCmd,
    ModuleInstance,
    Pattern,
    Register,
    Value,
    parse_wast,
)
from wasmrt.wat import wat2wasm

SCRIPT = r"""
(module $M (func (export "f") (param i32) (result i32) local.get 0))
(register "m" $M)
(invoke "f" (i32.const -1))
(assert_return (invoke $M "f" (i32.const 7)) (i32.const 7))
(assert_return (invoke "g") (f32.const nan:canonical) (f64.const -0x1p-1)
  (v128.const f32x4 1 nan:arithmetic 2 3) (v128.const i64x2 -1 2)
  (ref.null func) (ref.extern 3) (ref.func) (ref.extern))
(assert_return (get "glob") (either (i32.const 1) (i32.const 2)))
(assert_trap (invoke "f" (i64.const 1)) "integer overflow")
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(module binary "\00asm" "\01\00\00\00")
(assert_malformed (module quote "(func" ")" "(func i32.bogus)") "unknown operator")
(assert_invalid (module (func (result i32))) "type mismatch")
"""


def test_script_commands() -> None:
    cmds = parse_wast(SCRIPT, "t.wast")
    kinds = [type(c).__name__ for c in cmds]
    assert kinds == [
        "ModuleCmd",
        "Register",
        "ActionCmd",
        "AssertReturn",
        "AssertReturn",
        "AssertReturn",
        "AssertTrap",
        "AssertTrap",
        "ModuleCmd",
        "AssertMalformed",
        "AssertInvalid",
    ]
    m = cmds[0]
    assert isinstance(m, ModuleCmd) and m.module.name == "$M" and m.module.kind == "text"
    assert m.loc.line == 2 and m.loc.column == 1
    assert m.module.encode() == wat2wasm(
        '(module $M (func (export "f") (param i32) (result i32) local.get 0))'
    )
    assert cmds[1] == Register(cmds[1].loc, "m", "$M")
    act = cmds[2]
    assert isinstance(act, ActionCmd) and isinstance(act.action, Invoke)
    assert act.action.args == [Value("i32", 0xFFFFFFFF)]
    r = cmds[3]
    assert isinstance(r, AssertReturn) and isinstance(r.action, Invoke) and r.action.module == "$M"
    exp = cmds[4]
    assert isinstance(exp, AssertReturn)
    assert exp.expected[0] == Pattern("f32", "nan:canonical")
    assert exp.expected[1] == Value("f64", 0xBFE0000000000000)
    lanes = exp.expected[2]
    assert isinstance(lanes, Pattern) and lanes.kind == "lanes" and lanes.shape == "f32x4"
    assert lanes.lanes == [
        Value("f32", 0x3F800000),
        Pattern("f32", "nan:arithmetic"),
        Value("f32", 0x40000000),
        Value("f32", 0x40400000),
    ]
    assert exp.expected[3] == Value("v128", (2 << 64) | (2**64 - 1))
    assert exp.expected[4:] == [
        Value("funcref", None),
        Value("externref", 3),
        Pattern("ref", "ref.func"),
        Pattern("ref", "ref.extern"),
    ]
    e = cmds[5]
    assert isinstance(e, AssertReturn) and isinstance(e.action, Get)
    assert e.expected == [Either([[Value("i32", 1)], [Value("i32", 2)]])]
    t = cmds[7]
    assert isinstance(t, AssertTrap) and not isinstance(t.target, (Invoke, Get))
    assert cmds[8].module.kind == "binary" and cmds[8].module.encode() == b"\x00asm\x01\x00\x00\x00"
    mal = cmds[9]
    assert isinstance(mal, AssertMalformed) and mal.module.kind == "quote"
    with pytest.raises(WatError, match="unknown operator i32.bogus"):
        mal.module.encode()
    inv = cmds[10]
    assert isinstance(inv, AssertInvalid) and inv.module.encode().startswith(b"\x00asm")


def test_script_text_module_errors_are_lazy() -> None:
    cmds = parse_wast(
        '(assert_malformed (module (func (i32.const 0x1_0000_0000))) "constant out of range")'
    )
    with pytest.raises(WatError, match="constant out of range"):
        cmds[0].module.encode()


def test_script_wasm3_commands() -> None:
    """Module definitions and instances, assert_exception, the 3.0 result patterns."""
    cmds = parse_wast(
        """(module definition $D (memory 1))
        (module definition binary "\\00asm" "\\01\\00\\00\\00")
        (module instance $I $D)
        (module instance)
        (assert_exception (invoke "throw"))
        (assert_return (invoke "f" (ref.null any) (ref.host 3))
          (ref.null) (ref.null nofunc) (ref.i31) (ref.struct) (ref.array) (ref.eq) (ref))"""
    )
    d = cmds[0]
    assert isinstance(d, ModuleCmd) and d.definition and d.module.name == "$D"
    assert d.module.encode() == wat2wasm("(module $D (memory 1))")
    assert isinstance(cmds[1], ModuleCmd) and cmds[1].definition
    assert cmds[1].module.encode() == b"\x00asm\x01\x00\x00\x00"
    assert cmds[2] == ModuleInstance(cmds[2].loc, "$I", "$D")
    assert cmds[3] == ModuleInstance(cmds[3].loc, None, None)
    exc = cmds[4]
    assert isinstance(exc, AssertException) and isinstance(exc.action, Invoke)
    ret = cmds[5]
    assert isinstance(ret, AssertReturn) and isinstance(ret.action, Invoke)
    assert ret.action.args == [Value("anyref", None), Value("anyref", 3)]
    assert ret.expected == [
        Pattern("ref", "ref.null"),
        Value("funcref", None),
        *(Pattern("ref", k) for k in ("ref.i31", "ref.struct", "ref.array", "ref.eq", "ref")),
    ]


@pytest.mark.parametrize(
    "text, what",
    [
        ("(module instance $i $m $x)", "module instance"),
        ("(assert_return (invoke \"f\") (ref.i31 1))", "expected '\\)'"),
        ("(thread $t)", "thread"),
        ('(assert_return (invoke "f")', "unexpected end"),
    ],
)
def test_script_unknown_commands(text: str, what: str) -> None:
    with pytest.raises(WatError, match=what) as info:
        parse_wast("\n" + text)
    assert info.value.line == 2


def test_old_import_path_still_resolves() -> None:
    """The script names moved from wasmrt.wat to wasmrt.wast; the old path still finds them."""
    from wasmrt import wast, wat

    assert wat.parse_wast is wast.parse_wast and wat.ModuleSource is wast.ModuleSource
    with pytest.raises(AttributeError):
        wat.no_such_name  # noqa: B018
