"""Exception handling (Wasm 3.0): tags, throw, throw_ref, try_table, exnref, the Tag API and
wasm exceptions crossing host frames.

The tests taking ``rt`` run the same script on wasmrt and on wasmtime-py (the oracle); the
others cover what only wasmrt has: the payload of an uncaught exception readable from
Python, host functions throwing wasm exceptions, limits inside handlers.
"""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any

import pytest

import wasmrt
from wasmrt import _interp

# catch: the payload to the label; catch_ref / catch_all_ref: the exnref too; throw_ref
# of a caught exception re-throws it
PROGRAM = """
(module
  (tag $e (export "e") (param i32))
  (tag $f (export "f") (param i64 f64))
  (func $thrower (export "thrower") (param i32)
    (if (i32.eqz (local.get 0)) (then (return)))
    (if (i32.eq (local.get 0) (i32.const 1)) (then (throw $e (i32.const 41))))
    (throw $f (i64.const 7) (f64.const 2.5)))
  (func (export "catch_e") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h)
        (call $thrower (local.get 0))
        (i32.const -1)))
    (i32.const 1) (i32.add))
  (func (export "catch_all") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h) (call $thrower (local.get 0)))
      (return (i32.const 0)))
    (i32.const 99))
  (func (export "rethrow") (param i32) (result i32)
    (local $x exnref)
    (local.set $x
      (block $h (result exnref)
        (try_table (catch_all_ref $h) (call $thrower (local.get 0)))
        (return (i32.const 0))))
    (block $h2 (result i32)
      (try_table (result i32) (catch $e $h2) (throw_ref (local.get $x)))))
  (func (export "nested") (param i32) (result i32)
    (block $outer (result i64 f64)
      (block $inner (result i32)
        (try_table (catch $f $outer)
          (try_table (catch $e $inner) (call $thrower (local.get 0))))
        (return (i32.const 0)))
      (return (i32.const 10)))
    (drop) (i32.wrap_i64))
  (func (export "loop_catch") (result i32)
    (local $n i32)
    (loop $l
      (block $h (result i32)
        (try_table (catch $e $h) (call $thrower (i32.const 1)))
        (unreachable))
      (local.set $n (i32.add (local.get $n)))
      (br_if $l (i32.lt_u (local.get $n) (i32.const 410))))
    (local.get $n))
)
"""


def instance(rt: ModuleType, text: str = PROGRAM, imports: list[Any] | None = None) -> Any:
    store = rt.Store()
    module = rt.Module(store.engine, text)
    inst = rt.Instance(store, module, imports or [])
    return store, inst.exports(store)


def uncaught(rt: ModuleType, exc: BaseException) -> bool:
    """An uncaught wasm exception as each runtime reports it: wasmrt's WasmException (a
    WasmtimeError), wasmtime-py's Trap caused by a "thrown Wasm exception"."""
    if rt is wasmrt:
        return isinstance(exc, wasmrt.WasmException) and isinstance(exc, wasmrt.WasmtimeError)
    return "thrown Wasm exception" in str(exc)


def test_throw_and_catch(rt: ModuleType) -> None:
    store, ex = instance(rt)
    assert ex["catch_e"](store, 0) == 0
    assert ex["catch_e"](store, 1) == 42
    assert ex["catch_all"](store, 0) == 0
    assert ex["catch_all"](store, 1) == 99
    assert ex["catch_all"](store, 2) == 99
    assert ex["rethrow"](store, 0) == 0
    assert ex["rethrow"](store, 1) == 41
    assert ex["nested"](store, 0) == 0
    assert ex["nested"](store, 1) == 10
    assert ex["nested"](store, 2) == 7
    assert ex["loop_catch"](store) == 410


def test_uncaught_leaves_the_export(rt: ModuleType) -> None:
    store, ex = instance(rt)
    for name, arg in (("thrower", 1), ("catch_e", 2), ("rethrow", 2)):
        with pytest.raises(Exception) as info:
            ex[name](store, arg)
        assert uncaught(rt, info.value), info.value
    # the store is usable afterwards
    assert ex["catch_e"](store, 1) == 42


