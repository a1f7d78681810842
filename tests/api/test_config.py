"""Config and Engine: every wasmtime-py option name, type checks, feature set."""

from __future__ import annotations

import pickle

import pytest

import wasmrt

BOOL_OPTIONS = [
    "debug_info",
    "wasm_threads",
    "wasm_tail_call",
    "wasm_reference_types",
    "wasm_simd",
    "wasm_bulk_memory",
    "wasm_multi_value",
    "wasm_multi_memory",
    "wasm_memory64",
    "wasm_relaxed_simd",
    "wasm_relaxed_simd_deterministic",
    "wasm_component_model",
    "wasm_exceptions",
    "wasm_function_references",
    "wasm_gc",
    "wasm_wide_arithmetic",
    "wasm_custom_page_sizes",
    "wasm_stack_switching",
    "cranelift_debug_verifier",
    "consume_fuel",
    "parallel_compilation",
    "shared_memory",
    "gc_support",
    "cranelift_nan_canonicalization",
    "memory_may_move",
    "native_unwind_info",
    "signals_based_traps",
    "memory_init_cow",
    "macos_use_mach_ports",
]


@pytest.mark.parametrize("name", BOOL_OPTIONS)
def test_bool_options(rt, name):
    config = rt.Config()
    setattr(config, name, False)
    with pytest.raises(TypeError):
        setattr(config, name, "yes")


@pytest.mark.parametrize(
    "name",
    ["max_wasm_stack", "memory_reservation", "memory_guard_size", "memory_reservation_for_growth"],
)
def test_int_options(rt, name):
    config = rt.Config()
    setattr(config, name, 1 << 20)
    with pytest.raises(TypeError):
        setattr(config, name, "big")


def test_choice_options(rt):
    config = rt.Config()
    config.strategy = "auto"
    config.cranelift_opt_level = "speed"
    config.profiler = "none"
    config.epoch_interruption = True
    config.cache = True
    config.cranelift_flag_enable("has_sse3")
    config.cranelift_flag_set("opt_level", "speed")
    with pytest.raises(rt.WasmtimeError, match="unknown strategy"):
        config.strategy = "jit"
    with pytest.raises(rt.WasmtimeError, match="unknown opt level"):
        config.cranelift_opt_level = "fast"
    with pytest.raises(rt.WasmtimeError, match="unknown profiler"):
        config.profiler = "gprof"
    with pytest.raises(rt.WasmtimeError):
        config.cache = False
    with pytest.raises(TypeError):
        config.cache = 3
    with pytest.raises(TypeError):
        config.cranelift_flag_set("a", 1)


def test_write_only(rt):
    with pytest.raises(AttributeError):
        rt.Config().wasm_simd  # noqa: B018


def test_engine(rt):
    rt.Engine()
    rt.Engine(rt.Config()).increment_epoch()
    with pytest.raises(TypeError, match="expected Config"):
        rt.Engine(1)


def test_engine_features():
    config = wasmrt.Config()
    config.wasm_simd = False
    config.wasm_tail_call = True
    config.consume_fuel = True
    engine = wasmrt.Engine(config)
    assert "simd" not in engine._features
    assert {"tail_call", "bulk_memory", "reference_types", "multi_value"} <= engine._features
    assert engine._consume_fuel
    again = pickle.loads(pickle.dumps(engine))
    assert again._features == engine._features and again._consume_fuel
    assert "simd" in wasmrt.Engine()._features
