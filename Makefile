# wasmrt developer targets.  `make build` builds the extensions in place.
PYTHON ?= python3
JOBS ?= 2

.PHONY: build gen debug release annotate test spec spec-native bench lint typecheck clean fuzz asan

# Builds the flavour of the last in-place build (release at first); `make debug` and
# `make release` switch (setup.py: build/flavour), so `make debug && make test` tests the
# debug build.
build:
	$(PYTHON) setup.py -q build_ext --inplace -j $(JOBS)

# Regenerate every file derived from the instruction tables: tools/wasm_ops.py (the wasm
# instructions), tools/isa.py (the internal ops) and tools/isa_simd.py (their v128 handlers).
gen:
	$(PYTHON) tools/gen_wasm_ops.py
	$(PYTHON) tools/gen_isa.py
	$(PYTHON) tools/gen_simd.py

# The debug build: -O1 -g with the handlers' sibling calls kept (a long loop runs within the
# default 8 MiB C stack) and the invariant checks of the WASMRT_DEBUG macro
# (include/wasmrt_debug.h: lowered operand stack against the validator's, call frames).
debug:
	WASMRT_DEBUG=1 $(PYTHON) setup.py -q build_ext --inplace -j $(JOBS)

release:
	WASMRT_DEBUG=0 $(PYTHON) setup.py -q build_ext --inplace -j $(JOBS)

annotate:
	WASMRT_ANNOTATE=1 $(PYTHON) setup.py -q build_ext --inplace --force -j $(JOBS)

test: build
	$(PYTHON) -m pytest -q

spec: build
	$(PYTHON) -m pytest -q tests/spec --spec-table

# The whole spec suite with every function compiled to machine code first (the native tier).
spec-native: build
	WASMRT_STRATEGY=native $(PYTHON) -m pytest -q tests/spec --spec-table

bench: build
	$(PYTHON) -m benchmarks compare

# The long fuzz run: FUZZ_SECONDS of every fuzz target, findings in build/fuzz-findings.
FUZZ_SECONDS ?= 1800
fuzz: build
	$(PYTHON) -m tests.robustness.fuzz --seconds $(FUZZ_SECONDS)

# The extensions built with AddressSanitizer + UBSan in a copy of the tree (build/asan, so the
# in-place build is untouched), then the spec suite and the robustness/fuzz tests run on them.
# CPython itself is not instrumented: libasan is preloaded and leak checking is off.  The
# C stack stays at its usual limit: --param=asan-stack=0 leaves locals uninstrumented (no
# redzones around them), so the handlers keep gcc's sibling calls (with stack redzones an
# instrumented handler's epilogue follows its call to the next one: dispatch would recurse
# on the C stack); heap, global and UB checks are all on.  The release flavour is built.
ASAN_DIR ?= build/asan
ASAN_TESTS ?= tests/spec tests/robustness tests/core/test_hostile.py \
	tests/test_cli.py::test_a_long_loop_runs_in_8_mib_of_c_stack \
	tests/test_cli.py::test_a_bench_program_runs_in_8_mib_of_c_stack
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g \
	--param=asan-stack=0
SPEC_DIR = $(shell $(PYTHON) -c "from tests.conftest import spec_dir_path as p; print(p() or '')")
BENCH_DIR = $(shell $(PYTHON) -c "from benchmarks.programs import bench_dir as p; print(p() or '')")
asan:
	rm -rf $(ASAN_DIR) && mkdir -p $(ASAN_DIR)
	cp -rp wasmrt tests benchmarks setup.py pyproject.toml README.md $(ASAN_DIR)/
	rm -f $(ASAN_DIR)/wasmrt/*.so
	cd $(ASAN_DIR) && WASMRT_DEBUG=0 CFLAGS="$(SANITIZE)" LDFLAGS="$(SANITIZE)" \
	    $(PYTHON) setup.py -q build_ext --inplace -j $(JOBS)
	cd $(ASAN_DIR) && LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
	    ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    WASMRT_SPEC_DIR="$(SPEC_DIR)" WASMRT_BENCH_DIR="$(BENCH_DIR)" \
	    $(PYTHON) -m pytest -q -p no:cacheprovider $(ASAN_TESTS)

# The linters of $(PYTHON)'s environment (cython-lint runs the pycodestyle found on PATH).
SCRIPTS = $(shell $(PYTHON) -c "import sysconfig; print(sysconfig.get_path('scripts'))")
lint:
	PATH="$(SCRIPTS):$$PATH" ruff check wasmrt tests benchmarks tools
	PATH="$(SCRIPTS):$$PATH" cython-lint wasmrt

typecheck:
	mypy

clean:
	rm -rf build *.egg-info wasmrt/*.so wasmrt/_core.c wasmrt/_interp.c wasmrt/_memory.c wasmrt/*.html
