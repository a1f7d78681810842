# cython: language_level=3
"""wasmrt._interp (placeholder until its stage lands)."""
