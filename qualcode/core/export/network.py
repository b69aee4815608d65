"""The code network: co-occurrence as GraphML and as a picture."""

from __future__ import annotations

import io
from typing import Any


def graphml_bytes(graph: Any) -> bytes:
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml(graph, buffer, encoding="utf-8")
    return buffer.getvalue()


def network_png(graph: Any, *, dpi: int = 200) -> bytes:
    """A picture of the network: node size by segments, line width by shared segments, colour by theme."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    figure, axes = plt.subplots(figsize=(10, 8), dpi=dpi)
    axes.set_axis_off()
    if graph.number_of_nodes():
        layout = nx.spring_layout(graph, seed=1, weight="weight", k=2.5 / max(graph.number_of_nodes(), 1) ** 0.5)
        themes = sorted({data.get("theme", "") for _n, data in graph.nodes(data=True)})
        palette = plt.get_cmap("tab10")
        colour = {t: palette(i % 10) for i, t in enumerate(themes)}
        sizes = [120 + 40 * data.get("segments", 1) ** 0.8 for _n, data in graph.nodes(data=True)]
        weights = [data.get("weight", 1) for _a, _b, data in graph.edges(data=True)]
        top = max(weights, default=1)
        nx.draw_networkx_edges(
            graph,
            layout,
            ax=axes,
            width=[0.3 + 4 * w / top for w in weights],
            edge_color="#9a9a9a",
            alpha=[0.15 + 0.6 * w / top for w in weights],
        )
        nx.draw_networkx_nodes(
            graph,
            layout,
            ax=axes,
            node_size=sizes,
            node_color=[colour[data.get("theme", "")] for _n, data in graph.nodes(data=True)],
            edgecolors="white",
            linewidths=0.8,
        )
        nx.draw_networkx_labels(
            graph,
            layout,
            ax=axes,
            labels={n: data.get("label", n) for n, data in graph.nodes(data=True)},
            font_size=8,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5},
        )
        handles = [plt.Line2D([], [], marker="o", linestyle="", color=colour[t], label=t, markersize=7) for t in themes]
        axes.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.01),
            ncol=min(len(themes), 3),
            fontsize=9,
            frameon=False,
        )
    else:
        axes.text(0.5, 0.5, "No two codes share a segment.", ha="center", va="center")
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
