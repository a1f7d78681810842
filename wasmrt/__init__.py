"""wasmrt: a WebAssembly runtime for Python with a wasmtime-py compatible API.

The public names (``api.__all__``) are re-exported here from ``wasmrt.api``; see
``ARCHITECTURE.md`` for the pipeline (text -> decode -> validate + lower -> execute).
"""

from . import (
    _unbuilt,  # noqa: F401  (first: a missing build fails here, in one sentence)
    api,
)
from ._version import __version__
from .api import *  # the public names: api.__all__, the one list

__all__ = ["__version__"]
__all__ += api.__all__