def test_uncaught_exception_carries_tag_and_payload() -> None:
    store, ex = instance(wasmrt)
    with pytest.raises(wasmrt.WasmException) as info:
        ex["thrower"](store, 2)
    exc = info.value
    assert exc.tag == ex["f"]
    assert exc.tag.eq(store, ex["f"]) and not exc.tag.eq(store, ex["e"])
    assert exc.values == [7, 2.5]
    assert [f.func_index for f in exc.frames] == [0]
    assert "thrown Wasm exception" in str(exc)
    with pytest.raises(wasmrt.WasmException) as info:
        ex["rethrow"](store, 2)         # throw_ref keeps the exception: same tag, payload
    assert info.value.tag == ex["f"] and info.value.values == [7, 2.5]


def test_tag_new_and_type(rt: ModuleType) -> None:
    """wasmtime-py's tests/test_tag.py assertions (test_new, test_type)."""
    store = rt.Store()
    assert rt.Tag(store, rt.TagType(rt.FuncType([rt.ValType.i32()], []))) is not None
    functype = rt.FuncType([rt.ValType.i32()], [])
    tagtype = rt.TagType(functype)
    assert tagtype.functype.params == [rt.ValType.i32()]
    assert tagtype.functype.results == []
    config = rt.Config()
    config.wasm_exceptions = True
    engine = rt.Engine(config)
    module = rt.Module(engine, '(module (tag (export "mytag") (param i32)))')
    ty = module.exports[0].type
    assert isinstance(ty, rt.TagType)
    assert ty.functype.params == [rt.ValType.i32()]
    assert ty.functype.results == []
    store = rt.Store(engine)
    assert isinstance(rt.Tag(store, tagtype).type(store), rt.TagType)


def test_tag_eq_and_wrong_type(rt: ModuleType) -> None:
    """test_tag.py: test_eq, test_wrong_type."""
    store = rt.Store()
    tagtype = rt.TagType(rt.FuncType([rt.ValType.i32()], []))
    tag1 = rt.Tag(store, tagtype)
    tag2 = rt.Tag(store, tagtype)
    assert not tag1.eq(store, tag2)
    assert tag1.eq(store, tag1)
    with pytest.raises(TypeError):
        rt.Tag(store, "not a tagtype")


def test_tag_import_and_export(rt: ModuleType) -> None:
    """test_tag.py: test_tag_import, test_tag_export."""
    config = rt.Config()
    config.wasm_exceptions = True
    engine = rt.Engine(config)
    module = rt.Module(engine, '(module (import "" "" (tag)))')
    store = rt.Store(engine)
    with pytest.raises(rt.WasmtimeError):
        rt.Instance(store, module, [])
    rt.Instance(store, module, [rt.Tag(store, rt.TagType(rt.FuncType([], [])))])
    module = rt.Module(engine, '(module (tag (export "")))')
    tag = rt.Instance(store, module, []).exports(store)[""]
    assert isinstance(tag, rt.Tag)
    assert tag.type(store).functype.params == []
    assert tag.type(store).functype.results == []


def test_tags_link_by_identity(rt: ModuleType) -> None:
    """An imported tag is the exporter's: a throw of it in one instance is caught by its
    tag in the other; a tag of the same type made elsewhere is another tag."""
    store = rt.Store()
    a = rt.Instance(store, rt.Module(store.engine, """(module
        (tag $t (export "t") (param i32))
        (func (export "throw") (param i32) (throw $t (local.get 0))))"""), [])
    catcher = """(module
        (import "a" "t" (tag $t (param i32)))
        (import "a" "throw" (func $throw (param i32)))
        (func (export "run") (param i32) (result i32)
          (block $h (result i32)
            (try_table (catch $t $h) (call $throw (local.get 0)))
            (i32.const -1))))"""
    linker = rt.Linker(store.engine)
    linker.define_instance(store, "a", a)
    run = linker.instantiate(store, rt.Module(store.engine, catcher)).exports(store)["run"]
    assert run(store, 5) == 5
    other = rt.Tag(store, rt.TagType(rt.FuncType([rt.ValType.i32()], [])))
    inst = rt.Instance(store, rt.Module(store.engine, catcher),
                       [other, a.exports(store)["throw"]])
    with pytest.raises(Exception) as info:
        inst.exports(store)["run"](store, 5)
    assert uncaught(rt, info.value)
    wrong = rt.Tag(store, rt.TagType(rt.FuncType([rt.ValType.i64()], [])))
    with pytest.raises(rt.WasmtimeError):
        rt.Instance(store, rt.Module(store.engine, catcher), [wrong, a.exports(store)["throw"]])


