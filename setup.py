"""Build the three Cython extensions of wasmrt (everything else lives in pyproject.toml).

WASMRT_DEBUG=1 builds with annotation, line tracing, -O0 -g and the WASMRT_DEBUG macro.
"""

import os

from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("WASMRT_DEBUG") == "1"

# One directives dict for the whole project; the hot-loop modules add their own
# `# cython:` header lines (boundscheck, wraparound, cdivision, initializedcheck).
DIRECTIVES = {
    "language_level": 3,
    "embedsignature": True,
    "binding": False,
    "linetrace": DEBUG,
    "profile": False,
}

if DEBUG:
    CFLAGS = ["-O0", "-g", "-DWASMRT_DEBUG=1", "-DCYTHON_TRACE_NOGIL=1"]
else:
    # -O2 or higher is required: tail-call dispatch relies on gcc's sibling-call optimisation.
    CFLAGS = ["-O3", "-fno-strict-aliasing"]
# No contraction of a*b+c into a fused multiply-add (on FMA targets): wasm rounds after
# each operation, and the fused handlers (f64_mul_add ...) compute exactly that.
CFLAGS += ["-ffp-contract=off", "-Wno-unused-function", "-Wno-unreachable-code"]

MODULES = ["_core", "_interp", "_memory"]

extensions = [
    Extension(
        f"wasmrt.{name}",
        [f"wasmrt/{name}.pyx"],
        include_dirs=["wasmrt/include"],
        extra_compile_args=CFLAGS,
    )
    for name in MODULES
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives=DIRECTIVES,
        annotate=DEBUG or os.environ.get("WASMRT_ANNOTATE") == "1",
        nthreads=int(os.environ.get("WASMRT_BUILD_JOBS", "0")) or None,
    ),
)
