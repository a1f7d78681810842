"""Snapshots: ``store.snapshot()`` while the guest is paused, resumed any
number of times in fresh Stores, each isolated from the others and from the original;
funcref/externref values, tables, globals, the call stack, the pending host call and the
WASI state (descriptors, offsets) come along; a Snapshot pickles for another process."""

from __future__ import annotations

import asyncio
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import wasmrt
from wasmrt import FuncType, ValType
from wasmrt._core import canonical_count

ROOT = Path(__file__).resolve().parents[2]
I32 = ValType.i32()

# `run` bumps a counter in memory and in a global before and after the host call made
# deep in a recursion, holds a funcref and an externref in locals across it, and returns
# a value built from all of that: any state leaking between resumes changes it.
WAT = """(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (import "env" "obj" (func $obj (result externref)))
  (memory (export "memory") 1)
  (global $g (export "g") (mut i32) (i32.const 0))
  (global $fg (mut funcref) (ref.func $inc))
  (table $t 4 funcref)
  (elem (i32.const 0) $inc $dbl)
  (elem declare func $inc $dbl)
  (type $un (func (param i32) (result i32)))
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $deep (param $d i32) (result i32)
    (if (result i32) (i32.eqz (local.get $d))
      (then (call $h (i32.const 100)))
      (else (i32.add (local.get $d) (call $deep (i32.sub (local.get $d) (i32.const 1)))))))
  (func (export "run") (result i32 externref)
    (local $f funcref) (local $x externref) (local $r i32)
    (local.set $f (table.get $t (i32.const 1)))
    (local.set $x (call $obj))
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (local.set $r (call $deep (i32.const 10)))
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 10)))
    (global.set $g (i32.add (global.get $g) (i32.const 10)))
    (table.set $t (i32.const 2) (local.get $f))
    (table.set $t (i32.const 3) (global.get $fg))
    (i32.add (local.get $r)
      (i32.add (i32.mul (i32.load (i32.const 0)) (i32.const 1000))
        (i32.add (i32.mul (global.get $g) (i32.const 100000))
          (i32.add (call_indirect (type $un) (i32.const 5) (i32.const 2))
                   (call_indirect (type $un) (i32.const 50) (i32.const 3))))))
    (local.get $x))
  (func (export "trap_after") (result i32)
    (drop (call $h (i32.const 1)))
    unreachable)
  (func (export "spin") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (i32.store (i32.const 4) (local.get $i))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.load (i32.const 4))))
"""
# memory 11 * 1000 + global 11 * 100000 + deep 155 + dbl(5) + inc(50)
EXPECTED = 1100000 + 11000 + 155 + 10 + 51
TOKEN = ("a host object", 42)


def obj() -> Any:
    return TOKEN


class Setup:
    """An Engine and Linker whose async host function `h` snapshots the first time."""

    def __init__(self) -> None:
        self.engine = wasmrt.Engine()
        self.module = wasmrt.Module(self.engine, WAT)
        self.linker = wasmrt.Linker(self.engine)
        self.snaps: list[wasmrt.Snapshot] = []
        self.linker.define_func("env", "h", FuncType([I32], [I32]), self.h, access_caller=True)
        self.linker.define_func("env", "obj", FuncType([], [ValType.externref()]), obj)

    async def h(self, caller: wasmrt.Caller, x: int) -> int:
        if not self.snaps:
            self.snaps.append(caller._store_of().snapshot())
        await asyncio.sleep(0)
        return x

    def instance(self) -> tuple[wasmrt.Store, Any]:
        store = wasmrt.Store(self.engine)
        return store, self.linker.instantiate(store, self.module).exports(store)


def resume(snap: wasmrt.Snapshot, engine: wasmrt.Engine | None = None) -> Any:
    store = wasmrt.Store(engine or snap.engine)
    return asyncio.run(snap.resume_async(store)), store


def test_resumes_continue_the_guest_isolated() -> None:
    s = Setup()
    store, ex = s.instance()
    assert asyncio.run(ex["run"].call_async(store)) == [EXPECTED, TOKEN]
    snap = s.snaps[0]
    for _ in range(3):          # each resume starts from the snapshot: same counters
        assert resume(snap)[0] == [EXPECTED, TOKEN]
    # the original was not disturbed by the resumes, nor they by its later calls
    assert ex["g"].value(store) == 11
    assert asyncio.run(ex["run"].call_async(store))[0] == EXPECTED + 11000 + 1100000
    assert resume(snap)[0] == [EXPECTED, TOKEN]
    assert "paused at a host call" in repr(snap)