def test_exceptions_cross_host_frames() -> None:
    """wasm -> host -> wasm: an exception thrown by the inner wasm and not caught by the
    host reaches the outer wasm, which catches it (the same exception: catch_ref and
    throw_ref keep it); a host function throws with WasmException(tag, values)."""
    store = wasmrt.Store()
    holder: dict[str, Any] = {}

    def call_inner(n: int) -> None:
        holder["inner"](store, n)

    def host_throw(n: int) -> None:
        raise wasmrt.WasmException(holder["e"], [n * 2])

    module = wasmrt.Module(store.engine, """(module
        (import "h" "call_inner" (func $call_inner (param i32)))
        (import "h" "throw" (func $host_throw (param i32)))
        (tag $e (export "e") (param i32))
        (func (export "inner") (param i32) (throw $e (local.get 0)))
        (func (export "outer") (param i32) (result i32)
          (block $h (result i32)
            (try_table (catch $e $h) (call $call_inner (local.get 0)))
            (i32.const -1)))
        (func (export "from_host") (param i32) (result i32)
          (block $h (result i32)
            (try_table (catch $e $h) (call $host_throw (local.get 0)))
            (i32.const -1)))
        (func (export "host_uncaught") (param i32) (call $host_throw (local.get 0))))""")
    ft = wasmrt.FuncType([wasmrt.ValType.i32()], [])
    inst = wasmrt.Instance(store, module, [wasmrt.Func(store, ft, call_inner),
                                           wasmrt.Func(store, ft, host_throw)])
    ex = inst.exports(store)
    holder["inner"] = ex["inner"]
    holder["e"] = ex["e"]
    assert ex["outer"](store, 12) == 12
    assert ex["from_host"](store, 4) == 8
    with pytest.raises(wasmrt.WasmException) as info:
        ex["host_uncaught"](store, 3)
    assert info.value.tag == ex["e"] and info.value.values == [6]


def test_python_exceptions_are_not_wasm_exceptions() -> None:
    """A Python exception from a host function passes every catch_all: it reaches the
    Python caller unchanged."""
    store = wasmrt.Store()

    def fail() -> None:
        raise ValueError("not a wasm exception")

    module = wasmrt.Module(store.engine, """(module
        (import "h" "fail" (func $fail))
        (func (export "run") (result i32)
          (block $h (try_table (catch_all $h) (call $fail)) (return (i32.const 0)))
          (i32.const 1)))""")
    inst = wasmrt.Instance(store, module, [wasmrt.Func(store, wasmrt.FuncType([], []), fail)])
    with pytest.raises(ValueError, match="not a wasm exception"):
        inst.exports(store)["run"](store)


def test_trap_after_rethrow_has_the_right_backtrace() -> None:
    store, ex = instance(wasmrt, """(module
        (tag $e)
        (func $deep (throw $e))
        (func $mid (call $deep))
        (func $handler (export "run")
          (block $h (result exnref)
            (try_table (catch_all_ref $h) (call $mid))
            (return))
          (drop)
          (call $after))
        (func $after (unreachable)))""")
    with pytest.raises(wasmrt.Trap) as info:
        ex["run"](store)
    assert [f.func_index for f in info.value.frames] == [3, 2]


def test_fuel_and_stack_limits_hold_inside_handlers() -> None:
    config = wasmrt.Config()
    config.consume_fuel = True
    store = wasmrt.Store(wasmrt.Engine(config))
    store.set_fuel(100_000)
    module = wasmrt.Module(store.engine, """(module
        (tag $e)
        (func $rec (export "rec")
          (block $h (try_table (catch_all $h) (throw $e)))
          (call $rec))
        (func (export "spin")
          (block $h (try_table (catch_all $h) (throw $e)))
          (loop $l (br $l))))""")
    ex = wasmrt.Instance(store, module, []).exports(store)
    with pytest.raises(wasmrt.Trap) as info:
        ex["spin"](store)
    assert info.value.trap_code == wasmrt.TrapCode.OUT_OF_FUEL
    store.set_fuel(10_000_000)
    with pytest.raises(wasmrt.Trap) as info:
        ex["rec"](store)
    assert info.value.trap_code == wasmrt.TrapCode.STACK_OVERFLOW


