"""Flame graphs as self-contained SVG (the layout of Brendan Gregg's flamegraph.pl).

``render_svg(stacks, title, subtitle)`` takes (stack, seconds) pairs, each stack a tuple of
(label, kind) frames, outermost first, and returns SVG text: one box per frame, its width
the time of every sample that passes through it, its callees stacked above it and sorted
by name.  Hovering a box shows its time; clicking it zooms to it (a few lines of embedded
script: nothing is loaded from elsewhere); "Reset zoom" or a click on the background goes
back.  Kinds pick the colours: warm for wasm functions, lighter for inlined ones, aqua for
host (Python) functions.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

__all__ = ["render_svg"]

WIDTH = 1200
ROW = 17                # pixels per stack level
PAD = 10
TOP = 58                # title, subtitle and controls
BOTTOM = 8
CHAR = 7.0              # mean glyph width of the 12 px font, for fitting labels
MIN_WIDTH = 0.1         # narrower boxes are left out (they would not show)


class _Node:
    __slots__ = ("children", "kind", "name", "value")

    def __init__(self, name: str, kind: str):
        self.name = name
        self.kind = kind
        self.value = 0.0
        self.children: dict[tuple[str, str], _Node] = {}


def _tree(stacks: Iterable[tuple[tuple[tuple[str, str], ...], float]]) -> _Node:
    root = _Node("all", "root")
    for stack, seconds in stacks:
        root.value += seconds
        node = root
        for name, kind in stack:
            child = node.children.get((name, kind))
            if child is None:
                child = node.children[(name, kind)] = _Node(name, kind)
            child.value += seconds
            node = child
    return root


def escape(text: str) -> str:
    """``text`` for XML character data."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """``text`` as a quoted XML attribute value."""
    return '"' + escape(text).replace('"', "&quot;") + '"'


def _colour(name: str, kind: str) -> str:
    h = zlib.crc32(name.encode("utf-8", "replace"))
    v1, v2, v3 = (h & 0xFF) / 255, ((h >> 8) & 0xFF) / 255, ((h >> 16) & 0xFF) / 255
    if kind == "host":
        return f"rgb({50 + int(60 * v1)},{165 + int(55 * v2)},{165 + int(55 * v2)})"
    if kind == "inlined":
        return f"rgb({225 + int(30 * v1)},{150 + int(80 * v2)},{60 + int(60 * v3)})"
    if kind in ("root", "truncated"):
        return "rgb(200,200,200)"
    return f"rgb({205 + int(50 * v3)},{int(230 * v1)},{int(55 * v2)})"


def _fit(label: str, width: float) -> str:
    n = int((width - 6) / CHAR)
    if n < 3:
        return ""
    return label if len(label) <= n else label[:n - 2] + ".."


def _seconds(value: float) -> str:
    return f"{value * 1000:.3g} ms" if value < 1 else f"{value:.3g} s"


_SCRIPT = """
var W = %(width)d, PAD = %(pad)d, CHAR = %(char)s, frames = [];
function init() {
  var gs = document.getElementsByClassName("f");
  for (var i = 0; i < gs.length; i++) frames.push(gs[i]);
  document.getElementById("bg").onclick = reset;
  document.getElementById("reset").onclick = reset;
  frames.forEach(function (g) { g.onclick = function (e) { zoom(g); e.stopPropagation(); }; });
}
function fit(g, w) {
  var t = g.getElementsByTagName("text")[0], name = g.getAttribute("data-name");
  var n = Math.floor((w - 6) / CHAR);
  t.textContent = n < 3 ? "" : (name.length <= n ? name : name.substr(0, n - 2) + "..");
}
function place(g, x, w) {
  var r = g.getElementsByTagName("rect")[0], t = g.getElementsByTagName("text")[0];
  r.setAttribute("x", x); r.setAttribute("width", w); t.setAttribute("x", x + 3); fit(g, w);
}
function zoom(target) {
  var x0 = +target.getAttribute("data-x"), w0 = +target.getAttribute("data-w");
  var d0 = +target.getAttribute("data-d"), scale = (W - 2 * PAD) / w0;
  frames.forEach(function (g) {
    var x = +g.getAttribute("data-x"), w = +g.getAttribute("data-w");
    var d = +g.getAttribute("data-d");
    var inside = d < d0 ? x <= x0 + 1e-6 && x + w >= x0 + w0 - 1e-6
                        : x >= x0 - 1e-6 && x + w <= x0 + w0 + 1e-6;
    if (inside) {
      g.style.display = "";
      if (d < d0) place(g, PAD, W - 2 * PAD); else place(g, PAD + (x - x0) * scale, w * scale);
    } else g.style.display = "none";
  });
  document.getElementById("reset").style.display = "";
}
function reset() {
  frames.forEach(function (g) {
    g.style.display = "";
    place(g, PAD + +g.getAttribute("data-x"), +g.getAttribute("data-w"));
  });
  document.getElementById("reset").style.display = "none";
}
"""


def render_svg(stacks: Iterable[tuple[tuple[tuple[str, str], ...], float]], title: str,
               subtitle: str = "") -> str:
    """A flame graph of (stack, seconds) pairs; see the module docstring."""
    root = _tree(stacks)
    total = root.value
    scale = (WIDTH - 2 * PAD) / total if total > 0 else 0.0
    boxes: list[tuple[_Node, float, int]] = []     # node, x (pixels from PAD), depth
    todo = [(root, 0.0, 0)]
    depth_max = 0
    while todo:
        node, x, depth = todo.pop()
        if node.value * scale < MIN_WIDTH and node is not root:
            continue
        boxes.append((node, x, depth))
        depth_max = max(depth_max, depth)
        cx = x
        for key in sorted(node.children):
            child = node.children[key]
            todo.append((child, cx, depth + 1))
            cx += child.value * scale
    height = TOP + (depth_max + 1) * ROW + BOTTOM
    style = ("text { font-family: Verdana, sans-serif; font-size: 12px; fill: #000; } "
             ".f:hover rect { stroke: #000; stroke-width: 0.5; cursor: pointer; } "
             "#reset { cursor: pointer; }")
    script = _SCRIPT % {"width": WIDTH, "pad": PAD, "char": CHAR}
    note = f"{subtitle} — " if subtitle else ""
    out = [
        '<?xml version="1.0" standalone="no"?>',
        (f'<svg version="1.1" width="{WIDTH}" height="{height}" '
         f'viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg" onload="init()">'),
        f"<style>{style}</style>",
        f"<script><![CDATA[{script}]]></script>",
        f'<rect id="bg" x="0" y="0" width="{WIDTH}" height="{height}" fill="#f8f8f0"/>',
        (f'<text x="{WIDTH // 2}" y="24" text-anchor="middle" style="font-size:17px">'
         f"{escape(title)}</text>"),
        (f'<text x="{WIDTH // 2}" y="42" text-anchor="middle" fill="#555">'
         f"{escape(note)}{_seconds(total)} sampled</text>"),
        f'<text id="reset" x="{PAD}" y="24" style="display:none">Reset zoom</text>',
    ]
    for node, x, depth in boxes:
        w = node.value * scale
        y = height - BOTTOM - (depth + 1) * ROW
        share = 100.0 * node.value / total if total else 0.0
        label = node.name
        tip = f"{label} ({_seconds(node.value)}, {share:.2f}%)"
        out.append(
            f'<g class="f" data-name={quoteattr(label)} data-x="{x:.2f}" data-w="{w:.2f}" '
            f'data-d="{depth}"><title>{escape(tip)}</title>'
            f'<rect x="{PAD + x:.2f}" y="{y}" width="{w:.2f}" height="{ROW - 1}" '
            f'rx="2" ry="2" fill="{_colour(label, node.kind)}"/>'
            f'<text x="{PAD + x + 3:.2f}" y="{y + ROW - 5}">{escape(_fit(label, w))}</text></g>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
