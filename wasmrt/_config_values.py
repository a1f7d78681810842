"""The checks wasmtime makes on two ``Config`` values, so wasmrt rejects what wasmtime-py
rejects, with the same words: a ``target`` triple (wasmtime parses it with the
``target-lexicon`` crate) and a ``cache`` configuration file (wasmtime's cache
configuration, a TOML file with a ``[cache]`` table).

wasmrt neither compiles for another target nor caches compiled code, so a value that
passes is kept only for these checks.
"""

from __future__ import annotations

import os
from typing import Any

from .errors import WasmtimeError

__all__ = ["check_cache_file", "check_target"]

# target-lexicon's names (0.13), by the field they fill; its parser takes the
# architecture, then each later field when the part names one, in this order.
_ARM = (
    "arm armeb armv4 armv4t armv5t armv5te armv5tej armv6 armv6j armv6k armv6z armv6kz "
    "armv6t2 armv6m armv7 armv7a armv7k armv7ve armv7m armv7r armv7s armv8 armv8a armv8.1a "
    "armv8.2a armv8.3a armv8.4a armv8.5a armv8m.base armv8m.main armv8r thumbeb thumbv4t "
    "thumbv5te thumbv6m thumbv7a thumbv7em thumbv7m thumbv7neon thumbv8m.base thumbv8m.main "
    "armebv7r"
)
ARCHITECTURES = frozenset((
    "unknown amdgcn asmjs avr bpfeb bpfel hexagon loongarch64 m68k msp430 nvptx64 pulley32 "
    "pulley64 pulley32be pulley64be powerpc powerpc64 powerpc64le s390x sparc sparc64 "
    "sparcv9 wasm32 wasm64 x86_64 x86_64h xtensa aarch64 arm64 aarch64_be clever clever1.0 "
    "riscv32 riscv32gc riscv32i riscv32im riscv32ima riscv32imac riscv32imafc riscv32imc "
    "riscv64 riscv64gc riscv64imac riscv64a23 i386 i586 i686 mips mipsel mipsisa32r6 "
    "mipsisa32r6el mips64 mips64el mipsisa64r6 mipsisa64r6el " + _ARM
).split())
VENDORS = frozenset((
    "unknown", "amd", "apple", "espressif", "experimental", "fortanix", "ibm", "kmc",
    "nintendo", "nvidia", "pc", "rumprun", "sun", "uwp", "wrs"
))
_VERSIONED_OS = ("darwin", "ios", "macosx", "tvos", "visionos", "watchos", "xros")
OPERATING_SYSTEMS = frozenset((
    "unknown", "aix", "amdhsa", "bitrig", "cloudabi", "cuda", "cygwin", "dragonfly",
    "emscripten", "freebsd", "fuchsia", "haiku", "hermit", "horizon", "hurd", "illumos",
    "l4re", "linux", "nebulet", "netbsd", "none", "openbsd", "psp", "redox", "solaris",
    "solid_asp3", "uefi", "vxworks", "wasi", "wasip1", "wasip2", "windows", "espidf"
))
ENVIRONMENTS = frozenset((
    "unknown", "amdgiz", "android", "androideabi", "eabi", "eabihf", "gnu", "gnuabi64",
    "gnueabi", "gnueabihf", "gnuspe", "gnux32", "gnu_ilp32", "gnullvm", "hermitkernel",
    "hurdkernel", "linuxkernel", "macabi", "musl", "musleabi", "musleabihf", "muslabi64",
    "msvc", "newlib", "none", "kernel", "uclibc", "uclibceabi", "uclibceabihf", "sgx", "sim",
    "softfloat", "spe", "threads", "ohos"
))
BINARY_FORMATS = frozenset(["unknown", "elf", "coff", "macho", "wasm", "xcoff"])
_SPECIAL_TRIPLES = frozenset(("armv6k-nintendo-3ds", "riscv32imc-esp-espidf"))


def _is_os(part: str) -> bool:
    for name in _VERSIONED_OS:
        if part.startswith(name):  # a version may follow: macosx10.7.0
            version = part[len(name):]
            if not version:
                return True
            numbers = version.split(".")
            return len(numbers) <= 3 and all(n.isdigit() and n.isascii() for n in numbers)
    return part in OPERATING_SYSTEMS


def _is_vendor(part: str) -> bool:
    if part in VENDORS:
        return True
    # a custom vendor: a lowercase word that names nothing else
    return bool(part) and part[0].isascii() and part[0].islower() and not (
        part in ARCHITECTURES or _is_os(part) or part in ENVIRONMENTS
        or part in BINARY_FORMATS
    ) and all(c.isascii() and (c.islower() or c.isdigit() or c in "_.") for c in part)


def check_target(triple: str) -> str:
    """``triple`` if target-lexicon parses it as wasmtime does; else ``WasmtimeError`` with
    its words ("Unrecognized architecture: bogus")."""
    if triple in _SPECIAL_TRIPLES:
        return triple
    parts = triple.split("-")
    if parts[0] not in ARCHITECTURES:
        raise WasmtimeError(f"Unrecognized architecture: {parts[0]}")
    fields = (("vendor", _is_vendor), ("operating system", _is_os),
              ("environment", ENVIRONMENTS.__contains__),
              ("binary format", BINARY_FORMATS.__contains__))
    rest = parts[1:]
    last = -1                   # the last field recognised
    for i, (_, matches) in enumerate(fields):
        if rest and matches(rest[0]):
            last = i
            rest = rest[1:]
    if rest:
        # an unrecognised part is named as the field after the last one recognised
        field = fields[last + 1][0] if last + 1 < len(fields) else "field"
        raise WasmtimeError(f"Unrecognized {field}: {rest[0]}")
    return triple


