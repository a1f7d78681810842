"""Build the three Cython extensions of wasmrt (everything else lives in pyproject.toml).

WASMRT_DEBUG=1 builds with annotation, line tracing, -O0 -g and the WASMRT_DEBUG macro.
Cython runs when the extensions are built, not when an sdist is made: the sdist ships the
.pyx/.pxi/.pxd sources (MANIFEST.in), never generated C.
"""

import os
import runpy

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

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
    MSVC_FLAGS = ["/Od", "/Zi", "/DWASMRT_DEBUG=1", "/DCYTHON_TRACE_NOGIL=1"]
else:
    # -O2 or higher is required: tail-call dispatch relies on the compiler's sibling-call
    # optimisation (gcc and clang at -O2; MSVC at /O2, unverified: the smoke test's long loop
    # would overflow the C stack without it).
    CFLAGS = ["-O3", "-fno-strict-aliasing"]
    MSVC_FLAGS = ["/O2"]
# No contraction of a*b+c into a fused multiply-add (on FMA targets): wasm rounds after
# each operation, and the fused handlers (f64_mul_add ...) compute exactly that.
CFLAGS += ["-ffp-contract=off", "-Wno-unused-function", "-Wno-unreachable-code"]
MSVC_FLAGS += ["/fp:precise"]

# The extension modules, listed once in wasmrt/_unbuilt.py (which names a missing one on import).
MODULES = runpy.run_path("wasmrt/_unbuilt.py", run_name="setup")["EXTENSIONS"]

extensions = [
    Extension(f"wasmrt.{name}", [f"wasmrt/{name}.pyx"], include_dirs=["wasmrt/include"])
    for name in MODULES
]


class BuildExt(build_ext):
    """Cythonize the extensions, then compile them with the flags of the compiler in use
    (gcc and clang: ``CFLAGS``; MSVC: ``MSVC_FLAGS``)."""

    def run(self) -> None:
        generated = cythonize(
            self.extensions,
            compiler_directives=DIRECTIVES,
            annotate=DEBUG or os.environ.get("WASMRT_ANNOTATE") == "1",
            nthreads=int(os.environ.get("WASMRT_BUILD_JOBS", "0")) or None,
        )
        c_sources = {ext.name: ext.sources for ext in generated}
        for ext in self.extensions:  # finalized by setuptools: keep them, swap .pyx for .c
            ext.sources = c_sources[ext.name]
        super().run()

    def finalize_options(self) -> None:
        super().finalize_options()
        if self.parallel is None:  # compile the extensions side by side (pip passes no -j)
            self.parallel = min(len(MODULES), os.cpu_count() or 1)

    def build_extensions(self) -> None:
        flags = MSVC_FLAGS if self.compiler.compiler_type == "msvc" else CFLAGS
        for ext in self.extensions:
            ext.extra_compile_args = flags
        super().build_extensions()


setup(ext_modules=extensions, cmdclass={"build_ext": BuildExt})