def test_a_resumed_store_works_on_and_can_be_snapshotted() -> None:
    s = Setup()
    store, ex = s.instance()
    asyncio.run(ex["run"].call_async(store))
    _, store2 = resume(s.snaps[0])
    # the resumed Store is an ordinary Store: its functions run and pause again
    inst = next(o for o in store2._context().objects if type(o).__name__ == "InstanceCtx")
    run = wasmrt.Func._from_runtime(inst.exports["run"], store2)
    s.snaps.clear()
    assert asyncio.run(run.call_async(store2))[0] == EXPECTED + 11000 + 1100000
    assert resume(s.snaps[0])[0][0] == EXPECTED + 11000 + 1100000


def test_resume_raises_what_the_original_raises() -> None:
    s = Setup()
    store, ex = s.instance()
    with pytest.raises(wasmrt.Trap) as original:
        asyncio.run(ex["trap_after"].call_async(store))
    with pytest.raises(wasmrt.Trap) as resumed:
        resume(s.snaps[0])
    assert resumed.value.trap_code == original.value.trap_code == wasmrt.TrapCode.UNREACHABLE
    assert [f.func_index for f in resumed.value.frames] == \
        [f.func_index for f in original.value.frames]


def test_snapshot_at_a_yield() -> None:
    s = Setup()
    store, ex = s.instance()
    store.set_async_yield_interval(0.001)

    async def main() -> tuple[int, wasmrt.Snapshot]:
        guest = asyncio.ensure_future(ex["spin"].call_async(store, 30_000_000))
        while store._context().paused is None:
            await asyncio.sleep(0)
        snap = store.snapshot()
        return await guest, snap

    result, snap = asyncio.run(main())
    assert result == 30_000_000
    assert "paused at a yield" in repr(snap)
    assert resume(snap)[0] == 30_000_000


def test_snapshot_and_resume_refusals() -> None:
    s = Setup()
    store, ex = s.instance()
    with pytest.raises(wasmrt.WasmtimeError, match="paused"):
        store.snapshot()
    asyncio.run(ex["run"].call_async(store))
    snap = s.snaps[0]
    with pytest.raises(wasmrt.WasmtimeError, match="fresh Store"):
        asyncio.run(snap.resume_async(store))
    config = wasmrt.Config()
    config.consume_fuel = True
    other = wasmrt.Engine(config)
    with pytest.raises(wasmrt.WasmtimeError, match="Engine"):
        asyncio.run(snap.resume_async(wasmrt.Store(other)))
    small = wasmrt.Store(s.engine)
    small.set_limits(memory_size=0)
    with pytest.raises(wasmrt.WasmtimeError, match="memory limit"):
        asyncio.run(snap.resume_async(small))
    with pytest.raises(TypeError):
        wasmrt.Snapshot()


GROW_WAT = """(module
  (import "env" "delta" (func $delta (result i32)))
  (memory 1 10)
  (func (export "run") (result i32) (memory.grow (call $delta))))"""


def test_a_resumed_memory_grows_to_its_maximum_and_the_store_limit() -> None:
    """A resumed memory keeps its declared maximum (pages) and takes the new Store's
    memory limit (bytes): it grows up to the lower of them, not beyond."""
    engine = wasmrt.Engine()
    linker = wasmrt.Linker(engine)
    snaps: list[wasmrt.Snapshot] = []
    delta = [0]

    async def ask(caller: wasmrt.Caller) -> int:
        if not snaps:
            snaps.append(caller._store_of().snapshot())
        return delta[0]

    linker.define_func("env", "delta", FuncType([], [I32]), ask, access_caller=True)
    store = wasmrt.Store(engine)
    run = linker.instantiate(store, wasmrt.Module(engine, GROW_WAT)).exports(store)["run"]
    asyncio.run(run.call_async(store))

    def grow(pages: int, limit: int = -1) -> int:
        delta[0] = pages
        fresh = wasmrt.Store(engine)
        fresh.set_limits(memory_size=limit)
        return int(asyncio.run(snaps[0].resume_async(fresh)))

    assert grow(9) == 1 and grow(10) == -1                   # the declared maximum: 10
    assert grow(3, limit=4 * 65536) == 1 and grow(4, limit=4 * 65536) == -1


