"""The public surface of wasmrt against wasmtime-py's core API, compared mechanically.

Every name wasmtime-py exports exists in wasmrt; every public attribute of each of its
classes exists on wasmrt's class (or, for ``Trap``/``Frame``, whose properties are plain
attributes in wasmrt, on an instance) and is of the same kind (method, class method,
property, enum member of equal value); wasmrt's methods accept every call wasmtime-py's
accept (same positional order and names, optional where wasmtime-py's are, extra
parameters optional).  The differences below are intentional, each with its reason; one
that is no longer a difference fails the test, so the lists stay true.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

import wasmrt

wasmtime = pytest.importorskip("wasmtime", reason="wasmtime-py (oracle) not installed")

NO_COMPONENTS = "the component model is not implemented"

# wasmtime-py's exported names that wasmrt does not have.
MISSING_NAMES: dict[str, str] = {
    "StoreContext": "wasmtime-py hands it only to component-model host functions; " + NO_COMPONENTS,
}

# (class, attribute) of wasmtime-py that wasmrt's class lacks; "*" stands for every class.
MISSING_ATTRS: dict[tuple[str, str], str] = {
    ("*", "ptr"): "returns the object's C-API pointer: wasmrt has no C API",
    ("Store", "set_wasi_http"): "sets up wasi:http, which is for components; " + NO_COMPONENTS,
}

# (class, method) whose signatures differ on purpose.
SIGNATURES: dict[tuple[str, str], str] = {
    ("Caller", "__init__"): "made by the runtime for each host call, never by embedders",
    ("ExitTrap", "__init__"): "wasmtime-py never makes one from Python (it comes out of the C "
    "API, code set afterwards); wasmrt's WASI raises it with the exit code",
    ("WasiConfig", "preopen_dir"): "the third positional parameter is `dir_perms` (the "
    "DirPerms/FilePerms form); a bool there is taken as wasmtime-py 50's `fs_mutable`, which "
    "also works by keyword, so every wasmtime-py call works",
}

# Dunder methods that are part of the API when a class defines them itself.
DUNDERS = ("__init__", "__call__", "__getitem__", "__len__", "__iter__", "__contains__",
           "__enter__", "__exit__", "__eq__", "__hash__")


def _trap(rt: ModuleType) -> Any:
    store = rt.Store()
    module = rt.Module(store.engine, '(module (func (export "f") unreachable))')
    try:
        rt.Instance(store, module, []).exports(store)["f"](store)
    except rt.Trap as trap:
        return trap
    raise AssertionError("no trap")


# Classes whose wasmtime-py properties are instance attributes in wasmrt: compared on
# instances made the same way in both runtimes.
INSTANCES: dict[str, Callable[[ModuleType], Any]] = {
    "Trap": _trap,
    "Frame": lambda rt: _trap(rt).frames[0],
}


def _exported_classes() -> list[str]:
    return [n for n in wasmtime.__all__ if inspect.isclass(getattr(wasmtime, n))
            and n not in MISSING_NAMES]


def _public(cls: type) -> list[str]:
    names = [n for n in dir(cls) if not n.startswith("_")]
    for dunder in DUNDERS:
        owner = next((k for k in cls.__mro__ if dunder in vars(k)), object)
        if owner not in (object, Exception, BaseException) and owner.__module__ != "typing":
            names.append(dunder)
    return names


def _static(cls: type, name: str) -> Any:
    for k in cls.__mro__:
        if name in vars(k):
            return vars(k)[name]
    return None


def _kind(obj: Any) -> str:
    if isinstance(obj, property):
        return "property"
    if isinstance(obj, (classmethod, staticmethod)):
        return "classmethod"
    if isinstance(obj, enum.Enum):
        return "member"
    if callable(obj):
        return "method"
    return "data"


def _params(fn: Any) -> list[inspect.Parameter] | None:
    """The parameters after self/cls, or None when the signature says nothing
    (a C slot, or ``(*args, **kwargs)``)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    if [p.kind for p in params] == [inspect.Parameter.VAR_POSITIONAL,
                                    inspect.Parameter.VAR_KEYWORD]:
        return None
    return params


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _signature_gaps(ours: list[inspect.Parameter], theirs: list[inspect.Parameter]) -> list[str]:
    """Why a call wasmtime-py's signature accepts might fail on ours."""
    gaps = []
    by_name = {p.name: p for p in ours}
    star = any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in ours)
    positional = [p for p in ours if p.kind in _POSITIONAL]
    for i, p in enumerate(theirs):
        if p.kind in _POSITIONAL:
            if i >= len(positional):
                if not star:
                    gaps.append(f"no positional parameter {i} ({p.name})")
                continue
            q = positional[i]
            if p.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD and q.name != p.name:
                gaps.append(f"parameter {i} is {q.name!r}, wasmtime-py's {p.name!r}")
            if p.default is not inspect.Parameter.empty and q.default is inspect.Parameter.empty:
                gaps.append(f"{q.name!r} is required, optional in wasmtime-py")
        elif p.kind == inspect.Parameter.KEYWORD_ONLY:
            if p.name not in by_name:
                gaps.append(f"no keyword parameter {p.name!r}")
        elif p.kind == inspect.Parameter.VAR_POSITIONAL and not star:
            gaps.append("no *args")
    theirs_names = {p.name for p in theirs}
    for i, q in enumerate(positional):
        required = q.default is inspect.Parameter.empty
        beyond = i >= len(theirs) or theirs[i].kind not in _POSITIONAL
        if required and beyond and q.name not in theirs_names:
            gaps.append(f"extra required parameter {q.name!r}")
    return gaps


