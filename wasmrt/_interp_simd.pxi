# SIMD: v128 values and the lane semantics of every v128 instruction.
#
# The semantics live in wasmrt/include/wasmrt_simd.h (one `static inline` C function per
# instruction, fixed-size lane loops that gcc vectorizes); this part declares them to Cython
# (the generated _interp_simd_ops.pxi) and holds the test-only entry `_simd_eval`.  A v128
# occupies two consecutive 64-bit slots; `simd_get`/`simd_put` move it in and out.

from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy

cdef extern from "wasmrt_simd.h" nogil:
    ctypedef union v128_t:
        uint8_t u8[16]
        uint64_t u64[2]
    v128_t simd_get(const void* p)
    void simd_put(void* p, v128_t v)

ctypedef v128_t (*v_load_fn)(const uint8_t*) noexcept nogil
ctypedef void (*v_store_fn)(uint8_t*, v128_t) noexcept nogil
ctypedef v128_t (*v_load_lane_fn)(const uint8_t*, v128_t, int) noexcept nogil
ctypedef void (*v_store_lane_fn)(uint8_t*, v128_t, int) noexcept nogil
ctypedef v128_t (*v_splat_fn)(uint64_t) noexcept nogil
ctypedef uint64_t (*v_extract_fn)(v128_t, int) noexcept nogil
ctypedef v128_t (*v_replace_fn)(v128_t, int, uint64_t) noexcept nogil
ctypedef v128_t (*v_un_fn)(v128_t) noexcept nogil
ctypedef v128_t (*v_bin_fn)(v128_t, v128_t) noexcept nogil
ctypedef v128_t (*v_tern_fn)(v128_t, v128_t, v128_t) noexcept nogil
ctypedef uint64_t (*v_test_fn)(v128_t) noexcept nogil
ctypedef v128_t (*v_shift_fn)(v128_t, uint32_t) noexcept nogil

include "_interp_simd_ops.pxi"


cdef v128_t _v128_arg(object value) except *:
    cdef bytes b = bytes(value)
    if len(b) != 16:
        raise ValueError(f"a v128 operand is 16 bytes, got {len(b)}")
    return simd_get(<const char*>b)


cdef bytes _v128_bytes(v128_t v):
    return (<char*>&v)[:16]


def _simd_eval(str op, *operands, int lane=0, bytes imm=b"", object memory=None,
               int offset=0):
    """Run the lane semantics of the v128 instruction `op` (test entry, not public API).

    `op` is the spec mnemonic (``"i8x16.add_sat_s"``); v128 operands and results are
    16-byte ``bytes`` (lane 0 first, little-endian), scalars are ints holding the slot bits
    (f32/f64 as their bit patterns).  By kind:

    - ``v128.const``: ``imm`` (16 bytes); ``i8x16.shuffle a b``: ``imm`` = the 16 lane indices;
    - unary/binary/ternary ops: the v128 operands; shifts: ``v, count``;
    - splat ``x``; ``extract_lane v`` / ``replace_lane v x`` with ``lane=``;
    - any_true/all_true/bitmask: ``v`` -> int;
    - loads ``addr`` (``offset=``, ``memory`` a bytearray) -> v128; ``load*_lane addr v``
      (``lane=``); stores ``addr v`` / ``store*_lane addr v`` write into ``memory``.
      An access outside ``memory`` raises ``IndexError("out of bounds memory access")``.
    """
    cdef str kind
    cdef int width
    cdef size_t fn
    cdef uint8_t[::1] mview
    cdef uint64_t ea
    cdef v128_t r
    if op == "v128.const":
        return _v128_bytes(_v128_arg(imm))
    try:
        kind, width, fn = _SIMD_HELPERS[op]
    except KeyError:
        raise ValueError(f"unknown v128 instruction {op!r}") from None
    if kind in ("load", "store", "load_lane", "store_lane"):
        if memory is None:
            raise ValueError(f"{op} needs memory=")
        mview = memory
        ea = <uint64_t>(<uint32_t>(<uint64_t>operands[0])) + <uint32_t>offset
        if ea + <uint64_t>width > <uint64_t>mview.shape[0]:
            raise IndexError("out of bounds memory access")
        if kind == "load":
            return _v128_bytes((<v_load_fn>fn)(&mview[0] + ea))
        if kind == "load_lane":
            return _v128_bytes((<v_load_lane_fn>fn)(&mview[0] + ea, _v128_arg(operands[1]), lane))
        if kind == "store":
            (<v_store_fn>fn)(&mview[0] + ea, _v128_arg(operands[1]))
        else:
            (<v_store_lane_fn>fn)(&mview[0] + ea, _v128_arg(operands[1]), lane)
        return None
    if kind == "splat":
        r = (<v_splat_fn>fn)(<uint64_t>operands[0])
    elif kind == "extract":
        return (<v_extract_fn>fn)(_v128_arg(operands[0]), lane)
    elif kind == "replace":
        r = (<v_replace_fn>fn)(_v128_arg(operands[0]), lane, <uint64_t>operands[1])
    elif kind == "shuffle":
        r = (<v_tern_fn>fn)(_v128_arg(operands[0]), _v128_arg(operands[1]), _v128_arg(imm))
    elif kind == "un":
        r = (<v_un_fn>fn)(_v128_arg(operands[0]))
    elif kind == "bin":
        r = (<v_bin_fn>fn)(_v128_arg(operands[0]), _v128_arg(operands[1]))
    elif kind == "tern":
        r = (<v_tern_fn>fn)(_v128_arg(operands[0]), _v128_arg(operands[1]),
                            _v128_arg(operands[2]))
    elif kind == "test":
        return (<v_test_fn>fn)(_v128_arg(operands[0]))
    else:  # shift
        r = (<v_shift_fn>fn)(_v128_arg(operands[0]), <uint32_t>(<uint64_t>operands[1]))
    return _v128_bytes(r)