def test_exnref_values_cross_to_python() -> None:
    store, ex = instance(wasmrt, """(module
        (tag $e (export "e") (param i32))
        (func (export "get") (result exnref)
          (block $h (result exnref)
            (try_table (catch_all_ref $h) (throw $e (i32.const 3)))
            (ref.null exn)))
        (func (export "rethrow") (param exnref) (throw_ref (local.get 0))))""")
    ref = ex["get"](store)
    tag, values = ref.exception()
    assert tag.wrapper == ex["e"] and values == [3]
    with pytest.raises(wasmrt.WasmException) as info:
        ex["rethrow"](store, ref)
    assert info.value.values == [3] and info.value.tag == ex["e"]
    with pytest.raises(wasmrt.Trap) as trap:
        ex["rethrow"](store, None)
    assert trap.value.message == "null exception reference"


def test_paused_guest_inside_a_handler_scope() -> None:
    """call_async: a guest paused at an async host call inside a try_table catches the
    WasmException the coroutine raises once it resumes."""
    store = wasmrt.Store()
    holder: dict[str, Any] = {}

    async def later(n: int) -> None:
        await asyncio.sleep(0)
        raise wasmrt.WasmException(holder["e"], [n + 1])

    module = wasmrt.Module(store.engine, """(module
        (import "h" "later" (func $later (param i32)))
        (tag $e (export "e") (param i32))
        (func (export "run") (param i32) (result i32)
          (block $h (result i32)
            (try_table (catch $e $h) (call $later (local.get 0)))
            (i32.const -1))))""")
    inst = wasmrt.Instance(store, module, [
        wasmrt.Func(store, wasmrt.FuncType([wasmrt.ValType.i32()], []), later)])
    holder["e"] = inst.exports(store)["e"]
    assert asyncio.run(inst.exports(store)["run"].call_async(store, 9)) == 10


NATIVE_MIX = """(module
  (tag $e (param i32))
  (func $thrower (param i32) (throw $e (local.get 0)))
  (func $middle (param i32) (result i32)
    (local $x i32)
    (local.set $x (i32.mul (local.get 0) (i32.const 3)))
    (if (local.get 0) (then (call $thrower (local.get $x))))
    (i32.add (local.get $x) (i32.const 1)))
  (func $run (export "run") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h) (call $middle (local.get 0)))))
  (func (export "outer") (param i32) (result i32)
    (local $a i32)
    (local.set $a (i32.add (local.get 0) (i32.const 100)))
    (i32.add (local.get $a) (call $run (local.get 0)))))"""


def test_native_tier_leaves_handlers_interpreted() -> None:
    """Strategy "native": bodies with exception handlers (and throws) stay interpreted,
    the others are compiled; an exception crosses compiled frames (which spill their slots
    on the way out, as for a pause) to an interpreted handler, and the compiled caller
    continues in the interpreter after the landing."""
    pytest.importorskip("llvmlite")
    config = wasmrt.Config()
    config.strategy = "native"
    engine = wasmrt.Engine(config)
    module = wasmrt.Module(engine, NATIVE_MIX)
    assert module._native is not None
    assert module._native.installed == {1, 3}       # $middle and "outer"
    for eng in (engine, wasmrt.Engine()):
        store = wasmrt.Store(eng)
        ex = wasmrt.Instance(store, wasmrt.Module(eng, NATIVE_MIX), []).exports(store)
        assert [ex["run"](store, 0), ex["run"](store, 5)] == [1, 15]
        assert [ex["outer"](store, 0), ex["outer"](store, 5)] == [101, 120]