def _differences() -> tuple[list[str], set[tuple[str, str]], set[tuple[str, str]]]:
    """Every difference found, and the MISSING_ATTRS / SIGNATURES entries used."""
    found: list[str] = []
    used_attrs: set[tuple[str, str]] = set()
    used_sigs: set[tuple[str, str]] = set()
    for name in _exported_classes():
        theirs_cls, ours_cls = getattr(wasmtime, name), getattr(wasmrt, name, None)
        if ours_cls is None:
            continue
        instance = INSTANCES[name](wasmrt) if name in INSTANCES else None
        for attr in _public(theirs_cls):
            key = next((k for k in ((name, attr), ("*", attr)) if k in MISSING_ATTRS), None)
            ours = _static(ours_cls, attr)
            has = ours is not None or attr == "__hash__" or (instance is not None and hasattr(instance, attr))
            if not has:
                if key is None:
                    found.append(f"{name}.{attr}: missing")
                else:
                    used_attrs.add(key)
                continue
            theirs = _static(theirs_cls, attr)
            if attr == "__hash__" and theirs is None:
                continue  # unhashable in wasmtime-py: wasmrt may be either
            kt = _kind(theirs)
            ko = _kind(ours) if ours is not None else "data"
            if kt == "member":
                if ours.value != theirs.value:
                    found.append(f"{name}.{attr}: value {ours.value} != {theirs.value}")
                continue
            if kt == "property":
                if ko == "data" and instance is not None:
                    continue  # a plain attribute on wasmrt's instances
                if ko != "property":
                    found.append(f"{name}.{attr}: a {ko}, wasmtime-py's is a property")
                    continue
                if theirs.fget is not None and ours.fget is None:
                    found.append(f"{name}.{attr}: not readable")
                if theirs.fset is not None and ours.fset is None:
                    found.append(f"{name}.{attr}: not writable")
                continue
            if kt != ko and not (kt == "method" and ko == "classmethod"):
                found.append(f"{name}.{attr}: a {ko}, wasmtime-py's is a {kt}")
                continue
            pt = _params(getattr(theirs_cls, attr))
            po = _params(getattr(ours_cls, attr))
            if pt is None or po is None:
                continue
            gaps = _signature_gaps(po, pt)
            if gaps:
                if (name, attr) in SIGNATURES:
                    used_sigs.add((name, attr))
                else:
                    found.append(f"{name}.{attr}{inspect.signature(getattr(ours_cls, attr))}: "
                                 + "; ".join(gaps))
    return found, used_attrs, used_sigs


def test_every_exported_name_exists() -> None:
    missing = [n for n in wasmtime.__all__ if not hasattr(wasmrt, n) and n not in MISSING_NAMES]
    assert not missing, f"wasmtime-py names missing from wasmrt: {missing}"
    # Storelike is public in wasmtime-py (imported, not in __all__): typing code uses it
    assert wasmrt.Storelike is wasmrt.api.Storelike
    stale = [n for n in MISSING_NAMES if hasattr(wasmrt, n) or not hasattr(wasmtime, n)]
    assert not stale, f"MISSING_NAMES entries that are no longer differences: {stale}"


def test_classes_match() -> None:
    found, used_attrs, used_sigs = _differences()
    assert not found, "differences from wasmtime-py:\n  " + "\n  ".join(found)
    stale = sorted(set(MISSING_ATTRS) - used_attrs) + sorted(set(SIGNATURES) - used_sigs)
    assert not stale, f"allow-list entries that are no longer differences: {stale}"


def test_every_public_wasmrt_name_is_documented() -> None:
    """Every public class, function and method of wasmrt has a docstring."""
    undocumented = []
    for name in wasmrt.__all__:
        obj = getattr(wasmrt, name)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and not inspect.getdoc(obj):
            undocumented.append(name)
        if not inspect.isclass(obj) or issubclass(obj, enum.Enum):
            continue
        for attr, value in vars(obj).items():
            if attr.startswith("_") or not (callable(value) or isinstance(value, property)):
                continue
            if not getattr(value, "__doc__", None) and not inspect.getdoc(getattr(obj, attr)):
                undocumented.append(f"{name}.{attr}")
    assert not undocumented, f"no docstring: {undocumented}"


def test_signature_check_catches_differences() -> None:
    """The comparison itself: each kind of incompatible signature is reported."""

    def sig(*spec: str) -> list[inspect.Parameter]:
        """Parameters from specs: "a" required, "a=" optional, "*a" var, "a*" keyword-only."""
        out = []
        for s in spec:
            kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
            if s.startswith("*"):
                kind, s = inspect.Parameter.VAR_POSITIONAL, s[1:]
            elif s.endswith("*"):
                kind, s = inspect.Parameter.KEYWORD_ONLY, s[:-1]
            default = 1 if s.endswith("=") else inspect.Parameter.empty
            out.append(inspect.Parameter(s.rstrip("="), kind, default=default))
        return out

    assert _signature_gaps(sig("a", "b="), sig("a", "b=")) == []
    assert _signature_gaps(sig("a", "b=", "c="), sig("a", "b=")) == []
    assert _signature_gaps(sig("a", "*rest"), sig("a", "b", "c")) == []
    assert _signature_gaps(sig("x", "b="), sig("a", "b=")) == [
        "parameter 0 is 'x', wasmtime-py's 'a'"]
    assert _signature_gaps(sig("a", "b"), sig("a", "b=")) == [
        "'b' is required, optional in wasmtime-py"]
    assert _signature_gaps(sig("a"), sig("a", "b")) == ["no positional parameter 1 (b)"]
    assert _signature_gaps(sig("a", "c"), sig("a")) == ["extra required parameter 'c'"]
    assert _signature_gaps(sig("a"), sig("a", "k=*")) == ["no keyword parameter 'k'"]
