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


@pytest.mark.parametrize("triple", [
    "x86_64-unknown-linux-gnu", "aarch64-apple-darwin", "x86_64", "x86_64-linux",
    "wasm32-wasip1", "riscv64gc-unknown-linux-gnu", "armv7-unknown-linux-gnueabihf",
    "x86_64-pc-windows-msvc", "aarch64-apple-macosx11.0", "x86_64-myvendor-linux-musl",
    "pulley64",
])
def test_target_accepts_known_triples(rt, triple):
    rt.Config().target = triple


@pytest.mark.parametrize(("triple", "message"), [
    ("bogus-triple", "Unrecognized architecture: bogus"),
    ("", "Unrecognized architecture: "),
    ("x86_64-unknown-linux-gnu-extra", "Unrecognized binary format: extra"),
    ("x86_64-unknown-linux-gnu-elf-x", "Unrecognized field: x"),
    ("x86_64-Vendor", "Unrecognized vendor: Vendor"),
    ("x86_64-unknown-plan9", "Unrecognized operating system: plan9"),
    ("x86_64-unknown-linux-libc", "Unrecognized environment: libc"),
    ("aarch64-apple-macosx1.2.3.4", "Unrecognized operating system: macosx1.2.3.4"),
])
def test_target_rejects_unknown_triples(rt, triple, message):
    with pytest.raises(rt.WasmtimeError) as info:
        rt.Config().target = triple
    assert str(info.value) == message


def _cache_file(tmp_path, text):
    path = tmp_path / "cache.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("text", [
    "[cache]\n",
    ('[cache]\ndirectory = "/tmp/wasmrt-cache-dir"\ncleanup-interval = "30m"\n'
     'files-total-size-soft-limit = "512Mi"\nfile-count-limit-percent-if-deleting = "50%"\n'
     "baseline-compression-level = 3\n"),
])
def test_cache_accepts_valid_files(rt, tmp_path, text):
    rt.Config().cache = _cache_file(tmp_path, text)


@pytest.mark.parametrize(("text", "message"), [
    ("this is not toml [[[", "failed to parse config file"),
    ("", "missing field `cache`"),
    ("[cache]\nenabled = true\n", "unknown field `enabled`"),
    ("[other]\n", "unknown field `other`"),
    ('[cache]\ncleanup-interval = "soon"\n', "Invalid value"),
    ('[cache]\nfile-count-limit-percent-if-deleting = "150%"\n', "not in range 0-100%"),
    ("[cache]\nbaseline-compression-level = 30\n", "Invalid baseline compression level"),
    ('[cache]\ndirectory = "relative/dir"\n', "has to be absolute"),
])
def test_cache_rejects_invalid_files(rt, tmp_path, text, message):
    with pytest.raises(rt.WasmtimeError, match=message):
        rt.Config().cache = _cache_file(tmp_path, text)


def test_cache_rejects_missing_files(rt, tmp_path):
    missing = str(tmp_path / "missing.toml")
    with pytest.raises(rt.WasmtimeError) as info:
        rt.Config().cache = missing
    assert str(info.value) == (f"failed to read config file: {missing}\n\nCaused by:\n"
                               "    No such file or directory (os error 2)\n")
    with pytest.raises(rt.WasmtimeError, match="Is a directory"):
        rt.Config().cache = str(tmp_path)


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
