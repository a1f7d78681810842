"""Fixtures for running hand-assembled internal code (see asm.py)."""

from __future__ import annotations

import pytest

from wasmrt import _interp

from .asm import asm

I32, I64, F32, F64, FUNCREF, EXTERNREF = 0x7F, 0x7E, 0x7D, 0x7C, 0x70, 0x6F


class Rig:
    """A store with one instance context whose functions are hand-assembled."""

    def __init__(self, nfuncs: int = 4, nglobals: int = 2, ntables: int = 2, ntypes: int = 4,
                 ndatas: int = 2, nelems: int = 2, **store_kw):
        self.store = _interp.StoreCtx(**store_kw)
        self.inst = _interp.InstanceCtx(self.store, None)
        self.inst.alloc(nfuncs, nglobals, ntables, ntypes, ndatas, nelems)
        self.codes = []

    def func(self, index: int, program: list, params=b"", results=b"", nlocals: int = 0,
             max_slots: int = 0, type_id: int = 0, srcmap=()):
        """Define function `index` from `program` and return its FuncInstance."""
        code = _interp.DebugCode(asm(program), bytes(params), bytes(results), nlocals, max_slots,
                                 index, 0, srcmap, 0)
        fi = code.instantiate(self.store, self.inst, type_id)
        self.inst.set_func(index, fi)
        return fi


@pytest.fixture
def rig() -> Rig:
    return Rig()


def op1(name: str, vt_in: int, vt_out: int, rig: Rig | None = None):
    """A function computing unary op `name` on its parameter."""
    rig = rig or Rig()
    return rig.func(0, [(name, {"dst": 1, "x": 0}), ("ret_slot", {"src": 1})], [vt_in], [vt_out])


def op2(name: str, vt_in: int, vt_out: int, rig: Rig | None = None):
    """A function computing binary op `name` on its two parameters."""
    rig = rig or Rig()
    return rig.func(0, [(name, {"dst": 2, "x": 0, "y": 1}), ("ret_slot", {"src": 2})],
                    [vt_in, vt_in], [vt_out])
