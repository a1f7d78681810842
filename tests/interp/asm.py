"""A tiny assembler for the internal instruction set, for tests that run hand-written code.

``asm([("i32_add", dict(dst=2, x=0, y=1)), ("ret_slot", dict(src=2))])`` returns the list
of 64-bit cells (handler cells hold IR_* numbers).  Field names come from the layouts in
``wasmrt._isa_names.LAYOUT`` (``a=dst b=x`` means field ``dst`` goes to ``a``).  Labels:
an op tuple may be a string ``"name:"`` to define a label, and offset fields may be given
as label names (resolved relative to the branching instruction).
"""

from __future__ import annotations

import struct

from wasmrt import _isa_names

OPS = {name: i for i, name in enumerate(_isa_names.NAMES)}


def _cell(fields: dict[str, int]) -> int:
    a = fields.get("a", 0)
    b = fields.get("b", 0)
    c = fields.get("c", 0)
    d = fields.get("d", 0)
    if "lo" in fields:
        lo = fields["lo"] & 0xFFFFFFFF
        a, b = lo & 0xFFFF, lo >> 16
    if "hi" in fields:
        hi = fields["hi"] & 0xFFFFFFFF
        c, d = hi & 0xFFFF, hi >> 16
    return struct.unpack("<Q", struct.pack("<HHHH", a, b, c, d))[0]


def asm(program: list) -> list[int]:
    """Assemble `program` (see module doc) into cells."""
    labels: dict[str, int] = {}
    pos = 0
    sizes = []
    for item in program:
        if isinstance(item, str):
            labels[item.rstrip(":")] = pos
            continue
        name, args = item if len(item) == 2 else (item[0], {})
        n = _isa_names.NCELLS[OPS[name]]
        if name == "br_table":
            n = 3 + len(args["targets"]) - 1
        sizes.append(n)
        pos += n
    out: list[int] = []
    for item in program:
        if isinstance(item, str):
            continue
        name, args = item if len(item) == 2 else (item[0], {})
        here = len(out)
        out.append(OPS[name])

        def val(v: int | str, here: int = here) -> int:
            return labels[v] - here if isinstance(v, str) else v

        if name == "br_table":
            targets = args["targets"]
            out.append(_cell({"a": args["index"], "hi": len(targets) - 1}))
            out += [_cell({"lo": val(t)}) for t in targets]
            continue
        for layout in _isa_names.LAYOUT[OPS[name]]:
            fields: dict[str, int] = {}
            whole = None
            for part in layout.split():
                slot, fname = part.split("=")
                if fname not in args:
                    continue
                if slot == "i64":
                    whole = val(args[fname]) & 0xFFFFFFFFFFFFFFFF
                else:
                    fields[slot] = val(args[fname])
            out.append(whole if whole is not None else _cell(fields))
    return out