def test_snapshot_in_a_nested_call_is_refused() -> None:
    """The host coroutine calls into wasm synchronously, and a synchronous host function
    below asks for a snapshot: a sync entry is running, so it is refused."""
    engine = wasmrt.Engine()
    module = wasmrt.Module(engine, WAT)
    store = wasmrt.Store(engine)
    errors: list[BaseException] = []
    externref = wasmrt.Func(store, FuncType([], [ValType.externref()]), obj)

    def sync_h(x: int) -> int:
        try:
            store.snapshot()
        except wasmrt.WasmtimeError as exc:
            errors.append(exc)
        return x

    inner = wasmrt.Instance(store, module,
                            [wasmrt.Func(store, FuncType([I32], [I32]), sync_h), externref])

    async def h(x: int) -> int:
        return int(inner.exports(store)["run"](store)[0]) + x

    outer = wasmrt.Instance(store, module,
                            [wasmrt.Func(store, FuncType([I32], [I32]), h), externref])
    assert asyncio.run(outer.exports(store)["run"].call_async(store))[0] > EXPECTED
    assert errors and "paused" in str(errors[0])


def in_another_process(script: str, data: bytes) -> list[bytes]:
    """The words ``python -c script`` prints given ``data`` on stdin (a fresh process:
    its canonical type ids and addresses differ from this one's)."""
    proc = subprocess.run([sys.executable, "-c", script], input=data, cwd=ROOT,
                          capture_output=True, timeout=300, check=False,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.split()


PICKLE_SCRIPT = """
import asyncio, pickle, sys
import wasmrt
snap = pickle.loads(sys.stdin.buffer.read())
result = asyncio.run(snap.resume_async(wasmrt.Store(snap.engine)))
print(result[0], result[1] is None)
"""


def snapshot_host(x: int) -> Any:
    """A module-level async host function (picklable): snapshots the first time."""
    return _snapshot_host(x)


async def _snapshot_host(x: int) -> int:
    if CURRENT and not PICKLED:         # (only in the test's process)
        PICKLED.append(CURRENT[0].snapshot())
    return x


PICKLED: list[wasmrt.Snapshot] = []
CURRENT: list[wasmrt.Store] = []


def snapshot_of_run(prepare: Callable[[wasmrt.Store], None] | None = None) -> wasmrt.Snapshot:
    """The snapshot `run` of WAT takes at its host call (with picklable host functions),
    in a Store that ``prepare`` may first add host objects to."""
    engine = wasmrt.Engine()
    module = wasmrt.Module(engine, WAT)
    linker = wasmrt.Linker(engine)
    linker.define_func("env", "h", FuncType([I32], [I32]), snapshot_host)
    linker.define_func("env", "obj", FuncType([], [ValType.externref()]), _none)
    store = wasmrt.Store(engine)
    if prepare is not None:
        prepare(store)
    CURRENT[:] = [store]
    PICKLED.clear()
    run = linker.instantiate(store, module).exports(store)["run"]
    assert asyncio.run(run.call_async(store)) == [EXPECTED, None]
    CURRENT.clear()
    return PICKLED[0]


def test_pickle_to_another_process() -> None:
    data = pickle.dumps(snapshot_of_run())
    assert len(data) < 200_000      # one 64 KiB page of memory, mostly zeros, is left out
    again = pickle.loads(data)
    assert asyncio.run(again.resume_async(wasmrt.Store(again.engine)))[0] == EXPECTED
    assert in_another_process(PICKLE_SCRIPT, data) == [str(EXPECTED).encode(), b"True"]


def _none() -> None:
    return None


def test_pickling_needs_picklable_host_functions() -> None:
    engine = wasmrt.Engine()
    module = wasmrt.Module(engine, WAT)
    store = wasmrt.Store(engine)
    snaps: list[wasmrt.Snapshot] = []

    async def h(x: int) -> int:        # a closure: pickle cannot name it
        if not snaps:
            snaps.append(store.snapshot())
        return x

    inst = wasmrt.Instance(store, module,
                           [wasmrt.Func(store, FuncType([I32], [I32]), h),
                            wasmrt.Func(store, FuncType([], [ValType.externref()]), _none)])
    asyncio.run(inst.exports(store)["run"].call_async(store))
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps(snaps[0])


# A WASI guest that opens data.txt in its preopen, reads 3 bytes, pauses at an async host
# call, reads 3 more bytes from the same descriptor and returns them as an i32 (little
# endian): the descriptor and its offset must survive the resume.
WASI_WAT = """(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "env" "pause" (func $pause (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "data.txt")
  (func $read3 (param $fd i32) (result i32)
    (i32.store (i32.const 200) (i32.const 300))     ;; iovec: buf 300, 3 bytes
    (i32.store (i32.const 204) (i32.const 3))
    (i32.store (i32.const 300) (i32.const 0))
    (drop (call $fd_read (local.get $fd) (i32.const 200) (i32.const 1) (i32.const 400)))
    (i32.load (i32.const 300)))
  (func (export "run") (result i32 i32 i32)
    (local $fd i32) (local $first i32)
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 8)
                           (i32.const 0) (i64.const 6) (i64.const 0) (i32.const 0)
                           (i32.const 404)))
    (local.set $fd (i32.load (i32.const 404)))
    (local.set $first (call $read3 (local.get $fd)))
    (drop (call $pause))
    (local.get $fd) (local.get $first) (call $read3 (local.get $fd))))
"""


def test_wasi_descriptors_and_offsets_survive(tmp_path: Path) -> None:
    data = tmp_path / "dir"
    data.mkdir()
    (data / "data.txt").write_bytes(b"abcdefghi")
    engine = wasmrt.Engine()
    module = wasmrt.Module(engine, WASI_WAT)
    linker = wasmrt.Linker(engine)
    linker.define_wasi()
    snaps: list[wasmrt.Snapshot] = []
    stores: list[wasmrt.Store] = []

    async def pause() -> int:
        if not snaps:
            snaps.append(stores[0].snapshot())
        return 0

    linker.define_func("env", "pause", FuncType([], [I32]), pause)
    config = wasmrt.WasiConfig()
    config.preopen_dir(str(data), "/data")
    store = wasmrt.Store(engine)
    store.set_wasi(config)
    stores.append(store)
    run = linker.instantiate(store, module).exports(store)["run"]
    fd, first, second = asyncio.run(run.call_async(store))
    assert (first.to_bytes(4, "little"), second.to_bytes(4, "little")) == (b"abc\0", b"def\0")
    for _ in range(2):      # every resume reads "def": its own descriptor at offset 3
        store2 = wasmrt.Store(engine)
        store2.set_wasi(config)
        assert asyncio.run(snaps[0].resume_async(store2)) == [fd, first, second]
    # a resume can map the preopen to another directory
    other = tmp_path / "other"
    other.mkdir()
    (other / "data.txt").write_bytes(b"uvwxyz")
    config2 = wasmrt.WasiConfig()
    config2.preopen_dir(str(other), "/data")
    store3 = wasmrt.Store(engine)
    store3.set_wasi(config2)
    result = asyncio.run(snaps[0].resume_async(store3))
    assert result[2].to_bytes(4, "little") == b"xyz\0"
    # a file that is gone cannot be opened again
    (data / "data.txt").unlink()
    store4 = wasmrt.Store(engine)
    store4.set_wasi(config)
    with pytest.raises(wasmrt.WasmtimeError, match="again"):
        asyncio.run(snaps[0].resume_async(store4))


def test_pending_stdin_read_reads_the_new_stores_stdin() -> None:
    from tests.wasi.conftest import program

    engine = wasmrt.Engine()
    module = wasmrt.Module.from_file(engine, str(program("stdin")))
    linker = wasmrt.Linker(engine)
    linker.define_wasi()
    snaps: list[wasmrt.Snapshot] = []
    store = wasmrt.Store(engine)

    class Stop(Exception):
        pass

    async def first_read(n: int) -> bytes:
        snaps.append(store.snapshot())
        raise Stop

    config = wasmrt.WasiConfig()
    config.stdin = first_read
    store.set_wasi(config)
    start = linker.instantiate(store, module).exports(store)["_start"]
    with pytest.raises(Stop):
        asyncio.run(start.call_async(store))
    for text in (b"first resume", b"second"):
        out: list[bytes] = []
        config2 = wasmrt.WasiConfig()
        config2.stdin = text
        config2.stdout = out.append
        store2 = wasmrt.Store(engine)
        store2.set_wasi(config2)
        assert asyncio.run(snaps[0].resume_async(store2)) is None
        assert b"".join(out) == text.upper()


# Several memories, a 64-bit one, one with 1-byte pages, and a 64-bit table: each is
# counted in before and after the pause, grown after it, and read back; the snapshot
# pickles (the memories' page sizes and address types come along).
WIDE_WAT = """(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (memory $a (export "a") 1)
  (memory $b (export "b") i64 1 4)
  (memory $c (export "c") 100 1000 (pagesize 1))
  (table $t i64 2 funcref)
  (elem (table $t) (i64.const 1) func $h)
  (func $bump (param $x i32)
    (i32.store $a (i32.const 0) (i32.add (i32.load $a (i32.const 0)) (local.get $x)))
    (i64.store $b (i64.const 65528)
      (i64.add (i64.load $b (i64.const 65528)) (i64.extend_i32_u (local.get $x))))
    (i32.store8 $c (i32.const 99) (i32.add (i32.load8_u $c (i32.const 99)) (local.get $x))))
  (func (export "run") (result i32 i64 i32 i32 i64)
    (local $r i32)
    (call $bump (i32.const 1))
    (local.set $r (call $h (i32.const 5)))
    (call $bump (local.get $r))
    (drop (memory.grow $c (i32.const 50)))
    (i32.store8 $c (i32.const 149) (i32.const 7))
    (drop (memory.grow $b (i64.const 1)))
    (i64.store $b (i64.const 65536) (i64.const -1))
    (i32.load $a (i32.const 0))
    (i64.add (i64.load $b (i64.const 65528)) (i64.load $b (i64.const 65536)))
    (i32.add (i32.load8_u $c (i32.const 99)) (i32.load8_u $c (i32.const 149)))
    (memory.size $c)
    (i64.add (table.size $t) (i64.extend_i32_u (ref.is_null (table.get $t (i64.const 1)))))))
"""


def test_several_memories_memory64_page_sizes_and_table64() -> None:
    config = wasmrt.Config()
    config.wasm_multi_memory = True
    config.wasm_memory64 = True
    config.wasm_custom_page_sizes = True
    engine = wasmrt.Engine(config)
    module = wasmrt.Module(engine, WIDE_WAT)
    linker = wasmrt.Linker(engine)
    linker.define_func("env", "h", FuncType([I32], [I32]), snapshot_host)
    store = wasmrt.Store(engine)
    CURRENT[:] = [store]
    PICKLED.clear()
    run = linker.instantiate(store, module).exports(store)["run"]
    want = [6, 5, 13, 150, 2]
    assert asyncio.run(run.call_async(store)) == want
    CURRENT.clear()
    snap = PICKLED[0]
    for again in (snap, snap, pickle.loads(pickle.dumps(snap))):
        store2 = wasmrt.Store(again.engine)
        assert asyncio.run(again.resume_async(store2)) == want
        inst = next(o for o in store2._context().objects if type(o).__name__ == "InstanceCtx")
        c, b = inst.exports["c"], inst.exports["b"]
        assert (len(c), c.is_64, len(b), b.is_64) == (150, False, 2 * 65536, True)
    small = wasmrt.Store(engine)
    small.set_limits(memory_size=99)    # memory c holds 100 one-byte pages
    with pytest.raises(wasmrt.WasmtimeError, match="memory limit"):
        asyncio.run(snap.resume_async(small))


# A paused guest whose GC heap holds a linked list (in a global), a cycle of three (only in
# a local and an array), an array of references (in an anyref table, beside an i31), a
# packed i8 array and a struct holding it, a funcref, an i64 and an f64 (in an anyref
# global), a caught exception whose payload is a list (in a local), after garbage was made: the snapshot captures the live objects; the resumed
# guest makes more garbage (collections) and reads everything back.
GC_WAT = """(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (type $node (struct (field $v i32) (field $next (mut (ref null $node)))))
  (type $arr (array (mut (ref null $node))))
  (type $bytes (array (mut i8)))
  (type $ft (func (result i32)))
  (type $pair (struct (field anyref) (field funcref) (field i64) (field f64)))
  (tag $e (param (ref null $node)))
  (global $list (mut (ref null $node)) (ref.null $node))
  (global $any (mut anyref) (ref.null any))
  (table $t 2 anyref)
  (func $seven (type $ft) (i32.const 7))
  (elem declare func $seven)
  (func $build (param $n i32) (result (ref null $node))
    (local $l (ref null $node))
    (loop $lp
      (local.set $l (struct.new $node (local.get $n) (local.get $l)))
      (br_if $lp (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $l))
  (func $sum (param $l (ref null $node)) (result i32)
    (local $s i32)
    (block $done
      (loop $lp
        (br_if $done (ref.is_null (local.get $l)))
        (local.set $s (i32.add (local.get $s) (struct.get $node $v (local.get $l))))
        (local.set $l (struct.get $node $next (local.get $l)))
        (br $lp)))
    (local.get $s))
  (func $churn (param $n i32)
    (loop $lp
      (drop (struct.new $node (local.get $n) (ref.null $node)))
      (br_if $lp (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "run") (param $x i32) (result i32)
    (local $cyc (ref null $node)) (local $a (ref null $arr)) (local $b (ref null $bytes))
    (local $p (ref null $pair)) (local $r i32) (local $ex exnref)
    (global.set $list (call $build (i32.const 100)))
    (local.set $cyc (struct.new $node (i32.const 1) (ref.null $node)))
    (struct.set $node $next (local.get $cyc)
      (struct.new $node (i32.const 2) (struct.new $node (i32.const 3) (local.get $cyc))))
    (local.set $a (array.new $arr (ref.null $node) (i32.const 10)))
    (array.set $arr (local.get $a) (i32.const 3) (call $build (i32.const 10)))
    (array.set $arr (local.get $a) (i32.const 7) (local.get $cyc))
    (table.set $t (i32.const 0) (local.get $a))
    (table.set $t (i32.const 1) (ref.i31 (i32.const 12345)))
    (local.set $b (array.new $bytes (i32.const 200) (i32.const 5)))
    (global.set $any
      (struct.new $pair (local.get $b) (ref.func $seven) (i64.const 1) (f64.const 2.5)))
    (local.set $a (ref.null $arr))
    (local.set $ex
      (block $k (result exnref)
        (try_table (catch_all_ref $k) (throw $e (call $build (i32.const 4))))
        (unreachable)))
    (call $churn (i32.const 100000))
    (local.set $r (call $h (local.get $x)))
    (call $churn (i32.const 300000))
    (local.set $p (ref.cast (ref $pair) (global.get $any)))
    (local.set $a (ref.cast (ref $arr) (table.get $t (i32.const 0))))
    (i32.add (local.get $r) (call $sum (global.get $list)))
    (i32.add (call $sum (array.get $arr (local.get $a) (i32.const 3))))
    (i32.add (ref.eq (local.get $cyc)
      (struct.get $node $next (struct.get $node $next (struct.get $node $next
        (array.get $arr (local.get $a) (i32.const 7)))))))
    (i32.add (array.get_s $bytes (local.get $b) (i32.const 4)))
    (i32.add (array.len (local.get $b)))
    (i32.add (call_ref $ft (ref.cast (ref $ft) (struct.get $pair 1 (local.get $p)))))
    (i32.add (i31.get_u (ref.cast (ref i31) (table.get $t (i32.const 1)))))
    (i32.add (i32.wrap_i64 (struct.get $pair 2 (local.get $p))))
    (i32.add (i32.trunc_f64_s (f64.mul (struct.get $pair 3 (local.get $p)) (f64.const 2))))
    (i32.add (ref.eq (ref.cast (ref null eq) (struct.get $pair 0 (local.get $p)))
                     (local.get $b)))
    (i32.add (ref.test (ref $pair) (global.get $any)))
    (i32.add (call $sum
      (block $k (result (ref null $node))
        (try_table (catch $e $k) (throw_ref (local.get $ex)))
        (unreachable))))))"""

GC_EXPECTED = 5 + 5050 + 55 + 1 - 56 + 5 + 7 + 12345 + 1 + 5 + 1 + 1 + 10

GC_PICKLE_SCRIPT = """
import asyncio, pickle, sys
import wasmrt
snap = pickle.loads(sys.stdin.buffer.read())
print(asyncio.run(snap.resume_async(wasmrt.Store(snap.engine))))
"""


def test_snapshot_of_a_live_gc_heap() -> None:
    """Restored in this process (twice, and unpickled) and in another one (its canonical
    type ids differ): the same result."""
    engine = wasmrt.Engine()
    module = wasmrt.Module(engine, GC_WAT)
    linker = wasmrt.Linker(engine)
    linker.define_func("env", "h", FuncType([I32], [I32]), snapshot_host)
    store = wasmrt.Store(engine)
    PICKLED.clear()
    CURRENT[:] = [store]
    run = linker.instantiate(store, module).exports(store)["run"]
    assert asyncio.run(run.call_async(store, 5)) == GC_EXPECTED
    CURRENT.clear()
    image = PICKLED[0]._image
    kinds = [entry[0] for entry in image.objects]
    # the list (100), the cycle (3), the array and its list (1 + 10), bytes, pair, the
    # exception and its list (1 + 4); stale slots may keep a few more
    assert 120 <= len(kinds) < 200 and kinds.count(0) == 1     # one exception
    assert len(image.types) >= 4
    data = pickle.dumps(PICKLED[0])
    for snap in (PICKLED[0], PICKLED[0], pickle.loads(data)):
        store2 = wasmrt.Store(engine)
        assert asyncio.run(snap.resume_async(store2)) == GC_EXPECTED
    assert in_another_process(GC_PICKLE_SCRIPT, data) == [str(GC_EXPECTED).encode()]


HOST_TYPES_SCRIPT = """
import asyncio, pickle, sys
import wasmrt
from wasmrt import FuncType, ValType
from wasmrt import _interp
shift = [ValType.ref(FuncType([ValType.i32()] * k, []), True) for k in range(1, 40)]  # new ids
snap = pickle.loads(sys.stdin.buffer.read())
store = wasmrt.Store(snap.engine)
print(asyncio.run(snap.resume_async(store))[0])
ft1 = FuncType([ValType.i64(), ValType.f32()], [ValType.f64()])
ft2 = FuncType([ValType.ref(ft1, True)], [ValType.i32()])
objs = store._context().objects
print(sorted({o.valtype for o in objs if isinstance(o, _interp.GlobalInstance)})
      == sorted({ValType.i32()._code, ValType.funcref()._code,
                 ValType.ref(ft2, True)._code}))
print([o.params for o in objs if isinstance(o, _interp.TagInstance)]
      == [(ValType.ref(ft1, True)._code,)])
"""


def test_host_made_types_survive_another_process() -> None:
    """Host-made function types that no module of the Store defines (of a global, a tag
    and a table the host made; one naming another) are described in the image, not named
    by this process's canonical ids: another process, whose ids differ, gets its own."""
    ft1 = FuncType([ValType.i64(), ValType.f32()], [ValType.f64()])
    ft2 = FuncType([ValType.ref(ft1, True)], [I32])

    def host_objects(store: wasmrt.Store) -> None:
        wasmrt.Global(store, wasmrt.GlobalType(ValType.ref(ft2, True), True), None)
        wasmrt.Tag(store, wasmrt.TagType(FuncType([ValType.ref(ft1, True)], [])))
        wasmrt.Table(store, wasmrt.TableType(ValType.ref(ft1, True), wasmrt.Limits(2, None)),
                     None)

    snap = snapshot_of_run(host_objects)
    assert [e[0] for e in snap._image.types].count("func") >= 3
    assert in_another_process(HOST_TYPES_SCRIPT, pickle.dumps(snap)) == [
        str(EXPECTED).encode(), b"True", b"True"]


def test_a_type_of_another_modules_group_is_refused_and_none_is_made() -> None:
    """A host object typed by a function type of a recursion group of two, from a module
    the Store has no instance of, cannot be described: the capture refuses it, and asking
    whether the host could have made that type creates no canonical type."""
    other = wasmrt.Module(wasmrt.Engine(), """(module
      (rec (type $a (func)) (type $b (func (param i32))))
      (import "m" "f" (func (type $b))))""")
    ft = other.imports[0].type
    assert isinstance(ft, FuncType)

    counts = []

    def prepare(store: wasmrt.Store) -> None:
        wasmrt.Table(store, wasmrt.TableType(ValType.ref(ft, True), wasmrt.Limits(1, None)),
                     None)
        counts.append(canonical_count())        # every type of the run made by now

    with pytest.raises(Exception, match="no module of the Store defines") as info:
        snapshot_of_run(prepare)
    assert isinstance(info.value, wasmrt.WasmtimeError) or isinstance(
        info.value.__cause__, wasmrt.WasmtimeError), info.value
    assert canonical_count() == counts[0]
