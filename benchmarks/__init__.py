"""wasmrt benchmarks: the programs of ``../shared/bench`` run on wasmrt and on its peers.

- ``python -m benchmarks compare`` times every program on every installed runtime,
  checks every checksum and prints (or writes, ``--write BENCHMARKS.md``) the table.
- ``python -m benchmarks real`` runs real programs shipped as ``.wasm`` in PyPI packages
  (CPython, resvg, Graphviz, zstd, Yosys: the ``real`` extra, opt-in) end to end, each in a
  fresh process, and puts its table into BENCHMARKS.md (``bench_real.py``).
- ``asv run`` (``asv.conf.json`` at the repository root) runs the ``bench_*.py`` suites of
  this folder, one file per phase: ``bench_instantiate.py``, ``bench_execute.py`` here;
  ``bench_compile.py``, ``bench_wat.py``, ``bench_host.py`` belong to the engineers of
  those stages and only need to follow the asv conventions (``time_*`` methods, ``params``).
- ``python -m benchmarks.bench_gc`` runs the GC programs of ``benchmarks/gc/`` (binary-trees
  on structs, a field-access loop) and their linear-memory baselines on wasmrt and
  wasmtime-py, with peak RSS, into BENCHMARKS.md's "gc" section (``--write``).
- ``python -m benchmarks native-cpu`` times the same programs' ``run(n)`` in thread CPU
  time, wasmrt's hot functions as machine code against wasmtime-py's, into BENCHMARKS.md's
  "native-cpu" section (``bench_native_cpu.py``, ``--write``).
- ``benchmarks/pyperf/`` holds pyperf scripts for A/B runs of one program.

``programs.py`` finds the programs and their expected checksums; ``runtimes.py`` adapts
each runtime (wasmrt, wasmtime-py, pywasm3, pywasm) to one small interface.
"""
