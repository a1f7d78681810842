"""GC's struct, array and cast instructions (Wasm 3.0), run on wasmrt and on wasmtime-py
(``rt``): every export takes and returns numbers only, since wasmtime-py 51 aborts the
process on a GC reference type at its API boundary.
"""

from __future__ import annotations

from types import ModuleType

import pytest

import wasmrt
from wasmrt.wat import wat2wasm

STRUCTS = """(module
  (type $point (struct (field $x (mut i32)) (field $y (mut i64)) (field $f f32)
                       (field $b (mut i8)) (field $h (mut i16)) (field $v (mut v128))))
  (type $node (struct (field $val i32) (field $next (mut (ref null $node)))))
  (global $g (ref $point) (struct.new $point (i32.const 7) (i64.const 8) (f32.const 1.5)
                                            (i32.const -1) (i32.const 0x18000)
                                            (v128.const i64x2 3 4)))
  (func (export "fields") (param i32 i64) (result i32 i64 f32 i32 i32 i32 i32)
    (local $p (ref $point))
    (local.set $p (struct.new $point (local.get 0) (local.get 1) (f32.const 2.5)
                                     (i32.const 0x1FF) (i32.const -2)
                                     (v128.const i32x4 1 2 3 4)))
    (struct.get $point $x (local.get $p))
    (struct.get $point $y (local.get $p))
    (struct.get $point $f (local.get $p))
    (struct.get_s $point $b (local.get $p))
    (struct.get_u $point $b (local.get $p))
    (struct.get_s $point $h (local.get $p))
    (i32x4.extract_lane 2 (struct.get $point $v (local.get $p))))
  (func (export "set") (param i32) (result i32 i32 i64)
    (local $p (ref $point))
    (local.set $p (struct.new_default $point))
    (struct.set $point $b (local.get $p) (local.get 0))
    (struct.set $point $v (local.get $p) (v128.const i64x2 5 6))
    (struct.get_u $point $b (local.get $p))
    (struct.get $point $x (local.get $p))
    (i64x2.extract_lane 1 (struct.get $point $v (local.get $p))))
  (func (export "global") (result i32 i64 i32 i32 i64)
    (struct.get $point $x (global.get $g))
    (struct.get $point $y (global.get $g))
    (struct.get_s $point $b (global.get $g))
    (struct.get_u $point $h (global.get $g))
    (i64x2.extract_lane 0 (struct.get $point $v (global.get $g))))
  (func (export "list") (param i32) (result i32)
    (local $l (ref null $node)) (local $sum i32)
    (block $done
      (loop $build
        (br_if $done (i32.eqz (local.get 0)))
        (local.set $l (struct.new $node (local.get 0) (local.get $l)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $build)))
    (block $end
      (loop $walk
        (br_if $end (ref.is_null (local.get $l)))
        (local.set $sum (i32.add (local.get $sum) (struct.get $node $val (local.get $l))))
        (local.set $l (struct.get $node $next (local.get $l)))
        (br $walk)))
    (local.get $sum))
  (func (export "null_get") (result i32) (struct.get $node $val (ref.null $node)))
  (func (export "null_set") (struct.set $point $x (ref.null $point) (i32.const 1))))"""

