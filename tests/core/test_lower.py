"""The lowerer (``_core_lower.pxi``): the shape of the emitted register code, and that every
lowered body of the spec suite is well-formed code made only of ops declared in the ISA."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import spec_module_binaries, spec_wast_files
from wasmrt import _core
from wasmrt._isa_names import LAYOUT, NAMES, NCELLS
from wasmrt.errors import UnsupportedFeatureError
from wasmrt.wat import wat2wasm


def lower(text: str) -> list:
    """The ``LoweredFunc`` of every defined function of a module in WAT."""
    return list(_core.compile_module(wat2wasm(text)).func_codes)


def dis(body: str, sig: str = "(param i32 i32) (result i32)", extra: str = "") -> list[str]:
    """Disassembly (without pcs) of one function ``(func sig body)``."""
    funcs = lower(f"(module {extra} (func {sig} {body}))")
    return _core.disassemble(funcs[-1], pcs=False).splitlines()


# -- shape: local.get / const elimination ------------------------------------------------


def test_local_get_is_free() -> None:
    assert dis("local.get 0 local.get 1 i32.add") == ["i32_add dst=2 x=0 y=1", "ret_slot src=2"]


def test_constant_folds_into_imm_form() -> None:
    assert dis("local.get 0 i32.const 5 i32.add") == [
        "i32_add_imm dst=2 x=0 imm=5",
        "ret_slot src=2",
    ]


def test_constant_on_the_left_of_a_commutative_op() -> None:
    assert dis("i32.const -7 local.get 0 i32.mul") == [
        "i32_mul_imm dst=2 x=0 imm=-7",
        "ret_slot src=2",
    ]


def test_constant_on_the_left_of_a_compare_reverses_it() -> None:
    assert dis("i32.const 5 local.get 0 i32.lt_s") == [
        "i32_gt_s_imm dst=2 x=0 imm=5",
        "ret_slot src=2",
    ]


def test_constant_on_the_left_of_sub_is_materialised() -> None:
    assert dis("i32.const 5 local.get 0 i32.sub") == [
        "const32 dst=2 imm=5",
        "i32_sub dst=2 x=2 y=0",
        "ret_slot src=2",
    ]


def test_wide_i64_constant_is_not_an_imm() -> None:
    assert dis("local.get 0 i64.const 0x100000000 i64.add", "(param i64) (result i64)") == [
        "const64 dst=2 imm=4294967296",
        "i64_add dst=1 x=0 y=2",
        "ret_slot src=1",
    ]


def test_small_i64_constant_is_an_imm() -> None:
    assert dis("local.get 0 i64.const -1 i64.xor", "(param i64) (result i64)") == [
        "i64_xor_imm dst=1 x=0 imm=-1",
        "ret_slot src=1",
    ]


def test_float_constants_fold_into_imm_forms() -> None:
    assert dis("local.get 0 f64.const 2.5 f64.mul", "(param f64) (result f64)") == [
        f"f64_mul_imm dst=1 x=0 imm={0x4004000000000000}",
        "ret_slot src=1",
    ]
    assert dis("f32.const -1 local.get 0 f32.add", "(param f32) (result f32)") == [
        f"f32_add_imm dst=1 x=0 imm={0xBF800000 - 2**32}",
        "ret_slot src=1",
    ]


def test_returned_constant_goes_straight_to_slot_0() -> None:
    assert dis("f64.const 1.5", "(result f64)") == [
        f"const64 dst=0 imm={0x3FF8000000000000}",
        "ret",
    ]


def test_reinterpret_emits_nothing() -> None:
    assert dis("local.get 0 f32.reinterpret_i32", "(param i32) (result f32)") == ["ret_slot src=0"]


# -- shape: local.set / local.tee ----------------------------------------------------------


def test_local_set_retargets_the_producer() -> None:
    assert dis("local.get 0 local.get 0 i32.mul local.set 1 local.get 1",
               "(param i32) (result i32) (local i32)") == [
        "zero_locals first=1 n=1",  # declared locals start at zero
        "i32_mul dst=1 x=0 y=0",
        "ret_slot src=1",
    ]


def test_local_tee_retargets_and_the_value_stays_the_local() -> None:
    assert dis("local.get 0 i32.const 1 i32.add local.tee 1 local.get 1 i32.add",
               "(param i32) (result i32) (local i32)") == [
        "zero_locals first=1 n=1",
        "i32_add_imm dst=1 x=0 imm=1",
        "i32_add dst=2 x=1 y=1",
        "ret_slot src=2",
    ]


def test_local_set_preserves_a_pending_read_of_the_local() -> None:
    # The first `local.get 0` is still on the stack when local 0 is overwritten: it is
    # copied out first, and the sum uses the old value.
    assert dis("local.get 0 local.get 0 i32.const 1 i32.add local.set 0 local.get 0 i32.add",
               "(param i32) (result i32)") == [
        "copy dst=1 src=0",  # preserve the old value, then set
        "i32_add_imm dst=0 x=0 imm=1",
        "i32_add dst=1 x=1 y=0",
        "ret_slot src=1",
    ]


def test_local_set_of_a_constant() -> None:
    assert dis("i32.const 42 local.set 0 local.get 0", "(param i32) (result i32)") == [
        "const32 dst=0 imm=42",
        "ret_slot src=0",
    ]


def test_pending_local_is_materialised_before_a_block() -> None:
    assert dis("local.get 0 block i32.const 3 local.set 0 end local.get 0 i32.add",
               "(param i32) (result i32)") == [
        "copy dst=1 src=0",
        "const32 dst=0 imm=3",
        "i32_add dst=1 x=1 y=0",
        "ret_slot src=1",
    ]


# -- shape: branches ---------------------------------------------------------------------


def test_compare_fuses_with_br_if() -> None:
    assert dis("loop local.get 0 i32.const 1 i32.sub local.tee 0 local.get 1 i32.gt_s br_if 0 end"
               " local.get 0") == [
        # the decrement, the compare and the back-edge (the twin that checks Ctrl-C) in one
        "br_add_i32_gt_s_loop dst=0 x=0 y=1 offset=@0 imm=-1",
        "ret_slot src=0",
    ]


def test_compare_with_constant_fuses_with_if_negated() -> None:
    assert dis("local.get 0 i32.const 10 i32.lt_u if (result i32) i32.const 1 else i32.const 2"
               " end", "(param i32) (result i32)") == [
        "br_i32_ge_u_imm x=0 offset=@7 imm=10",
        "const32 dst=1 imm=1",
        "br offset=@9",
        "const32 dst=1 imm=2",
        "ret_slot src=1",
    ]


def test_float_compare_fuses_with_br_if() -> None:
    assert dis("loop local.get 0 f32.const 4 f32.le br_if 0 end", "(param f32)") == [
        f"br_f32_le_imm_loop x=0 offset=@0 imm={0x40800000}",
        "ret",
    ]
    assert dis("block local.get 0 local.get 1 f64.lt br_if 0 unreachable end",
               "(param f64 f64)") == ["br_f64_lt x=0 y=1 offset=@3", "unreachable", "ret"]


def test_float_compare_in_if_is_not_negated() -> None:
    # `if` branches to else when the compare is false, which is not f64.ge (NaN).
    assert dis("local.get 0 local.get 1 f64.lt if unreachable end", "(param f64 f64)") == [
        "f64_lt dst=2 x=0 y=1",
        "br_eqz cond=2 offset=@5",
        "unreachable",
        "ret",
    ]


def test_eqz_fuses_with_br_if() -> None:
    assert dis("block local.get 0 i64.eqz br_if 0 unreachable end", "(param i64)") == [
        "br_i64_eqz cond=0 offset=@3",
        "unreachable",
        "ret",
    ]


def test_plain_condition_branches_on_nonzero() -> None:
    assert dis("block local.get 0 br_if 0 unreachable end", "(param i32)") == [
        "br_nez cond=0 offset=@3",
        "unreachable",
        "ret",
    ]


def test_constant_condition_needs_no_branch() -> None:
    assert dis("block i32.const 0 br_if 0 i32.const 1 br_if 0 unreachable end", "") == [
        "br offset=@2",
        "ret",
    ]


def test_br_if_with_a_value_copies_on_the_taken_path_only() -> None:
    assert dis("block (result i32) i32.const 7 local.get 0 br_if 0 drop local.get 1 end",
               "(param i32 i32) (result i32)") == [
        "br_eqz cond=0 offset=@6",
        "const32 dst=2 imm=7",
        "br offset=@8",
        "copy dst=2 src=1",
        "ret_slot src=2",
    ]


def test_br_table_arms_needing_copies_use_trampolines() -> None:
    body = """
      block (result i32)
        i32.const 0
        block (result i32)
          i32.const 5 local.get 0 br_table 0 1 0
        end
        i32.add
      end"""
    assert dis(body, "(param i32) (result i32)") == [
        "const32 dst=2 imm=5",
        "br_table index=0 n=2 offset=[@11 @7 @11]",
        "copy dst=1 src=2",  # the trampoline of the outer label
        "br offset=@13",
        "i32_add_imm dst=1 x=2 imm=0",
        "ret_slot src=1",
    ]


def test_br_table_arms_already_in_place_branch_directly() -> None:
    body = """
      block (result i32)
        block (result i32)
          i32.const 5 local.get 0 br_table 0 1 1
        end
        i32.const 1 i32.add
      end"""
    assert dis(body, "(param i32) (result i32)") == [
        "const32 dst=1 imm=5",
        "br_table index=0 n=2 offset=[@7 @9 @9]",
        "i32_add_imm dst=1 x=1 imm=1",
        "ret_slot src=1",
    ]


def test_br_table_to_the_function_returns() -> None:
    assert dis("local.get 1 local.get 0 br_table 0 0") == [
        "copy dst=2 src=1",
        "br_table index=0 n=1 offset=[@6 @6]",
        "ret_slot src=2",
    ]


def test_if_without_else_keeps_its_params_in_place() -> None:
    assert dis("local.get 1 local.get 0 if (param i32) (result i32) i32.const 2 i32.mul end") == [
        "copy dst=2 src=1",
        "br_eqz cond=0 offset=@6",
        "i32_mul_imm dst=2 x=2 imm=2",
        "ret_slot src=2",
    ]


def test_loop_params_live_in_their_slots() -> None:
    body = """local.get 0
      loop (param i32) (result i32)
        i32.const 1 i32.sub local.tee 0 local.get 0 br_if 0
      end"""
    assert dis(body, "(param i32) (result i32)") == [
        "copy dst=1 src=0",  # the loop's param slot
        "br_add_eqz dst=0 x=1 imm=-1 offset=@9",
        "copy dst=1 src=0",  # br_if 0 carries local 0 into the param slot
        "br_loop offset=@2",
        "copy dst=1 src=0",  # the fall-through result
        "ret_slot src=1",
    ]


def test_dead_code_emits_nothing() -> None:
    assert dis("local.get 0 return local.get 1 i32.const 1 i32.add drop block end") == [
        "ret_slot src=0"
    ]


def test_return_of_several_values_moves_them_together() -> None:
    assert dis("local.get 1 local.get 0", "(param i32 i32) (result i32 i32)") == [
        "copy2 dst0=2 src0=1 dst1=3 src1=0",  # two moves in a row make one copy2
        "ret_n src=2 n=2",
    ]


# -- shape: calls and memory -------------------------------------------------------------


def test_call_arguments_are_contiguous_at_the_base() -> None:
    extra = "(func $f (param i32 i32) (result i32) local.get 0)"
    assert dis("local.get 1 i32.const 3 call $f local.get 0 i32.add", extra=extra) == [
        "copy dst=2 src=1",
        "const32 dst=3 imm=3",
        "call base=2 func=0",
        "i32_add dst=2 x=2 y=0",
        "ret_slot src=2",
    ]


def test_call_indirect_reads_its_index_slot() -> None:
    extra = "(type $t (func (param i32) (result i32))) (table 1 funcref)"
    assert dis("local.get 0 local.get 1 call_indirect (type $t)", extra=extra) == [
        "copy dst=2 src=0",
        "call_indirect base=2 index=1 type=0 table=0",
        "ret_slot src=2",
    ]


def test_load_and_store_offsets_are_immediates() -> None:
    body = "local.get 0 local.get 0 i32.load offset=8 i32.store16 offset=2 local.get 1"
    assert dis(body, extra="(memory 1)") == [
        "i32_load dst=3 addr=0 offset=8",
        "i32_store16 addr=0 val=3 offset=2",
        "ret_slot src=1",
    ]


def test_address_add_folds_into_loads_and_stores() -> None:
    # `x + k` feeding an access with offset 0 is computed by the access (the *_add forms),
    # also when the value to store is computed after the address; constants accumulate.
    body = """local.get 0 i32.const 8 i32.add
              local.get 0 i32.const 4 i32.add i32.const -2 i32.add i64.load8_u
              i64.store
              local.get 1 i32.const 3 i32.sub i32.load"""
    assert dis(body, extra="(memory 1)") == [
        "i64_load8_u_add dst=3 x=0 imm=2",
        "i64_store_add x=0 val=3 imm=8",
        "i32_load_add dst=2 x=1 imm=-3",
        "ret_slot src=2",
    ]


def test_address_add_with_an_offset_is_emitted() -> None:
    assert dis("local.get 0 i32.const 8 i32.add i32.load offset=4", extra="(memory 1)") == [
        "i32_add_imm dst=2 x=0 imm=8",
        "i32_load dst=2 addr=2 offset=4",
        "ret_slot src=2",
    ]


def test_pending_address_add_is_preserved_before_its_local_changes() -> None:
    # The address p + 4 is taken before the value's `local.tee 0` changes p.
    body = """local.get 0 i32.const 4 i32.add
              i32.const 9 local.tee 0
              i32.store local.get 0"""
    assert dis(body, extra="(memory 1)") == [
        "i32_add_imm dst=2 x=0 imm=4",
        "const32 dst=0 imm=9",
        "const32 dst=3 imm=9",
        "i32_store addr=2 val=3 offset=0",
        "ret_slot src=0",
    ]


def test_address_add_set_to_its_own_local_is_one_add() -> None:
    body = "local.get 0 i32.const 1 i32.add local.tee 0 local.get 0 i32.load8_u i32.add"
    assert dis(body, extra="(memory 1)") == [
        "i32_add_imm dst=0 x=0 imm=1",
        "i32_load8_u dst=3 addr=0 offset=0",
        "i32_add dst=2 x=0 y=3",
        "ret_slot src=2",
    ]


def test_scaled_index_fuses_into_the_add_or_the_load() -> None:
    # &base[i] and base[i] for 4-byte elements: the shift joins the add / the load
    assert dis("local.get 0 local.get 1 i32.const 2 i32.shl i32.add", extra="(memory 1)") == [
        "i32_add_shl dst=2 x=0 y=1 shift=2", "ret_slot src=2"]
    assert dis("local.get 1 i32.const 2 i32.shl i32.const 64 i32.add i32.load",
               extra="(memory 1)") == ["i32_load_shl dst=2 x=1 imm=64 shift=2", "ret_slot src=2"]
    # the shifted value kept in a local stays a shift
    assert dis("local.get 1 i32.const 3 i32.shl local.tee 1 local.get 0 i32.add") == [
        "i32_shl_imm dst=1 x=1 imm=3", "i32_add dst=2 x=1 y=0", "ret_slot src=2"]


def test_add_of_a_constant_fuses_with_the_branch_testing_it() -> None:
    counter = "local.get 0 i32.const {k} i32.add local.tee 0 {test} br_if 0"
    sig = "(param i32 i32)"
    assert dis(f"loop {counter.format(k=-1, test='')} end", sig) == [
        "br_add_nez_loop dst=0 x=0 imm=-1 offset=@0", "ret"]
    assert dis(f"loop {counter.format(k=4, test='i32.const 64 i32.lt_u')} end", sig) == [
        "br_add_i32_lt_u_imm_loop dst=0 x=0 imm=4 offset=@0 c=64", "ret"]
    # the counter on the right of the compare: the compare is reversed
    assert dis("loop local.get 1 local.get 0 i32.const 1 i32.add local.tee 0 i32.gt_u br_if 0"
               " end", sig) == ["br_add_i32_lt_u_loop dst=0 x=0 y=1 offset=@0 imm=1", "ret"]
    # a forward `if` tests the negated condition
    assert dis("local.get 0 i32.const 1 i32.add local.tee 0 i32.const 9 i32.eq if nop end",
               sig) == ["br_add_i32_ne_imm dst=0 x=0 imm=1 offset=@3 c=9", "ret"]
    # a label between the add and the branch keeps them apart
    assert dis("block local.get 1 br_if 0 local.get 0 i32.const 1 i32.add local.set 0 end"
               " local.get 0 if nop end", sig) == [
        "br_nez cond=1 offset=@4", "i32_add_imm dst=0 x=0 imm=1", "br_eqz cond=0 offset=@6",
        "ret"]


def test_float_product_feeding_add_or_sub_fuses() -> None:
    sig = "(param f64 f64 f64) (result f64)"
    assert dis("local.get 0 local.get 1 f64.mul local.get 2 f64.add", sig) == [
        "f64_mul_add dst=3 x=0 y=1 z=2", "ret_slot src=3"]
    assert dis("local.get 2 local.get 0 local.get 1 f64.mul f64.sub", sig) == [
        "f64_sub_mul dst=3 x=0 y=1 z=2", "ret_slot src=3"]
    assert dis("local.get 0 local.get 1 f64.mul local.get 2 f64.sub", sig) == [
        "f64_mul_sub dst=3 x=0 y=1 z=2", "ret_slot src=3"]
    # the product kept in a local stays a mul
    assert dis("local.get 0 local.get 1 f64.mul local.tee 0 local.get 2 f64.add", sig) == [
        "f64_mul dst=0 x=0 y=1", "f64_add dst=3 x=0 y=2", "ret_slot src=3"]


def test_srcmap_points_at_the_wasm_instructions() -> None:
    wasm = wat2wasm("(module (func (param i32) (result i32) local.get 0 i32.const 0 i32.div_u))")
    (func,) = _core.compile_module(wasm).func_codes
    (pc, offset), *_ = func.srcmap()
    assert pc == 0
    assert wasm[offset] == 0x6E  # i32.div_u


def test_frame_layout() -> None:
    (func,) = lower("(module (func (param i32 i64) (result f32) (local f64 i32) f32.const 0))")
    assert (func.nparams, func.nlocals, func.nresults) == (2, 2, 1)
    assert func.max_slots >= 4


def test_metering_adds_fuel_checks_at_entry_and_loop_heads() -> None:
    wasm = wat2wasm("(module (func loop br 0 end))")
    features = _core.WASM2_FEATURES | _core.FEATURE_METERING
    (func,) = _core.compile_module(wasm, features).func_codes
    assert _core.disassemble(func, pcs=False).splitlines() == ["fuel", "fuel", "br_loop offset=@1"]
    (plain,) = _core.compile_module(wasm).func_codes
    assert _core.disassemble(plain, pcs=False).splitlines() == ["br_loop offset=@0"]


def test_simd_ops_read_and_write_slot_pairs() -> None:
    body = ("(local.set 2 (i8x16.add (local.get 0) (local.get 1))) "
            "(i32x4.extract_lane 3 (i32x4.shl (local.get 2) (i32.const 3)))")
    assert dis(body, "(param v128 v128) (result i32) (local v128)") == [
        "zero_locals first=4 n=2", "i8x16_add dst=4 x=0 y=2", "const32 dst=8 imm=3", "i32x4_shl dst=6 x=4 count=8",
        "i32x4_extract_lane dst=6 x=6 lane=3", "ret_slot src=6"]


def test_pending_locals_cost_stays_linear_on_deep_stacks() -> None:
    # 40k values under 40k blocks, and 40k pending reads of one local under 40k writes of
    # another: quadratic preserve scans would take seconds here.
    n = 40_000
    bodies = ["i32.const 0 " * n + "local.get 0 block end drop " * n + "drop " * n,
              "local.get 1 " * n + "i32.const 1 local.set 0 " * n + "drop " * n]
    for body in bodies:
        wasm = wat2wasm(f"(module (func (param i32 i32) {body}))")
        start = time.perf_counter()
        _core.compile_module(wasm)
        assert time.perf_counter() - start < 1.0


# -- every lowered body of the spec suite is well-formed ----------------------------------

_SLOT_FIELDS = {"dst", "x", "y", "z", "src", "cond", "addr", "val", "vec", "count", "index",
                "init", "delta", "dst0", "src0", "dst1", "src1"}
_TERMINATORS = {"br", "br_loop", "ret", "ret_slot", "ret_n", "unreachable", "br_table"}


def _field(cell: int, field: str) -> int:
    return int(_core._cell_field(cell, field))


def check_code(func: object) -> None:
    """Walk the code: declared ops only, instructions end exactly at the end, branch
    targets are instruction starts, slot operands are inside the frame, and the code
    cannot run off its end."""
    cells = func.cells()  # type: ignore[attr-defined]
    max_slots = func.max_slots  # type: ignore[attr-defined]
    starts: list[int] = []
    targets: list[tuple[int, int]] = []
    pc = 0
    while pc < len(cells):
        op = cells[pc]
        assert op < len(NAMES), f"cell {pc}: undeclared op {op}"
        starts.append(pc)
        name = NAMES[op]
        if name == "br_table":
            n = _field(cells[pc + 1], "hi")
            size = 3 + n
            assert _field(cells[pc + 1], "a") < max_slots
            targets += [(pc, pc + _field(cells[pc + 2 + j], "lo")) for j in range(n + 1)]
        else:
            size = NCELLS[op]
            for k, spec in enumerate(LAYOUT[op]):
                for item in spec.split():
                    field, what = item.split("=")
                    value = _field(cells[pc + 1 + k], field)
                    if what == "offset" and name.startswith("br"):
                        targets.append((pc, pc + value))
                        # a *_loop twin is a back-edge, and every back-edge is one
                        assert (value <= 0) == name.endswith("_loop"), f"cell {pc}: {name}"
                    elif what in _SLOT_FIELDS:
                        assert value < max_slots, f"cell {pc}: {name} {what}={value} >= {max_slots}"
        pc += size
    assert pc == len(cells), "the last instruction runs past the end"
    where = set(starts)
    for src, dst in targets:
        assert dst in where, f"branch at {src} to {dst}: not an instruction"
    assert NAMES[cells[starts[-1]]] in _TERMINATORS, "code can fall off its end"


@pytest.mark.parametrize("path", spec_wast_files(), ids=lambda p: p.stem)
def test_spec_modules_lower_to_well_formed_code(path: Path) -> None:
    checked = 0
    for wasm in spec_module_binaries(path):
        try:
            info = _core.compile_module(wasm)
        except UnsupportedFeatureError:
            continue
        for func in info.func_codes:
            check_code(func)
            checked += 1
    if not checked:
        pytest.skip("no function body in this file's modules")
