"""One clear sentence instead of a circular-import traceback when the C extensions are missing.

``python -m wasmrt`` or ``import wasmrt`` run from the root of a source checkout import the
``wasmrt/`` folder there, not an installed wasmrt; if that folder's extensions were never
built, the first ``from . import _interp`` fails deep inside the package with "cannot import
name '_interp' from partially initialized module 'wasmrt'".  ``check_built`` looks for the
extension files first (a few ``stat`` calls) and says what happened and what to run.
``wasmrt/__init__.py`` imports this module before anything else, which runs the check.
"""

from __future__ import annotations

import os
from importlib.machinery import EXTENSION_SUFFIXES

__all__ = ["EXTENSIONS", "unbuilt_message"]

# The compiled modules of the package (setup.py's MODULES).
EXTENSIONS = ("_core", "_interp", "_memory")


def unbuilt_message(package_dir: str) -> str | None:
    """None when every extension of ``package_dir`` is built for this Python, else the
    sentence that explains it (a source tree, or an installation missing its extensions)."""
    missing = [name for name in EXTENSIONS
               if not any(os.path.exists(os.path.join(package_dir, name + suffix))
                          for suffix in EXTENSION_SUFFIXES)]
    if not missing:
        return None
    root = os.path.dirname(os.path.abspath(package_dir))
    if os.path.exists(os.path.join(package_dir, "_core.pyx")):
        return (f"wasmrt was imported from its source tree in {root}, whose C extensions are "
                f"not built for this Python: run `pip install -e .` there to build them (or "
                f"`make build`), or use the installed `wasmrt` command or run Python from "
                f"another directory, so that the installed wasmrt is imported.")
    return (f"the wasmrt installed in {root} has no C extension {', '.join(missing)} for this "
            f"Python: reinstall it with `pip install --force-reinstall wasmrt`.")


# The check runs when the package imports this module; setup.py runs it as a file under
# another name only to read EXTENSIONS, on a tree that is not built yet.
if __name__ == "wasmrt._unbuilt":
    _MESSAGE = unbuilt_message(os.path.dirname(os.path.abspath(__file__)))
    if _MESSAGE is not None:
        raise ImportError(_MESSAGE, name="wasmrt")