ARRAYS = """(module
  (type $bytes (array (mut i8)))
  (type $words (array (mut i64)))
  (type $refs (array (mut (ref null $bytes))))
  (data $d "\\01\\02\\03\\04\\05\\06\\07\\08")
  (elem $e (ref null $bytes) (ref.null $bytes) (array.new_fixed $bytes 2 (i32.const 9)
                                                                         (i32.const 10)))
  (global $fixed (ref $words) (array.new_fixed $words 3 (i64.const 1) (i64.const 2)
                                                        (i64.const 3)))
  (global $filled (ref $bytes) (array.new $bytes (i32.const 0xFE) (i32.const 4)))
  (func (export "new") (param i32 i32) (result i32 i32 i32 i32)
    (local $a (ref $bytes))
    (local.set $a (array.new $bytes (local.get 0) (local.get 1)))
    (array.len (local.get $a))
    (array.get_s $bytes (local.get $a) (i32.const 0))
    (array.get_u $bytes (local.get $a) (i32.const 0))
    (array.len (array.new_default $words (local.get 1))))
  (func (export "get") (param i32) (result i64)
    (array.get $words (global.get $fixed) (local.get 0)))
  (func (export "filled") (param i32) (result i32)
    (array.get_u $bytes (global.get $filled) (local.get 0)))
  (func (export "set_get") (param i32 i64) (result i64)
    (local $a (ref $words))
    (local.set $a (array.new_default $words (i32.const 4)))
    (array.set $words (local.get $a) (local.get 0) (local.get 1))
    (array.get $words (local.get $a) (local.get 0)))
  (func (export "data") (param i32 i32 i32) (result i32)
    (array.get_u $bytes (array.new_data $bytes $d (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "elem") (param i32) (result i32)
    (array.len (array.get $refs (array.new_elem $refs $e (i32.const 0) (i32.const 2))
                                (local.get 0))))
  (func (export "fill_copy") (param i32 i32 i32) (result i64)
    (local $a (ref $words)) (local $b (ref $words))
    (local.set $a (array.new $words (i64.const 1) (i32.const 8)))
    (local.set $b (array.new $words (i64.const 0) (i32.const 8)))
    (array.fill $words (local.get $a) (i32.const 2) (i64.const 5) (i32.const 3))
    (array.copy $words $words (local.get $b) (local.get 0) (local.get $a) (local.get 1)
                (local.get 2))
    (i64.add (i64.mul (array.get $words (local.get $b) (i32.const 3)) (i64.const 10))
             (array.get $words (local.get $b) (i32.const 4))))
  (func (export "init") (param i32 i32 i32) (result i32)
    (local $a (ref $bytes))
    (local.set $a (array.new_default $bytes (i32.const 6)))
    (array.init_data $bytes $d (local.get $a) (local.get 0) (local.get 1) (local.get 2))
    (array.get_u $bytes (local.get $a) (i32.const 1)))
  (func (export "init_elem") (param i32 i32 i32) (result i32)
    (local $a (ref $refs))
    (local.set $a (array.new_default $refs (i32.const 4)))
    (array.init_elem $refs $e (local.get $a) (local.get 0) (local.get 1) (local.get 2))
    (ref.is_null (array.get $refs (local.get $a) (i32.const 1))))
  (func (export "null_len") (result i32) (array.len (ref.null array))))"""

