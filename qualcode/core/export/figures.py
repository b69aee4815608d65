"""The report's figures: the thematic map, the code co-occurrence network and the agreement chart.

Each is a matplotlib figure laid out so that no two labels overlap by
construction (not by chance of a force layout), coloured by main theme with
one palette for every figure, and written as a 300 dpi PNG for Word.

- The thematic map draws the tree as Braun and Clarke's maps do: main themes,
  their subthemes and codes, left to right, each annotated with its use
  (segments / participants). Every node has a vertical band of its own, as tall
  as its label or as its children's bands together, so labels in a column never
  meet; columns are as wide as their longest label.
- The network puts the codes on a circle, grouped by theme, with their labels
  outside it along the radius, so neighbouring labels stand an angle apart; the
  font shrinks with the number of codes so that the gap is always wider than a
  label is tall. Line width and shade follow the segments two codes share.
- The agreement chart is a forest plot: Cohen's κ of each code with its 95%
  interval, the threshold as a dashed line, codes below it in the accent colour.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qualcode.core.codebook import Codebook

DPI = 300
PALETTE = "tab10"
WRAP = 30
"""Characters after which a label wraps onto a further line."""
BELOW = "#b2182b"
"""The accent for codes below the agreement threshold."""


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def theme_colours(themes: Sequence[str]) -> dict[str, Any]:
    """One colour per main theme, in the codebook's order, the same in every figure."""
    palette = _pyplot().get_cmap(PALETTE)
    return {t: palette(i % 10) for i, t in enumerate(themes)}


def png(figure: Any) -> bytes:
    """The figure as a 300 dpi PNG, its canvas grown to hold every label."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.05)
    _pyplot().close(figure)
    return buffer.getvalue()


# -- the thematic map ------------------------------------------------------------------------


@dataclass
class _Placed:
    code_id: str
    depth: int
    label: str
    lines: int
    y: float = 0.0
    """Centre of the node's band, in lines from the top."""


