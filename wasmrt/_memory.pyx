# cython: language_level=3
"""wasmrt._memory (placeholder until its stage lands)."""
