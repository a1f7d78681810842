"""``Closeable``: ``close()`` and the ``with`` protocol of wasmtime-py's resource objects
(its ``Managed`` base) for ``Config``, ``Engine``, ``Module``, ``Linker`` and ``InstancePre``.

wasmrt's objects own no native handles: closing one drops what it holds and makes every
later use raise ``ValueError("already closed")``, as wasmtime-py does; what was made from
it before (Stores of a closed Engine, Instances of a closed Module) keeps working.
"""

from __future__ import annotations

from typing import Self

__all__ = ["Closeable", "NothingToClose"]


class Closeable:
    """Mixin: ``close()``, ``__enter__``/``__exit__`` and the ``_live()`` check."""

    _closed = False

    def close(self) -> None:
        """Close this object: using it afterwards raises ``ValueError`` (closing twice is
        allowed)."""
        self._closed = True

    def _live(self) -> Self:
        """``self``, or ``ValueError("already closed")`` once closed."""
        if self._closed:
            raise ValueError("already closed")
        return self

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NothingToClose:
    """Mixin: ``close()`` and the ``with`` protocol for objects that hold nothing to release
    (value and extern types, exceptions and backtrace frames, ``WasiConfig``).

    wasmtime-py gives every object of its C API these methods, so code written for it may
    close such an object; here closing releases nothing and the object stays usable (types
    are shared: a Module's import types, the ``ValType`` singletons).
    """

    __slots__ = ()

    def close(self) -> None:
        """Nothing to release (wasmtime-py frees a native handle here); the object stays
        usable."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