def thematic_map(book: Codebook, use: dict[str, tuple[int, int]], *, font_pt: float = 8.0) -> Any:
    """The codebook as a thematic map; ``use`` is (segments, participants) per code, a theme's and a
    subtheme's counting the distinct segments under them."""
    plt = _pyplot()
    placed: dict[str, _Placed] = {}
    for code, depth in book.walk():
        segments, people = use.get(code.id, (0, 0))
        label = "\n".join(textwrap.wrap(code.name, WRAP) or [code.name]) + f"\n{segments} / {people}"
        placed[code.id] = _Placed(code.id, depth, label, label.count("\n") + 1)

    gap = 0.6  # lines between two bands, so boxes do not touch

    def band(code_id: str, top: float) -> float:
        """Lay out a node and its subtree from ``top``; the height of its band, in lines."""
        node = placed[code_id]
        kids = book.children(code_id)
        cursor = top
        for kid in kids:
            cursor += band(kid.id, cursor) + gap
        children_height = cursor - top - gap if kids else 0.0
        height = max(node.lines + gap, children_height)
        if children_height < height:  # children centred in a band their parent's label makes taller
            shift = (height - children_height) / 2
            for d in book.descendants(code_id):
                placed[d.id].y += shift
        node.y = top + height / 2
        return height

    cursor = 0.0
    for theme in book.roots():
        cursor += band(theme.id, cursor) + 2 * gap
    depths = max((p.depth for p in placed.values()), default=0) + 1
    line_in = font_pt * 1.35 / 72
    # a column as wide as its longest label line, at about half an em a character
    widths = [
        max((max(len(x) for x in p.label.split("\n")) for p in placed.values() if p.depth == d), default=4)
        * font_pt
        * 0.55
        / 72
        + 0.35
        for d in range(depths)
    ]
    column_x = [sum(widths[:d]) + 0.3 * d for d in range(depths)]
    height_in = max(cursor * line_in, 1.0)
    figure, axes = plt.subplots(figsize=(sum(widths) + 0.3 * depths, height_in))
    axes.set_xlim(0, sum(widths) + 0.3 * depths)
    axes.set_ylim(height_in, 0)
    axes.set_axis_off()
    colours = theme_colours([t.name for t in book.roots()])
    texts: dict[str, Any] = {}
    for node in placed.values():
        theme = book.theme_of(node.code_id).name
        x, y = column_x[node.depth], node.y * line_in
        colour = colours[theme]
        if node.depth == 0:
            box = {"boxstyle": "round,pad=0.35", "facecolor": (*colour[:3], 0.35), "edgecolor": colour}
            weight = "bold"
        elif node.depth == 1:
            box = {"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": colour, "linewidth": 1.0}
            weight = "normal"
        else:
            box = {"boxstyle": "square,pad=0.2", "facecolor": "white", "edgecolor": "none"}
            weight = "normal"
        texts[node.code_id] = axes.text(
            x, y, node.label, va="center", ha="left", fontsize=font_pt, fontweight=weight, bbox=box
        )
    # connectors from a parent's box to its children's, at the boxes' edges (measured, not drawn)
    renderer = figure.canvas.get_renderer()
    for text in texts.values():
        text.update_bbox_position_size(renderer)
    to_data = axes.transData.inverted()

    def edges(code_id: str) -> tuple[float, float]:
        extent = texts[code_id].get_bbox_patch().get_window_extent(renderer)
        (left, _), (right, _) = to_data.transform([(extent.x0, extent.y0), (extent.x1, extent.y1)])
        return left, right

    for node in placed.values():
        code = book.get(node.code_id)
        if code is None or code.parent_id is None:
            continue
        parent = placed[code.parent_id]
        px, py = edges(parent.code_id)[1], parent.y * line_in
        x, y = edges(node.code_id)[0], node.y * line_in
        mid = column_x[node.depth] - 0.15
        axes.plot([px, mid, mid, x], [py, py, y, y], color="#8a8a8a", linewidth=0.6, zorder=0)
    return figure


# -- the network --------------------------------------------------------------------------------


def network_figure(graph: Any, order: Sequence[str], *, radius_in: float = 2.0) -> Any:
    """The co-occurrence network on a circle; ``order`` is the main themes' order (for the colours and the
    grouping around the circle)."""
    plt = _pyplot()
    nodes = list(graph.nodes(data=True))
    rank = {t: i for i, t in enumerate(order)}
    nodes.sort(key=lambda item: (rank.get(item[1].get("theme", ""), len(rank)), item[1].get("label", item[0])))
    n = len(nodes)
    size = 2 * radius_in + 3.2
    figure = plt.figure(figsize=(size, size))
    # the axes fill the figure, so one unit of the data is ``radius_in`` inches and the font below fits
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_aspect("equal")
    axes.set_axis_off()
    reach = (radius_in + 1.6) / radius_in
    axes.set_xlim(-reach, reach)
    axes.set_ylim(-reach, reach)
    if not n:
        axes.text(0, 0, "No two codes share a segment.", ha="center", va="center")
        return figure
    # the gap between neighbours along the circle, in points, bounds the font: a label is ~1.2 em tall
    gap_pt = 2 * math.pi * radius_in * 72 / n
    font = max(3.0, min(8.0, gap_pt / 1.35))
    angle = {node: math.pi / 2 - 2 * math.pi * i / n for i, (node, _data) in enumerate(nodes)}
    where = {node: (math.cos(a), math.sin(a)) for node, a in angle.items()}
    weights = [data.get("weight", 1) for _a, _b, data in graph.edges(data=True)]
    top = max(weights, default=1)
    for (a, b), w in zip(graph.edges(), weights, strict=True):
        (x1, y1), (x2, y2) = where[a], where[b]
        axes.plot([x1, x2], [y1, y2], color="#707070", linewidth=0.3 + 3.2 * w / top, alpha=0.15 + 0.6 * w / top)
    colours = theme_colours(order)
    most = max((data.get("segments", 1) for _n, data in nodes), default=1)
    for node, data in nodes:
        x, y = where[node]
        colour = colours.get(data.get("theme", ""), "#999999")
        axes.scatter(
            [x],
            [y],
            s=15 + 110 * data.get("segments", 1) / most,
            color=colour,
            edgecolors="white",
            linewidths=0.6,
            zorder=3,
        )
        degrees = math.degrees(angle[node]) % 360
        left = 90 < degrees < 270
        axes.text(
            1.07 * x,
            1.07 * y,
            data.get("label", node),
            rotation=degrees - 180 if left else degrees,
            rotation_mode="anchor",
            ha="right" if left else "left",
            va="center",
            fontsize=font,
        )
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=colours[t], label=t, markersize=6) for t in order]
    # the legend below the lowest label, wherever the labels reach (measured, not drawn)
    renderer = figure.canvas.get_renderer()
    lowest = min(t.get_window_extent(renderer).y0 for t in axes.texts)
    below = figure.transFigure.inverted().transform((0, lowest))[1]
    figure.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, below - 0.01), ncol=1, fontsize=8, frameon=False
    )
    return figure