# The [cache] keys of wasmtime's cache configuration and how each value is read.
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SI_UNITS = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15}
_DISK_UNITS = {**_SI_UNITS, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40,
               "Pi": 1 << 50}
_PERCENT_UNITS = {"%": 1}
_CACHE_KEYS: dict[str, Any] = {
    "directory": str,
    "worker-event-queue-size": _SI_UNITS,
    "baseline-compression-level": int,
    "optimized-compression-level": int,
    "optimized-compression-usage-counter-threshold": _SI_UNITS,
    "cleanup-interval": _DURATION_UNITS,
    "optimizing-compression-task-timeout": _DURATION_UNITS,
    "allowed-clock-drift-for-files-from-future": _DURATION_UNITS,
    "file-count-soft-limit": _SI_UNITS,
    "files-total-size-soft-limit": _DISK_UNITS,
    "file-count-limit-percent-if-deleting": _PERCENT_UNITS,
    "files-total-size-limit-percent-if-deleting": _PERCENT_UNITS,
}
_ZSTD_LEVELS = range(22)


class _InvalidValue(Exception):
    """A value of the cache file that wasmtime would not read (the reason)."""


def _quantity(text: Any, units: dict[str, int]) -> int:
    """A "<number><unit>" value of the cache file ("1d", "512Mi", "70%")."""
    if not isinstance(text, str):
        raise _InvalidValue(f"invalid type: {type(text).__name__}, expected a string")
    text = text.strip()
    digits = len(text) - len(text.lstrip("0123456789"))
    number, unit = text[:digits], text[digits:].strip()
    if not number or unit not in units:
        raise _InvalidValue("Invalid value, please refer to the documentation")
    value = int(number) * units[unit]
    if value >= 1 << 64 or (units is _PERCENT_UNITS and value > 255):
        raise _InvalidValue("Invalid value, please refer to the documentation")
    return value


def check_cache_file(path: str) -> str:
    """``path`` if it is a cache configuration wasmtime accepts; else ``WasmtimeError``
    saying why (unreadable, not TOML, unknown key, bad value, out of range).

    wasmtime also creates the cache directory then; wasmrt, which caches nothing, leaves
    the file system alone."""
    import tomllib  # only here: most programs never name a cache file

    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        cause = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        code = f" (os error {e.errno})" if isinstance(e, OSError) and e.errno else ""
        raise WasmtimeError(
            f"failed to read config file: {path}\n\nCaused by:\n    {cause}{code}\n") from None

    def bad(why: str) -> WasmtimeError:
        return WasmtimeError(f"failed to parse config file: {path}\n\nCaused by:\n    {why}\n")

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise bad(f"TOML parse error: {e}") from None
    for key in doc:
        if key != "cache":
            raise bad(f"unknown field `{key}`, expected `cache`")
    if "cache" not in doc:
        raise bad("missing field `cache`")
    cache = doc["cache"]
    if not isinstance(cache, dict):
        raise bad("invalid type: expected struct CacheConfig")
    values: dict[str, Any] = {}
    for key, value in cache.items():
        kind = _CACHE_KEYS.get(key)
        if kind is None:
            expected = ", ".join(f"`{k}`" for k in _CACHE_KEYS)
            raise bad(f"unknown field `{key}`, expected one of {expected}")
        try:
            if kind is str or kind is int:
                if not isinstance(value, kind) or isinstance(value, bool):
                    raise _InvalidValue(f"invalid type: {type(value).__name__}, "
                                     f"expected {'a string' if kind is str else 'i32'}")
                values[key] = value
            else:
                values[key] = _quantity(value, kind)
        except _InvalidValue as e:
            raise bad(f"{e} for key `cache.{key}`") from None
    directory = values.get("directory")
    if directory is not None and not os.path.isabs(directory):
        raise WasmtimeError(f"Cache directory path has to be absolute, path: {directory}")
    baseline = values.get("baseline-compression-level", 3)
    optimized = values.get("optimized-compression-level", 20)
    if baseline not in _ZSTD_LEVELS:
        raise WasmtimeError(f"Invalid baseline compression level: {baseline} not in 0..=21")
    if optimized not in _ZSTD_LEVELS:
        raise WasmtimeError(f"Invalid optimized compression level: {optimized} not in 0..=21")
    if optimized < baseline:
        raise WasmtimeError("Invalid optimized compression level is lower than baseline: "
                            f"{optimized} < {baseline}")
    for key, what in (("file-count-limit-percent-if-deleting", "files count"),
                      ("files-total-size-limit-percent-if-deleting", "files total size")):
        if values.get(key, 70) > 100:
            raise WasmtimeError(f"Invalid {what} limit percent if deleting: {values[key]} "
                                "not in range 0-100%")
    return path
