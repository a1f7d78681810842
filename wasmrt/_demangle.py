"""Function names in a trap's report as wasmtime shows them: Rust and C++ symbols demangled.

wasmtime tries ``rustc-demangle`` first, then ``cpp_demangle``, and prints the name as it is
when neither reads it.  Here: the legacy Rust mangling (``_ZN...E``, what rustc emits by
default) is decoded as rustc-demangle's Display does (hash kept, ``$LT$``-style escapes
and ``..`` undone, an ``.llvm.`` suffix dropped); other Itanium C++ names go to the C++
runtime's ``__cxa_demangle`` when the process can load libstdc++.  Rust's v0 mangling
(``_R...``, opt-in in rustc) is shown as it is.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
from functools import cache

__all__ = ["demangle"]

_ESCAPES = {"SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">", "LP": "(", "RP": ")",
            "C": ","}
_LLVM_SUFFIX_RE = re.compile(r"\.llvm\.[0-9A-F@]*\Z")
_SYMBOL_LIKE_RE = re.compile(r"[\x21-\x7e]*\Z")   # ASCII letters, digits, punctuation


def _rust_element(text: str) -> str:
    """One path element of a legacy Rust symbol, unescaped."""
    if text.startswith("_$"):
        text = text[1:]
    out = []
    while text:
        if text.startswith(".."):
            out.append("::")
            text = text[2:]
        elif text[0] == ".":
            out.append(".")
            text = text[1:]
        elif text[0] == "$":
            end = text.find("$", 1)
            if end < 0:
                break
            escape = text[1:end]
            if escape in _ESCAPES:
                out.append(_ESCAPES[escape])
            elif (escape[:1] == "u" and escape[1:] and all(c in "0123456789abcdef"
                                                          for c in escape[1:])
                  and int(escape[1:], 16) <= 0x10FFFF
                  and not 0xD800 <= int(escape[1:], 16) <= 0xDFFF
                  and chr(int(escape[1:], 16)).isprintable()):
                out.append(chr(int(escape[1:], 16)))
            else:
                break
            text = text[end + 1:]
        else:
            i = min((p for p in (text.find("$"), text.find(".")) if p >= 0), default=len(text))
            out.append(text[:i])
            text = text[i:]
    out.append(text)
    return "".join(out)


def _rust_legacy(name: str) -> str | None:
    """A legacy-mangled Rust symbol as rustc-demangle displays it, or None."""
    m = _LLVM_SUFFIX_RE.search(name)
    if m:
        name = name[:m.start()]
    for prefix in ("_ZN", "ZN", "__ZN"):
        if name.startswith(prefix):
            inner = name[len(prefix):]
            break
    else:
        return None
    if not inner.isascii():
        return None
    elements = []
    i = 0
    while True:
        if i >= len(inner):
            return None
        if inner[i] == "E":
            break
        j = i
        while j < len(inner) and inner[j].isdigit():
            j += 1
        if j == i:
            return None
        length = int(inner[i:j])
        if j + length > len(inner):
            return None
        elements.append(inner[j:j + length])
        i = j + length
    suffix = inner[i + 1:]
    if suffix and not (suffix[0] == "." and _SYMBOL_LIKE_RE.match(suffix)):
        return None
    return "::".join(_rust_element(e) for e in elements) + suffix


@cache
def _cxa_demangle() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    path = ctypes.util.find_library("stdc++")
    try:
        lib = ctypes.CDLL(path or "libstdc++.so.6")
        fn = lib.__cxa_demangle
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_void_p
    fn.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p,
                   ctypes.POINTER(ctypes.c_int)]
    return fn


def _cpp(name: str) -> str | None:
    """An Itanium C++ symbol demangled by the C++ runtime, or None."""
    if not name.startswith("_Z"):
        return None
    fn = _cxa_demangle()
    if fn is None:
        return None
    status = ctypes.c_int(0)
    ptr = fn(name.encode(), None, None, ctypes.byref(status))
    if not ptr or status.value != 0:
        return None
    try:
        return ctypes.string_at(ptr).decode("utf-8", "replace")
    finally:
        ctypes.CDLL(None).free(ctypes.c_void_p(ptr))


def demangle(name: str) -> str:
    """``name`` demangled as wasmtime's backtraces show it (as it is when not mangled)."""
    return _rust_legacy(name) or _cpp(name) or name
