# wasmrt developer targets.  `make build` builds the extensions in place.
PYTHON ?= python3
JOBS ?= 2

.PHONY: build debug annotate test spec bench lint typecheck clean

build:
	$(PYTHON) setup.py -q build_ext --inplace -j $(JOBS)

debug:
	WASMRT_DEBUG=1 $(PYTHON) setup.py -q build_ext --inplace --force -j $(JOBS)

annotate:
	WASMRT_ANNOTATE=1 $(PYTHON) setup.py -q build_ext --inplace --force -j $(JOBS)

test: build
	$(PYTHON) -m pytest -q

spec: build
	$(PYTHON) -m pytest -q tests/spec --spec-table

bench: build
	$(PYTHON) -m benchmarks compare

lint:
	ruff check wasmrt tests benchmarks tools
	cython-lint wasmrt

typecheck:
	mypy

clean:
	rm -rf build *.egg-info wasmrt/*.so wasmrt/_core.c wasmrt/_interp.c wasmrt/_memory.c wasmrt/*.html
