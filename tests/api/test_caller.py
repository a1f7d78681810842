"""Caller: exports of the calling instance, data, fuel; invalid after the call."""

from __future__ import annotations

import pytest

WAT = """(module
  (import "" "host" (func $host (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "hello")
  (global (export "g") i32 (i32.const 7))
  (func (export "run") (result i32) (call $host (i32.const 8) (i32.const 5))))"""


def test_caller_exports_and_data(rt):
    store = rt.Store(rt.Engine(), "store data")
    seen = {}

    def host(caller, ptr, length):
        mem = caller.get("memory")
        seen["text"] = bytes(mem.read(caller, ptr, ptr + length))
        seen["data"] = caller.data() if hasattr(caller, "data") else store.data()
        seen["global"] = caller["g"].value(caller)
        seen["missing"] = caller.get("nope")
        seen["caller"] = caller
        return length

    ty = rt.FuncType([rt.ValType.i32(), rt.ValType.i32()], [rt.ValType.i32()])
    f = rt.Func(store, ty, host, access_caller=True)
    inst = rt.Instance(store, rt.Module(store.engine, WAT), [f])
    assert inst.exports(store)["run"](store) == 5
    assert seen["text"] == b"hello"
    assert seen["data"] == "store data"
    assert seen["global"] == 7
    assert seen["missing"] is None
    with pytest.raises(KeyError):
        seen["caller"]["nope"]
    # After the call returns the caller is no longer valid.
    assert seen["caller"].get("memory") is None
    with pytest.raises(ValueError):
        inst.exports(store)["memory"].read(seen["caller"], 0, 1)


def test_caller_fuel_and_export():
    import wasmrt

    config = wasmrt.Config()
    config.consume_fuel = True
    engine = wasmrt.Engine(config)
    store = wasmrt.Store(engine)
    seen = {}

    def host(caller: wasmrt.Caller, a: int, b: int) -> int:
        seen["fuel"] = caller.get_fuel()
        caller.set_fuel(500)
        seen["memory"] = caller.get_export("memory")
        return 0

    inst = wasmrt.Instance(store, wasmrt.Module(engine, WAT), [wasmrt.Func.wrap(store, host)])
    store.set_fuel(1000)
    inst.exports(store)["run"](store)
    assert 0 < seen["fuel"] <= 1000
    assert isinstance(seen["memory"], wasmrt.Memory)
    assert store.get_fuel() <= 500


@pytest.mark.parametrize("outcome", ["returns", "raises", "traps"])
def test_caller_is_valid_only_during_its_call(rt, outcome):
    """After the host call (also one that raised) ``get`` gives None and ``caller[name]``
    raises KeyError; using it as a store raises ValueError."""
    store = rt.Store()
    kept = []

    def host(caller, ptr, length):
        assert caller.get("memory") is not None and caller["g"] is not None
        kept.append(caller)
        if outcome == "raises":
            raise ValueError("host failure")
        if outcome == "traps":
            raise rt.Trap("host trap")
        return 0

    ty = rt.FuncType([rt.ValType.i32(), rt.ValType.i32()], [rt.ValType.i32()])
    inst = rt.Instance(store, rt.Module(store.engine, WAT),
                       [rt.Func(store, ty, host, access_caller=True)])
    if outcome == "returns":
        inst.exports(store)["run"](store)
    else:
        with pytest.raises(ValueError if outcome == "raises" else rt.Trap):
            inst.exports(store)["run"](store)
    (caller,) = kept
    assert caller.get("memory") is None
    assert caller.get("g") is None
    with pytest.raises(KeyError):
        caller["memory"]
    with pytest.raises(ValueError, match="no longer valid"):
        inst.exports(store)["memory"].read(caller, 0, 1)
    with pytest.raises(ValueError, match="no longer valid"):
        inst.exports(store)["g"].value(caller)


def test_caller_from_linker_define_func(rt):
    store = rt.Store()
    kept = []
    linker = rt.Linker(store.engine)
    ty = rt.FuncType([rt.ValType.i32(), rt.ValType.i32()], [rt.ValType.i32()])
    linker.define_func("", "host", ty, lambda caller, p, n: kept.append(caller) or 0,
                       access_caller=True)
    linker.instantiate(store, rt.Module(store.engine, WAT)).exports(store)["run"](store)
    assert kept[0].get("memory") is None
    with pytest.raises(KeyError):
        kept[0]["memory"]