CASTS = """(module
  (type $s (sub (struct (field i32))))
  (type $t (sub $s (struct (field i32) (field i64))))
  (type $a (array i8))
  (type $f (func (result i32)))
  (func $fn (type $f) (i32.const 1))
  (elem declare func $fn)
  (func $make (param i32) (result anyref)
    (block $l0 (block $l1 (block $l2 (block $l3 (block $l4
      (br_table $l4 $l3 $l2 $l1 $l0 (local.get 0)))
      (return (ref.null any)))
      (return (ref.i31 (i32.const 5))))
      (return (struct.new $s (i32.const 1))))
      (return (struct.new $t (i32.const 1) (i64.const 2))))
    (array.new_default $a (i32.const 1)))
  (func (export "test") (param i32) (result i32)
    (i32.or (i32.or (i32.or
      (ref.test (ref $s) (call $make (local.get 0)))
      (i32.shl (ref.test (ref $t) (call $make (local.get 0))) (i32.const 1)))
      (i32.or (i32.shl (ref.test (ref null $s) (call $make (local.get 0))) (i32.const 2))
              (i32.shl (ref.test i31ref (call $make (local.get 0))) (i32.const 3))))
      (i32.or (i32.or (i32.shl (ref.test structref (call $make (local.get 0))) (i32.const 4))
                      (i32.shl (ref.test (ref array) (call $make (local.get 0))) (i32.const 5)))
              (i32.or (i32.shl (ref.test (ref eq) (call $make (local.get 0))) (i32.const 6))
                      (i32.shl (ref.test nullref (call $make (local.get 0))) (i32.const 7))))))
  (func (export "cast") (param i32) (result i32)
    (struct.get $s 0 (ref.cast (ref $s) (call $make (local.get 0)))))
  (func (export "cast_null") (param i32) (result i32)
    (ref.is_null (ref.cast (ref null $t) (call $make (local.get 0)))))
  (func (export "br_on_cast") (param i32) (result i32)
    (block $is_s (result (ref $s))
      (drop (br_on_cast $is_s anyref (ref $s) (call $make (local.get 0))))
      (return (i32.const -1)))
    (struct.get $s 0))
  (func (export "br_on_cast_fail") (param i32) (result i32)
    (block $not_i31 (result anyref)
      (return (i31.get_s (br_on_cast_fail $not_i31 anyref (ref i31)
                                           (call $make (local.get 0))))))
    (ref.is_null))
  (func (export "func_test") (result i32)
    (ref.test (ref $f) (ref.func $fn))))"""


def _instance(rt: ModuleType, text: str):  # type: ignore[no-untyped-def]
    engine = rt.Engine()
    store = rt.Store(engine)
    module = rt.Module(engine, text)
    return store, rt.Instance(store, module, []).exports(store)


def test_struct_fields(rt: ModuleType) -> None:
    """struct.new writes every field (packed ones truncated), struct.get(_s/_u) reads
    them at their widths; struct.new_default zeroes; struct.set; a constant expression's
    struct.new; a linked list built and walked in a loop; null traps."""
    store, ex = _instance(rt, STRUCTS)
    assert list(ex["fields"](store, -3, 1 << 40)) == [-3, 1 << 40, 2.5, -1, 255, -2, 3]
    assert list(ex["set"](store, 0x1FE)) == [0xFE, 0, 6]
    assert list(ex["global"](store)) == [7, 8, -1, 0x8000, 3]
    assert ex["list"](store, 100) == 5050
    for name in ("null_get", "null_set"):
        with pytest.raises(rt.Trap) as trap:
            ex[name](store)
        assert "null" in str(trap.value)


def test_arrays(rt: ModuleType) -> None:
    """array.new(_default, _fixed, _data, _elem), get(_s/_u)/set/len, fill, copy,
    init_data, init_elem, in bodies and constant expressions, with their bounds traps."""
    store, ex = _instance(rt, ARRAYS)
    assert list(ex["new"](store, 0x80, 3)) == [3, -128, 128, 3]
    assert [ex["get"](store, i) for i in range(3)] == [1, 2, 3]
    assert ex["filled"](store, 3) == 0xFE
    assert ex["set_get"](store, 3, -7) == -7
    assert ex["data"](store, 2, 4, 3) == 6
    assert ex["elem"](store, 1) == 2
    assert ex["fill_copy"](store, 2, 3, 3) == 51          # b[3] = a[4] = 5, b[4] = a[5] = 1
    assert ex["fill_copy"](store, 0, 0, 0) == 0
    assert ex["init"](store, 1, 5, 1) == 6
    assert ex["init_elem"](store, 0, 0, 2) == 0
    for call in (lambda: ex["get"](store, 3), lambda: ex["set_get"](store, 4, 0),
                 lambda: ex["fill_copy"](store, 6, 0, 3), lambda: ex["fill_copy"](store, 0, 6, 3),
                 lambda: ex["init"](store, 0, 2, 7), lambda: ex["new"](store, 0, 0)):
        with pytest.raises(rt.Trap) as trap:
            call()
        assert "out of bounds array access" in str(trap.value)
    for call in (lambda: ex["data"](store, 6, 3, 0), lambda: ex["init"](store, 0, 7, 2)):
        with pytest.raises(rt.Trap) as trap:
            call()
        assert "out of bounds memory access" in str(trap.value)
    with pytest.raises(rt.Trap):
        ex["init_elem"](store, 0, 1, 2)
    with pytest.raises(rt.Trap) as trap:
        ex["null_len"](store)
    assert "null" in str(trap.value)


def test_casts(rt: ModuleType) -> None:
    """ref.test against concrete types (with subtypes), abstract ones and null;
    ref.cast and its trap; br_on_cast and br_on_cast_fail."""
    store, ex = _instance(rt, CASTS)
    # kinds: 0 null, 1 i31, 2 $s, 3 $t (a subtype of $s), 4 an array
    assert [ex["test"](store, k) for k in range(5)] == [
        0b10011100, 0b01001000, 0b01010101, 0b01010111, 0b01100000]
    assert [ex["cast"](store, k) for k in (2, 3)] == [1, 1]
    for k in (0, 1, 4):
        with pytest.raises(rt.Trap) as trap:
            ex["cast"](store, k)
        assert "cast" in str(trap.value)
    assert ex["cast_null"](store, 0) == 1
    assert ex["cast_null"](store, 3) == 0
    with pytest.raises(rt.Trap):
        ex["cast_null"](store, 2)
    assert [ex["br_on_cast"](store, k) for k in range(5)] == [-1, -1, 1, 1, -1]
    assert [ex["br_on_cast_fail"](store, k) for k in (0, 1, 2)] == [1, 5, 0]
    assert ex["func_test"](store) == 1


def test_gc_ops_encode_like_wasm_tools() -> None:
    """The text format's struct/array/cast instructions encode as wasm-tools does (field
    names, ref.test's nullable opcode, br_on_cast's flags)."""
    binary = wat2wasm("""(module (type $s (struct (field $a i32)))
      (func (param (ref null $s)) (result i32) (struct.get $s $a (local.get 0)))
      (func (param anyref) (result i32) (ref.test (ref null $s) (local.get 0)))
      (func (param anyref) (result anyref)
        (block $l (result anyref) (br_on_cast $l anyref (ref $s) (local.get 0)))))""")
    assert bytes.fromhex("fb020000") in binary         # struct.get 0 0
    assert bytes.fromhex("fb1500") in binary           # ref.test (ref null 0)
    assert bytes.fromhex("fb1801006e00") in binary     # br_on_cast flags=1 0 any 0
    wasmrt.Module.validate(wasmrt.Engine(), binary)


@pytest.mark.parametrize("body, message", [
    ("(struct.set $s 0 (ref.null $s) (i32.const 0))", "immutable field"),
    ("(drop (struct.get $s 1 (ref.null $s)))", "unknown field"),
    ("(drop (struct.get $p 0 (ref.null $p)))", "packed"),
    ("(array.set $a (ref.null $a) (i32.const 0) (i32.const 0))", "immutable array"),
    ("(array.copy $m $a (ref.null $m) (i32.const 0) (ref.null $r) (i32.const 0) (i32.const 0))",
     "type mismatch"),
    ("(drop (array.new_default $r (i32.const 1)))", "not defaultable"),
    ("(drop (ref.cast (ref $s) (ref.null func)))", "type mismatch"),
])
def test_invalid_gc_ops(body: str, message: str) -> None:
    """The validator's rules for fields, mutability, defaults and cast hierarchies."""
    text = f"""(module (type $s (struct (field i32))) (type $p (struct (field i8)))
      (type $a (array i8)) (type $m (array (mut i8))) (type $r (array (ref $a)))
      (func {body}))"""
    with pytest.raises(wasmrt.WasmtimeError, match=message):
        wasmrt.Module(wasmrt.Engine(), text)