LEGACY = """(module
  (import "h" "fail" (func $fail (param i32)))
  (tag $e (export "e") (param i32))
  (tag $f)
  (func $thrower (param i32)
    (if (i32.eqz (local.get 0)) (then (throw $f)))
    (throw $e (local.get 0)))
  (func (export "catch") (param i32) (result i32)
    (try (result i32)
      (do (call $thrower (local.get 0)) (i32.const -1))
      (catch $e (i32.add (i32.const 100)))
      (catch_all (i32.const 7))))
  (func (export "rethrow") (param i32) (result i32)
    (try $outer (result i32)
      (do
        (try (result i32)
          (do (call $thrower (local.get 0)) (i32.const -1))
          (catch $e (drop) (rethrow 0))))
      (catch $e)))
  (func (export "delegate") (param i32) (result i32)
    (try $t (result i32)
      (do
        (block $b (result i32)
          (try (result i32)
            (do (call $thrower (local.get 0)) (i32.const -1))
            (delegate $t))))
      (catch $e (i32.const 1000) (i32.add))))
  (func (export "mixed") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h)
        (try (result i32)
          (do (call $thrower (local.get 0)) (i32.const -1))
          (catch $f (call $thrower (i32.const 5)) (i32.const -2))))))
  (func (export "host") (param i32) (result i32)
    (try (result i32)
      (do (call $fail (local.get 0)) (i32.const -1))
      (catch $e)))
)"""


def test_legacy_instructions() -> None:
    """try/catch/catch_all/rethrow/delegate (Emscripten's encoding), accepted by the
    default Config, beside try_table in one function; a host exception lands in a legacy
    catch too.  (wasmtime-py 51 rejects part of the legacy suite, so no oracle here.)"""
    store = wasmrt.Store()
    holder: dict[str, Any] = {}

    def fail(n: int) -> None:
        raise wasmrt.WasmException(holder["e"], [n * 3])

    module = wasmrt.Module(store.engine, LEGACY)
    inst = wasmrt.Instance(store, module, [
        wasmrt.Func(store, wasmrt.FuncType([wasmrt.ValType.i32()], []), fail)])
    ex = inst.exports(store)
    holder["e"] = ex["e"]
    assert ex["catch"](store, 5) == 105
    assert ex["catch"](store, 0) == 7
    assert ex["rethrow"](store, 4) == 4
    with pytest.raises(wasmrt.WasmException) as info:
        ex["rethrow"](store, 0)
    assert info.value.values == []
    assert ex["delegate"](store, 3) == 1003
    assert ex["mixed"](store, 0) == 5
    assert ex["mixed"](store, 9) == 9
    assert ex["host"](store, 2) == 6
    again = wasmrt.Module.deserialize(store.engine, module.serialize())
    ex2 = wasmrt.Instance(store, again, [
        wasmrt.Func(store, wasmrt.FuncType([wasmrt.ValType.i32()], []), fail)]).exports(store)
    holder["e"] = ex2["e"]
    assert [ex2["catch"](store, 5), ex2["delegate"](store, 3), ex2["host"](store, 2)] == [
        105, 1003, 6]


# A guest paused inside a handler: the caught exception (an exnref in a local and a global,
# its payload holding a funcref) and the tags come along in a snapshot; after the resume
# the held exception is rethrown and caught again, and a new one leaves uncaught.
SNAPSHOT = """(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (tag $e (export "e") (param i32 funcref))
  (tag $f (export "f") (param i64))
  (global $held (mut exnref) (ref.null exn))
  (table $t 1 funcref)
  (type $r (func (result i32)))
  (func $seven (result i32) (i32.const 7))
  (elem declare func $seven)
  (func $throw_e (param i32) (throw $e (local.get 0) (ref.func $seven)))
  (func (export "run") (param $x i32) (result i32)
    (local $n i32) (local $exn exnref) (local $g funcref)
    (block $h1 (result i32 funcref exnref)
      (try_table (catch_ref $e $h1) (call $throw_e (local.get $x)))
      (unreachable))
    (local.set $exn)
    (drop)
    (local.set $n)
    (global.set $held (local.get $exn))
    (local.set $n (i32.add (local.get $n) (call $h (local.get $n))))
    (block $h2 (result i32 funcref)
      (try_table (catch $e $h2) (throw_ref (global.get $held)))
      (unreachable))
    (local.set $g)
    (local.set $n (i32.add (local.get $n)))
    (table.set $t (i32.const 0) (local.get $g))
    (if (i32.eq (local.get $x) (i32.const 99))
      (then (throw $f (i64.extend_i32_u (local.get $n)))))
    (i32.add (local.get $n) (call_indirect (type $r) (i32.const 0)))))"""

SNAPSHOTS: list[wasmrt.Snapshot] = []
SNAPSHOT_STORE: list[wasmrt.Store] = []


