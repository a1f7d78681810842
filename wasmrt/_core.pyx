# cython: language_level=3
"""wasmrt._core (placeholder until its stage lands)."""