# -- the agreement chart ---------------------------------------------------------------------------


def agreement_figure(rows: Sequence[tuple[str, float, float, float]], threshold: float) -> Any:
    """A forest plot of (label, κ, low, high) per code, top to bottom in the given order, under the names of
    their main themes and subthemes (a path ``Theme/Subtheme/Code`` as label gives them)."""
    plt = _pyplot()
    lines: list[tuple[str, int, float, float, float]] = []  # label, depth (0 theme, 1 subtheme, 2 code)
    above: list[str] = []
    for label, value, low, high in rows:
        parts = label.split("/")
        for depth, name in enumerate(parts[:-1]):
            if depth >= len(above) or above[depth] != name:
                above = [*above[:depth], name]
                lines.append((name, min(depth, 1), math.nan, math.nan, math.nan))
        above = parts[:-1]
        lines.append((parts[-1], 2, value, low, high))
    n = len(lines)
    figure, axes = plt.subplots(figsize=(6.2, 0.6 + 0.2 * max(n, 1)))
    ys = list(range(n))
    for y, (_label, depth, value, low, high) in zip(ys, lines, strict=True):
        if depth < 2 or math.isnan(value):
            continue
        colour = BELOW if value < threshold else "#2b2b2b"
        if not (math.isnan(low) or math.isnan(high)):
            axes.plot([low, high], [y, y], color=colour, linewidth=1.0)
        axes.plot([value], [y], marker="o", markersize=3.5, color=colour)
    axes.axvline(threshold, color=BELOW, linestyle="--", linewidth=0.8)
    axes.text(threshold, -0.9, f"threshold {threshold:g}", color=BELOW, fontsize=7, ha="center", va="bottom")
    axes.set_yticks(ys)
    labels = axes.set_yticklabels(
        [name + (" (undefined)" if depth == 2 and math.isnan(value) else "") for name, depth, value, _l, _h in lines],
        fontsize=7,
    )
    for label, (_name, depth, *_rest) in zip(labels, lines, strict=True):
        # main themes bold, subthemes italic, codes plain: the tree reads down the axis
        label.set_fontweight("bold" if depth == 0 else "normal")
        label.set_fontstyle("italic" if depth == 1 else "normal")
    axes.set_ylim(n - 0.5, -1.2)
    low = min([0.0, *(r[2] for r in rows if not math.isnan(r[2]))])
    # a little room beyond 1, so a κ of 1 and an interval ending there are drawn whole
    axes.set_xlim(max(-1.0, math.floor(low * 10) / 10) - 0.03, 1.03)
    axes.set_xlabel("Cohen's κ with 95% interval", fontsize=8)
    axes.tick_params(axis="x", labelsize=7)
    axes.grid(axis="x", color="#e0e0e0", linewidth=0.5)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure
