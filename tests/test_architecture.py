"""The layers hold: the import-linter contracts in pyproject.toml are kept, and no module imports in a cycle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx

REPO = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(REPO / "pyproject.toml")], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "4 kept, 0 broken" in result.stdout


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("qualcode", exclude_type_checking_imports=True)
    edges = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            # A package's __init__ re-exporting its own modules is not a cycle of meaning.
            if not imported.startswith(module + ".") and not module.startswith(imported + "."):
                edges.add_edge(module, imported)
    assert edges.has_edge("qualcode.core.project", "qualcode.core.store")
    cycles = list(nx.simple_cycles(edges, length_bound=12))
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])
