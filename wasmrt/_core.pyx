# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""wasmrt._core: the compile front end (binary decoder, validator, lowering driver).

Naming: ``rd_*`` reader helpers (_reader.pxd), ``fv_*`` body-validator helpers,
``VT_*`` value types and ``EXTERN_*`` kinds (_defs.pxd), ``FEAT_*`` proposals
(_core.pxd); ``x``/``y`` are indices, ``t`` a value type, ``n`` a count.

Entry points: ``decode_module(data)``, ``validate_module(data, features)`` and
``compile_module(data, features)`` (see _core.pxd for the structures they return);
``dump_codes(module)`` and ``load_module(data, features, codes)`` carry the lowered code
of a compiled module over to a later process (``Module.serialize``/``deserialize``).
"""

cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy, memset

from wasmrt._defs cimport *
from wasmrt._reader cimport *
from wasmrt._wasm_ops cimport *

cdef extern from "wasmrt_debug.h":         # the debug build's invariant checks
    bint WASMRT_DEBUG                       # 1 in the debug build (make debug), else 0

import gc

from wasmrt.errors import DecodeError, UnsupportedFeatureError, ValidationError, WasmtimeError

# Module structures (ModuleInfo and friends)
include "_core_module.pxi"
# Binary decoder: one method per section, in binary order
include "_core_decode.pxi"
# Lowering to the internal IR (one Lowerer per body), through the typed emitters
# generated from the ISA's operand layouts
include "_core_lower.pxi"
include "_isa_emit.pxi"
include "_core_lower_simd.pxi"
# Validator: module rules and the one-pass body validator that drives the lowerer
include "_core_validate.pxi"
# Lowered code as bytes and back (the code table of a serialized module)
include "_core_serial.pxi"


cdef bytes _as_bytes(data):
    if isinstance(data, bytes):
        return <bytes>data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError("expected bytes-like wasm binary, got %s" % type(data).__name__)


cdef ModuleInfo _run(data, unsigned int features, int stage, list traces=None, codes=None):
    """Decode (stage 0), + validate (1), + lower (2), with the cyclic GC paused: the
    pipeline allocates many objects and creates no cycles.  ``codes`` (stage 0 only): a
    code table to take the lowered code from."""
    cdef Decoder d = Decoder(_as_bytes(data))
    d.m.features = features | FEAT_MUTABLE_GLOBALS | FEAT_SIGN_EXT | FEAT_SAT_FLOAT_TO_INT
    cdef bint gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        d.run()
        if stage > 0:
            validate_all(d.m, stage > 1, traces)
        elif codes is not None:
            load_codes(d.m, codes)
    finally:
        if gc_was_enabled:
            gc.enable()
    return d.m


def decode_module(data) -> ModuleInfo:
    """Decode the sections of a binary module (bodies are delimited, not decoded).

    Raises ``DecodeError`` (``UnsupportedFeatureError`` for 3.0 encodings)."""
    return _run(data, FEATURES_WASM2, 0)


def validate_module(data, unsigned int features=FEATURES_WASM2) -> ModuleInfo:
    """Decode and validate every module rule and every body, without lowering.

    Raises ``DecodeError`` for malformed input (including malformed instructions) and
    ``ValidationError`` for an invalid module."""
    return _run(data, features, 1)


def compile_module(data, unsigned int features=FEATURES_WASM2) -> ModuleInfo:
    """Decode, validate and lower a module; ``func_codes`` holds one code per body.

    Raises ``DecodeError`` or ``ValidationError``."""
    return _run(data, features, 2)


def load_module(data, unsigned int features, codes) -> ModuleInfo:
    """Decode a module compiled earlier with ``features`` and take its lowered code from
    ``codes`` (``dump_codes`` output) instead of validating and lowering its bodies: the
    result serves the runtime and the API as ``compile_module``'s would.

    The module is trusted to be valid (it was when it was compiled); the code table gets
    the structural checks of _core_serial.pxi.  Raises ``DecodeError``, or
    ``WasmtimeError`` for a code table that fails a check."""
    return _run(data, features, 0, None, codes)


def trace_instrs(data, unsigned int features=FEATURES_WASM2) -> list:
    """Validate a module and return, per defined function, the ``Instr`` seen by the
    lowerer after each instruction (as dicts: the fields that apply to the op, plus the
    operand-stack ``height`` and the current frame's ``unreachable`` flag).  For tests
    and for debugging the lowering seam."""
    cdef list traces = []
    _run(data, features, 1, traces)
    return traces


def read_leb128(data, int bits, bint signed=False) -> tuple:
    """Read one LEB128 integer of ``bits`` bits (32, 33 or 64) from the start of ``data``.

    Returns ``(value, bytes_consumed)``; raises ``DecodeError`` as the decoder would (for
    tests and tools: the decoder itself uses the inline readers of ``_reader.pxd``)."""
    cdef bytes b = _as_bytes(data)
    cdef Reader r
    if bits not in (32, 33, 64):
        raise ValueError("bits must be 32, 33 or 64")
    rd_init(&r, <const uint8_t*><const char*>b, len(b))
    cdef object value
    if signed:
        value = rd_sleb(&r, bits)
    else:
        value = rd_uleb(&r, bits)
    rd_check(&r)
    return value, <Py_ssize_t>(r.p - r.base)


def read_name(data) -> str:
    """Read one ``name`` (length-prefixed strict UTF-8) from the start of ``data``."""
    cdef bytes b = _as_bytes(data)
    cdef Reader r
    rd_init(&r, <const uint8_t*><const char*>b, len(b))
    return rd_str(&r)