def snapshot_then_answer(x: int) -> Any:
    """env.h: snapshots the Store the first time (a module-level function: it pickles)."""
    async def answer() -> int:
        if SNAPSHOT_STORE and not SNAPSHOTS:
            SNAPSHOTS.append(SNAPSHOT_STORE[0].snapshot())
        await asyncio.sleep(0)
        return x
    return answer()


def snapshotting_run(wat: str) -> tuple[wasmrt.Engine, wasmrt.Store, Any]:
    """An engine, a store and the export "run" of module `wat` whose env.h snapshots the
    store the first time."""
    engine = wasmrt.Engine()
    linker = wasmrt.Linker(engine)
    linker.define_func("env", "h", wasmrt.FuncType([wasmrt.ValType.i32()],
                                                   [wasmrt.ValType.i32()]), snapshot_then_answer)
    store = wasmrt.Store(engine)
    SNAPSHOTS.clear()
    SNAPSHOT_STORE[:] = [store]
    return engine, store, linker.instantiate(store, wasmrt.Module(engine, wat)).exports(store)["run"]


@pytest.mark.parametrize("x, expected", [(5, 5 + 5 + 5 + 7), (99, None)])
def test_snapshot_of_a_guest_holding_an_exception(x: int, expected: int | None) -> None:
    import pickle

    engine, store, run = snapshotting_run(SNAPSHOT)

    def outcome(coro: Any) -> Any:
        try:
            return asyncio.run(coro)
        except wasmrt.WasmException as exc:
            return ("uncaught", exc.values)

    want = expected if expected is not None else ("uncaught", [99 + 99 + 99])
    assert outcome(run.call_async(store, x)) == want
    SNAPSHOT_STORE.clear()
    snap = SNAPSHOTS[0]
    for again in (snap, snap, pickle.loads(pickle.dumps(snap))):
        assert outcome(again.resume_async(wasmrt.Store(engine))) == want


# A paused guest holding an exception whose payload is another exception (the outer one
# only in a local, the inner one also in a table), after many garbage exceptions: the
# snapshot numbers the live ones; the resumed guest collects, then opens both.
SNAPSHOT_GC = """(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (tag $t (param i32))
  (tag $u (param exnref i32))
  (table $tab 1 exnref)
  (func $make (param i32) (result exnref)
    (block $k (result exnref)
      (try_table (catch_all_ref $k) (throw $t (local.get 0)))
      (unreachable)))
  (func $churn (param $n i32)
    (loop $l
      (drop (call $make (local.get $n)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func $open_t (param exnref) (result i32)
    (block $k (result i32)
      (try_table (catch $t $k) (throw_ref (local.get 0)))
      (unreachable)))
  (func (export "run") (param $x i32) (result i32)
    (local $outer exnref) (local $n i32)
    (call $churn (i32.const 200000))
    (table.set $tab (i32.const 0) (call $make (local.get $x)))
    (local.set $outer
      (block $k (result exnref)
        (try_table (catch_all_ref $k)
          (throw $u (table.get $tab (i32.const 0)) (i32.const 1000)))
        (unreachable)))
    (call $churn (i32.const 200000))
    (local.set $n (call $h (local.get $x)))
    (call $churn (i32.const 300000))
    (block $k (result exnref i32)
      (try_table (catch $u $k) (throw_ref (local.get $outer)))
      (unreachable))
    (local.set $n (i32.add (local.get $n)))
    (call $open_t)
    (local.get $n)
    (i32.add)
    (call $open_t (table.get $tab (i32.const 0)))
    (i32.add)))"""


def test_snapshot_of_live_exceptions() -> None:
    """Exceptions are objects of the heap: the image holds the live ones, numbered."""
    import pickle

    engine, store, run = snapshotting_run(SNAPSHOT_GC)
    want = 5 + 1000 + 5 + 5
    assert asyncio.run(run.call_async(store, 5)) == want
    SNAPSHOT_STORE.clear()
    snap = SNAPSHOTS[0]
    objects = snap._image.objects
    assert 2 <= len(objects) <= 4      # the two held ones (and stale slots' at most)
    assert len(snap._image.stack_objs) >= 8    # the outer one is in a slot
    for again in (snap, pickle.loads(pickle.dumps(snap))):
        store2 = wasmrt.Store(engine)
        assert asyncio.run(again.resume_async(store2)) == want
        assert _interp.gc_stats(store2._context())["collections"] >= 1
