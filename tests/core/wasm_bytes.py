"""Hand-made binary modules for decoder tests (what WAT cannot express: malformed bytes)."""

from __future__ import annotations

HEADER = b"\x00asm\x01\x00\x00\x00"


def uleb(n: int) -> bytes:
    """Unsigned LEB128 of ``n`` (shortest form)."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n: int) -> bytes:
    """Signed LEB128 of ``n`` (shortest form)."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def section(sid: int, content: bytes) -> bytes:
    """A section: id, size, content."""
    return bytes([sid]) + uleb(len(content)) + content


def vec(items: list[bytes]) -> bytes:
    """A vector: count then the items."""
    return uleb(len(items)) + b"".join(items)


def name(s: str) -> bytes:
    """A name: UTF-8 bytes with their length."""
    data = s.encode()
    return uleb(len(data)) + data


def module(*sections: bytes) -> bytes:
    """Preamble + sections."""
    return HEADER + b"".join(sections)


def func_module(body: bytes, params: bytes = b"", results: bytes = b"", locals_: bytes = b"\x00",
                extra: bytes = b"") -> bytes:
    """One function of type ``params -> results`` with ``body`` (its ``end`` included);
    ``extra`` is placed between the function and code sections (tables, memories...)."""
    functype = b"\x60" + uleb(len(params)) + params + uleb(len(results)) + results
    code = locals_ + body
    return module(
        section(1, vec([functype])),
        section(3, vec([b"\x00"])),
        extra,
        section(10, vec([uleb(len(code)) + code])),
    )
