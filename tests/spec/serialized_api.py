"""wasmrt with every compiled ``Module`` sent through ``serialize`` -> ``deserialize``.

``pytest tests/spec --spec-api tests.spec.serialized_api`` runs the spec suite on modules
whose code was never validated nor lowered in their own right (``Module.deserialize``
decodes the module and copies the stored code), with the same expected failures as
wasmrt itself; ``tests/api/test_serialize.py`` runs a sample of it.
"""

from __future__ import annotations

from typing import Any

import wasmrt
from wasmrt import *  # the whole API, with the Module below in place of wasmrt's


class Module(wasmrt.Module):
    """``wasmrt.Module`` compiled, serialized and deserialized again."""

    def __init__(self, engine: wasmrt.Engine, wasm: Any):
        compiled = wasmrt.Module(engine, wasm)
        again = wasmrt.Module.deserialize(engine, compiled.serialize())
        self._init(engine, again._binary, again._info)
