"""Source locations of wasm code: the DWARF a module built with ``-g`` carries.

Compilers put DWARF into a module's custom sections (``.debug_info``, ``.debug_line``,
``.debug_abbrev``, ``.debug_str``, ``.debug_ranges`` ...).  Its addresses are byte offsets
into the *content* of the code section (the first byte after the section's size field), so
a module offset ``o`` is address ``o - code_offset``.  pyelftools reads the sections from
their raw bytes; this module only indexes what a backtrace or a profile asks for:

- ``debug_info(module)`` looks for the sections (a list scan, cached on the module) and
  returns a ``DebugInfo`` that has parsed nothing yet, or None.
- The first lookup reads the top DIE of every compilation unit (CU) for its address ranges;
  a CU's line table and its tree of functions (``DW_TAG_subprogram`` and the
  ``DW_TAG_inlined_subroutine`` entries inside) are read on the first lookup that lands in it.
- ``DebugInfo.symbols(offset)`` gives what wasmtime's ``FrameInfo::symbols`` gives (it uses
  the ``addr2line`` crate): one ``FrameSymbol`` per function active at that offset, the
  innermost inlined one first, each with the name (linkage name, else name), and the file,
  line and column: the line table's row for the innermost, the call site
  (``DW_AT_call_file/line/column``) of the next inner one for the others.  File names are
  rendered as addr2line renders them (the CU's ``DW_AT_comp_dir``, the line table's
  directory unless its index is 0, then the file name; an absolute part replaces what
  came before).

Malformed DWARF never raises: a lookup that fails gives no symbols (as in wasmtime, a
module's custom sections may hold anything).
"""

from __future__ import annotations

import io
from bisect import bisect_right
from collections.abc import Iterable
from typing import Any

from .errors import FrameSymbol

__all__ = ["DebugInfo", "code_section_offset", "debug_info"]

# The sections pyelftools reads, by the DWARFInfo argument that takes each.
_SECTIONS = {
    ".debug_info": "debug_info_sec",
    ".debug_abbrev": "debug_abbrev_sec",
    ".debug_str": "debug_str_sec",
    ".debug_line": "debug_line_sec",
    ".debug_line_str": "debug_line_str_sec",
    ".debug_ranges": "debug_ranges_sec",
    ".debug_rnglists": "debug_rnglists_sec",
    ".debug_addr": "debug_addr_sec",
    ".debug_str_offsets": "debug_str_offsets_sec",
    ".debug_aranges": "debug_aranges_sec",
}
_ALL_ARGS = (
    "debug_info_sec", "debug_aranges_sec", "debug_abbrev_sec", "debug_frame_sec",
    "eh_frame_sec", "debug_str_sec", "debug_loc_sec", "debug_ranges_sec", "debug_line_sec",
    "debug_pubtypes_sec", "debug_pubnames_sec", "debug_addr_sec", "debug_str_offsets_sec",
    "debug_line_str_sec", "debug_loclists_sec", "debug_rnglists_sec", "debug_sup_sec",
    "gnu_debugaltlink_sec", "debug_types_sec",
)
_FUNC_TAGS = ("DW_TAG_subprogram", "DW_TAG_inlined_subroutine")
_NAME_ATTRS = ("DW_AT_linkage_name", "DW_AT_MIPS_linkage_name", "DW_AT_name")
# Address of code the linker dropped (wasm-ld writes 0, -1 or -2 there): not a function.
_TOMBSTONES = (0xFFFFFFFF, 0xFFFFFFFE)


