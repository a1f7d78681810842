# cython: language_level=3
"""wasmrt._interp (placeholder until its stage lands)."""

# SIMD: v128 lane semantics (wasmrt/include/wasmrt_simd.h) and their handlers
include "_interp_simd.pxi"
