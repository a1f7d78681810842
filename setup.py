"""Build the three Cython extensions of wasmrt (everything else lives in pyproject.toml).

WASMRT_DEBUG=1 (``make debug``) builds for a debugger: -O1 -g with frame pointers and the
sibling calls the handler dispatch needs kept (so deep wasm loops stay within the default
8 MiB C stack), the invariant checks of the WASMRT_DEBUG macro (include/wasmrt_debug.h) and
the annotated HTML.  WASMRT_DEBUG=0 (``make release``) builds the release flavour.  An
in-place build without WASMRT_DEBUG keeps the flavour of the last one (build/flavour), so
``make debug && make test`` tests the debug build; a change of flavour rebuilds everything.
Any other build (pip, wheels) is the release flavour unless WASMRT_DEBUG=1.
Cython runs when the extensions are built, not when an sdist is made: the sdist ships the
.pyx/.pxi/.pxd sources (MANIFEST.in), never generated C.
"""

import os
import runpy

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

FLAVOUR_FILE = os.path.join("build", "flavour")  # "debug" or "release": the in-place build

# One directives dict for the whole project; the hot-loop modules add their own
# `# cython:` header lines (boundscheck, wraparound, cdivision, initializedcheck).
DIRECTIVES = {
    "language_level": 3,
    "embedsignature": True,
    "binding": False,
    "linetrace": False,
    "profile": False,
}

# Debuggable code that keeps the handlers' tail-call dispatch (without it every wasm
    # instruction nests a C frame): -O1 with -foptimize-sibling-calls and frame pointers.
    # gcc 12's -Og makes no sibling call at all, even with that flag.  Cython's `inline`
    # helpers are forced inline, as -O3 does by itself: a handler that calls do_call (8
    # arguments, 2 on the stack) instead of inlining it cannot make that a sibling call.
DEBUG_FLAGS = ["-O1", "-g", "-foptimize-sibling-calls", "-fno-omit-frame-pointer",
               "-fno-strict-aliasing", "-DWASMRT_DEBUG=1",
               "-DCYTHON_INLINE=__inline__ __attribute__((__always_inline__, __unused__))"]
MSVC_DEBUG_FLAGS = ["/Od", "/Zi", "/DWASMRT_DEBUG=1"]
# -O2 or higher is required: tail-call dispatch relies on the compiler's sibling-call
# optimisation (gcc and clang at -O2; MSVC at /O2, unverified: the smoke test's long loop
# would overflow the C stack without it).
RELEASE_FLAGS = ["-O3", "-fno-strict-aliasing"]
MSVC_RELEASE_FLAGS = ["/O2"]
# No contraction of a*b+c into a fused multiply-add (on FMA targets): wasm rounds after
# each operation, and the fused handlers (f64_mul_add ...) compute exactly that.
COMMON_FLAGS = ["-ffp-contract=off", "-Wno-unused-function", "-Wno-unreachable-code"]
MSVC_COMMON_FLAGS = ["/fp:precise"]

# The extension modules, listed once in wasmrt/_unbuilt.py (which names a missing one on import).
MODULES = runpy.run_path("wasmrt/_unbuilt.py", run_name="setup")["EXTENSIONS"]

extensions = [
    Extension(f"wasmrt.{name}", [f"wasmrt/{name}.pyx"], include_dirs=["wasmrt/include"])
    for name in MODULES
]


def built_flavour() -> str | None:
    """The flavour of the in-place build, if one was made."""
    try:
        with open(FLAVOUR_FILE) as f:
            return f.read().strip()
    except OSError:
        return None


class BuildExt(build_ext):
    """Cythonize the extensions, then compile them with the flags of the flavour and of
    the compiler in use (gcc and clang: ``*_FLAGS``; MSVC: ``MSVC_*_FLAGS``)."""

    def run(self) -> None:
        generated = cythonize(
            self.extensions,
            compiler_directives=DIRECTIVES,
            annotate=self.debug_build or os.environ.get("WASMRT_ANNOTATE") == "1",
            nthreads=int(os.environ.get("WASMRT_BUILD_JOBS", "0")) or None,
        )
        c_sources = {ext.name: ext.sources for ext in generated}
        for ext in self.extensions:  # finalized by setuptools: keep them, swap .pyx for .c
            ext.sources = c_sources[ext.name]
        super().run()
        if self.inplace:
            os.makedirs(os.path.dirname(FLAVOUR_FILE), exist_ok=True)
            with open(FLAVOUR_FILE, "w") as f:
                f.write(self.flavour + "\n")

    def finalize_options(self) -> None:
        super().finalize_options()
        if self.parallel is None:  # compile the extensions side by side (pip passes no -j)
            self.parallel = min(len(MODULES), os.cpu_count() or 1)
        env = os.environ.get("WASMRT_DEBUG")
        built = built_flavour() if self.inplace else None
        if env is not None:
            self.flavour = "debug" if env == "1" else "release"
        else:
            self.flavour = built or "release"
        self.debug_build = self.flavour == "debug"
        if built is not None and built != self.flavour:
            self.force = True  # no module of the other flavour stays
        if self.debug_build:
            print("wasmrt: the debug build (make release or WASMRT_DEBUG=0: the release build)")

    def build_extensions(self) -> None:
        if self.compiler.compiler_type == "msvc":
            flags = MSVC_DEBUG_FLAGS if self.debug_build else MSVC_RELEASE_FLAGS
            flags = flags + MSVC_COMMON_FLAGS
        else:
            flags = (DEBUG_FLAGS if self.debug_build else RELEASE_FLAGS) + COMMON_FLAGS
        for ext in self.extensions:
            ext.extra_compile_args = flags
        super().build_extensions()


setup(ext_modules=extensions, cmdclass={"build_ext": BuildExt})