def _leb(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def code_section_offset(data: bytes) -> int:
    """The offset of the code section's content in module ``data`` (-1 if it has none):
    DWARF addresses count from there."""
    pos = 8
    try:
        while pos < len(data):
            sid = data[pos]
            size, body = _leb(data, pos + 1)
            if sid == 10:
                return body
            pos = body + size
    except IndexError:
        pass
    return -1


def debug_info(module: Any) -> DebugInfo | None:
    """The ``DebugInfo`` of a decoded module (``_core.ModuleInfo``), or None when it carries
    no ``.debug_info`` and ``.debug_line`` sections.  Only the first call looks (at the
    names of its custom sections); nothing is parsed until a lookup."""
    found = module.debug
    if found is None:
        sections = {name: body for name, body in module.customs if name in _SECTIONS}
        code = code_section_offset(module.data)
        if ".debug_info" in sections and ".debug_line" in sections and code >= 0:
            found = DebugInfo(sections, code)
        else:
            found = False
        module.debug = found
    return found or None


class _Unit:
    """One compilation unit, indexed on first use: its line table as sorted rows, and its
    functions (subprograms with their inlined subroutines) by address."""

    def __init__(self, dwarf: Any, cu: Any, comp_dir: str | None):
        self.dwarf = dwarf
        self.cu = cu
        self.comp_dir = comp_dir
        self._lines: tuple[list[int], list[tuple[int, int, int, bool]]] | None = None
        self._funcs: tuple[list[int], list[tuple[int, int, list[tuple[int, int, int, Any]]]]] \
            | None = None
        self._files: dict[int, str | None] = {}
        self._program: Any = None

    # -- line table --------------------------------------------------------------------

    def program(self) -> Any:
        if self._program is None:
            self._program = self.dwarf.line_program_for_CU(self.cu)
        return self._program

    def lines(self) -> tuple[list[int], list[tuple[int, int, int, bool]]]:
        """(addresses, rows): rows are (file, line, column, end_sequence), sorted."""
        if self._lines is None:
            rows: list[tuple[int, int, int, int, bool]] = []
            program = self.program()
            if program is not None:
                for entry in program.get_entries():
                    state = entry.state
                    if state is None:
                        continue
                    rows.append((state.address, 0 if state.end_sequence else 1, state.file,
                                 state.line, state.column))
            # a sequence's end row sorts before a row starting at the same address
            rows.sort(key=lambda r: (r[0], r[1]))
            addrs = [r[0] for r in rows]
            self._lines = (addrs, [(r[2], r[3], r[4], r[1] == 0) for r in rows])
        return self._lines

    def location(self, address: int) -> tuple[str | None, int | None, int | None] | None:
        """The (file, line, column) of the line-table row covering ``address``."""
        addrs, rows = self.lines()
        i = bisect_right(addrs, address) - 1
        if i < 0:
            return None
        file, line, column, end = rows[i]
        if end:
            return None
        return self.file_name(file), line or None, column or None

    def file_name(self, index: int) -> str | None:
        if index not in self._files:
            self._files[index] = self._render_file(index)
        return self._files[index]

    def _render_file(self, index: int) -> str | None:
        program = self.program()
        if program is None:
            return None
        header = program.header
        version = header["version"]
        entries = header["file_entry"]
        k = index if version >= 5 else index - 1
        if not 0 <= k < len(entries):
            return None
        entry = entries[k]
        path = self.comp_dir or ""
        dir_index = entry["dir_index"]
        if dir_index != 0:
            dirs = header["include_directory"]
            d = dir_index if version >= 5 else dir_index - 1
            if 0 <= d < len(dirs):
                path = _path_push(path, _text(dirs[d]))
        return _path_push(path, _text(entry["name"]))

    # -- functions -----------------------------------------------------------------------

    def funcs(self) -> tuple[list[int], list[tuple[int, int, list[tuple[int, int, int, Any]]]]]:
        """(starts, entries): one entry (lo, hi, nodes) per address range of a subprogram,
        sorted by lo; nodes are (lo, hi, depth, die) of the subprogram and of every inlined
        subroutine inside it, outermost first."""
        if self._funcs is None:
            depth_of: dict[int, int] = {}
            root_of: dict[int, int] = {}
            per_root: dict[int, list[tuple[int, int, int, Any]]] = {}
            root_ranges: dict[int, list[tuple[int, int]]] = {}
            for die in self.cu.iter_DIEs():
                if die.tag not in _FUNC_TAGS:
                    continue
                ranges = _die_ranges(self.dwarf, self.cu, die)
                if not ranges:
                    continue
                parent = die.get_parent()
                while parent is not None and parent.offset not in depth_of:
                    parent = parent.get_parent()
                if parent is None or die.tag == "DW_TAG_subprogram":
                    depth, root = 0, die.offset
                    root_ranges[root] = ranges
                    per_root[root] = []
                else:
                    depth, root = depth_of[parent.offset] + 1, root_of[parent.offset]
                depth_of[die.offset] = depth
                root_of[die.offset] = root
                per_root[root].extend((lo, hi, depth, die) for lo, hi in ranges)
            entries = []
            for root, ranges in root_ranges.items():
                nodes = sorted(per_root[root], key=lambda n: n[2])
                entries += [(lo, hi, nodes) for lo, hi in ranges]
            entries.sort(key=lambda e: e[0])
            self._funcs = ([e[0] for e in entries], entries)
        return self._funcs

    def chain(self, address: int) -> list[Any]:
        """The function DIEs active at ``address``, outermost (the subprogram) first."""
        starts, entries = self.funcs()
        i = bisect_right(starts, address) - 1
        while i >= 0:
            lo, hi, nodes = entries[i]
            if lo <= address < hi:
                return [die for lo2, hi2, _, die in nodes if lo2 <= address < hi2]
            if i == 0 or starts[i - 1] < lo:
                break       # earlier ranges start before this one: only nested ones overlap
            i -= 1
        return []

    def symbols(self, address: int) -> tuple[FrameSymbol, ...]:
        chain = self.chain(address)
        if not chain:
            return ()
        loc = self.location(address) or (None, None, None)
        out = []
        for k in range(len(chain) - 1, -1, -1):
            die = chain[k]
            out.append(FrameSymbol(_die_name(die), *loc))
            if k > 0:           # the next outer function: where it made this call
                attrs = die.attributes
                file = attrs.get("DW_AT_call_file")
                line = attrs.get("DW_AT_call_line")
                col = attrs.get("DW_AT_call_column")
                loc = (self.file_name(file.value) if file is not None else None,
                       line.value or None if line is not None else None,
                       col.value or None if col is not None else None)
        return tuple(out)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _path_push(path: str, part: str) -> str:
    """addr2line's path join: an absolute ``part`` replaces ``path``."""
    if part.startswith("/") or (len(part) > 1 and part[1] == ":"):
        return part
    if path and not path.endswith("/"):
        path += "/"
    return path + part


def _die_ranges(dwarf: Any, cu: Any, die: Any) -> list[tuple[int, int]]:
    """The [lo, hi) address ranges of a DIE (low_pc/high_pc or DW_AT_ranges)."""
    attrs = die.attributes
    low = attrs.get("DW_AT_low_pc")
    high = attrs.get("DW_AT_high_pc")
    if low is not None and high is not None:
        lo = low.value
        hi = high.value if high.form == "DW_FORM_addr" else lo + high.value
        return [(lo, hi)] if lo not in _TOMBSTONES and lo != 0 and hi > lo else []
    ranges = attrs.get("DW_AT_ranges")
    if ranges is None:
        return []
    lists = dwarf.range_lists()
    if lists is None:
        return []
    if ranges.form == "DW_FORM_rnglistx":
        offset = _rnglistx_offset(dwarf, cu, ranges.value)
    else:
        offset = ranges.value
    base = _cu_base(cu)
    out = []
    for entry in lists.get_range_list_at_offset(offset, cu=cu):
        if hasattr(entry, "base_address"):
            base = entry.base_address
            continue
        lo, hi = entry.begin_offset, entry.end_offset
        if not entry.is_absolute:
            lo += base
            hi += base
        if lo not in _TOMBSTONES and lo != 0 and hi > lo:
            out.append((lo, hi))
    return out


def _rnglistx_offset(dwarf: Any, cu: Any, index: int) -> int:
    top = cu.get_top_DIE()
    base = top.attributes.get("DW_AT_rnglists_base")
    start = base.value if base is not None else 12
    stream = dwarf.debug_rnglists_sec.stream
    stream.seek(start + 4 * index)
    return start + int.from_bytes(stream.read(4), "little")


def _cu_base(cu: Any) -> int:
    low = cu.get_top_DIE().attributes.get("DW_AT_low_pc")
    return low.value if low is not None else 0


def _die_name(die: Any) -> str | None:
    """The raw name addr2line reports: the linkage name, else the name, looked up through
    DW_AT_abstract_origin and DW_AT_specification."""
    for _ in range(16):
        attrs = die.attributes
        for key in _NAME_ATTRS:
            if key in attrs:
                return _text(attrs[key].value)
        for ref in ("DW_AT_abstract_origin", "DW_AT_specification"):
            if ref in attrs:
                die = die.get_DIE_from_attribute(ref)
                break
        else:
            return None
    return None


class DebugInfo:
    """The DWARF of one module: ``symbols(module_offset)`` and ``function(module_offset)``.

    Built by ``debug_info(module)``; parses lazily (see the module docstring), so holding
    one costs the section bytes only."""

    def __init__(self, sections: dict[str, bytes], code_offset: int):
        self.sections = sections
        self.code_offset = code_offset
        self._dwarf: Any = None
        self._units: tuple[list[int], list[tuple[int, int, _Unit]]] | None = None
        self._cache: dict[int, tuple[FrameSymbol, ...]] = {}
        self.broken: BaseException | None = None

    def _open(self) -> Any:
        from elftools.dwarf.dwarfinfo import DebugSectionDescriptor, DwarfConfig, DWARFInfo

        args: dict[str, Any] = dict.fromkeys(_ALL_ARGS)
        for name, body in self.sections.items():
            args[_SECTIONS[name]] = DebugSectionDescriptor(io.BytesIO(body), name, None,
                                                           len(body), 0)
        config = DwarfConfig(little_endian=True, machine_arch="wasm", default_address_size=4)
        return DWARFInfo(config, **args)

    def units(self) -> tuple[list[int], list[tuple[int, int, _Unit]]]:
        """Every CU's address ranges, sorted: (starts, [(lo, hi, unit)])."""
        if self._units is None:
            self._dwarf = self._open()
            entries: list[tuple[int, int, _Unit]] = []
            for cu in self._dwarf.iter_CUs():
                top = cu.get_top_DIE()
                comp_dir = top.attributes.get("DW_AT_comp_dir")
                unit = _Unit(self._dwarf, cu, _text(comp_dir.value) if comp_dir else None)
                entries += [(lo, hi, unit) for lo, hi in _die_ranges(self._dwarf, cu, top)]
            entries.sort(key=lambda e: e[0])
            self._units = ([e[0] for e in entries], entries)
        return self._units

    def _units_at(self, address: int) -> Iterable[_Unit]:
        starts, entries = self.units()
        i = bisect_right(starts, address)
        seen = []
        for lo, hi, unit in reversed(entries[:i]):
            if lo <= address < hi and unit not in seen:
                seen.append(unit)
                yield unit

    def symbols(self, module_offset: int) -> tuple[FrameSymbol, ...]:
        """The source functions active at ``module_offset``, innermost first (empty when
        the DWARF does not cover it or cannot be read)."""
        found = self._cache.get(module_offset)
        if found is not None:
            return found
        found = ()
        if self.broken is None:
            address = module_offset - self.code_offset
            try:
                for unit in self._units_at(address):
                    found = unit.symbols(address)
                    if found:
                        break
            except Exception as exc:  # noqa: BLE001 - malformed DWARF: no symbols (as wasmtime)
                self.broken = exc
                found = ()
        self._cache[module_offset] = found
        return found

    def function(self, module_offset: int) -> str | None:
        """The name of the (outermost, not inlined) function at ``module_offset``."""
        found = self.symbols(module_offset)
        return found[-1].name if found else None

