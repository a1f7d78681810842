"""GC references (Wasm 3.0 structs and arrays) as Python values: ``AnyRef`` and its
classes ``StructRef`` and ``ArrayRef``, named as in wasmtime's Rust API (wasmtime-py 51
has no anyref values).  They are the runtime's own classes (``_interp``): the Store's
``to_cell``/``from_cell`` make and take them, so this module only names them."""

from __future__ import annotations

from ._interp import AnyRef, ArrayRef, StructRef

__all__ = ["AnyRef", "ArrayRef", "StructRef"]
