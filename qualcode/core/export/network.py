"""The code network: co-occurrence as GraphML and as a picture."""

from __future__ import annotations

import io
from typing import Any


def graphml_bytes(graph: Any) -> bytes:
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml(graph, buffer, encoding="utf-8")
    return buffer.getvalue()


def network_png(graph: Any, themes: list[str]) -> bytes:
    """A 300 dpi picture of the network (see `figures.network_figure`): node size by segments, line width by
    shared segments, colour by main theme in the order of ``themes``."""
    from qualcode.core.export.figures import network_figure, png

    return png(network_figure(graph, themes))
