"""Exports of the analysis tables: Word, CSV, XLSX and GraphML, all from the same `DisplayTable`s.

Every file is written under a temporary name in its destination folder and
moved into place only when complete, so a failed export leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.core.analysis import Analysis
from qualcode.core.errors import BadInput
from qualcode.core.export.display import DisplayTable, add_sheet, to_csv
from qualcode.core.export.table_views import (
    codebook_table,
    frequency_table,
    matrix_table,
    memo_table,
    quote_table,
    theme_table,
)
from qualcode.core.files import atomic_file, atomic_files
from qualcode.core.model import CONSENSUS, ExportOptions
from qualcode.core.publication import Publication
from qualcode.core.store import Store

if TYPE_CHECKING:
    import pandas as pd


class Exporter:
    """Computes the requested tables once and writes them in any format."""

    def __init__(
        self, store: Store, options: ExportOptions, progress: Callable[[int, int, str], None] | None = None
    ) -> None:
        self.store = store
        self.options = options
        self.analysis = Analysis(store, options.coder)
        self.publish = Publication.of(store)
        """The publication boundary every table, title and label of an export passes."""
        self._agreement: Any = None
        self.progress = progress
        """Told (done, total, table name) after each table, for a progress bar."""

    def _step(self, done: int, name: str) -> None:
        if self.progress is not None:
            self.progress(done, len(self.options.tables), name)

    def tables(self) -> dict[str, DisplayTable]:
        """The requested tables (all but the network), each built once as the table every format renders.

        They are published: confirmed pseudonyms are applied to every string in them.
        """
        o, a = self.options, self.analysis
        out: dict[str, DisplayTable] = {}
        for name in o.tables:
            if name == "theme":
                out[name] = theme_table(a.theme_table())
            elif name == "matrix":
                matrix = a.matrix(level=o.level, cells=o.cells, group_by=o.group_by, where=dict(o.where) or None)
                out[name] = matrix_table(matrix, o.cells)
            elif name == "quotes":
                quotes = a.quotes(
                    include_interviewer=o.include_interviewer, max_words=o.max_words, per_participant=o.per_participant
                )
                out[name] = quote_table(quotes)
            elif name == "codebook":
                out[name] = codebook_table(a.codebook_table())
            elif name == "agreement":
                out[name] = self.agreement().display_table()
            elif name == "memos":
                from qualcode.core.memo_manager import memos

                who = None if o.coder == CONSENSUS else o.coder
                out[name] = memo_table(memos(self.store, author=who), self.store.journal.entries(who))
            elif name == "frequencies":
                from qualcode.core.frequencies import frequencies

                out[name] = frequency_table(
                    frequencies(self.store, by="participant", coder=o.coder, top=15), by="participant"
                )
        if o.provisional:
            from dataclasses import replace

            from qualcode.core.export.display import Note

            notes = tuple(Note(f"Provisional: {sentence}.") for sentence in o.provisional)
            out = {name: replace(table, notes=(*table.notes, *notes)) for name, table in out.items()}
        return {name: table.published(self.publish.text) for name, table in out.items()}

    def frames(self) -> dict[str, pd.DataFrame]:
        """The requested tables (all but the network) as DataFrames, by table name, as data files hold them."""
        return {name: table.data() for name, table in self.tables().items()}

    def agreement(self) -> Any:
        """The agreement report of the two coders, computed once for the table and the chart."""
        if self._agreement is None:
            self._agreement = self._agreement_report()
        return self._agreement

    def _agreement_report(self) -> Any:
        from qualcode.core.agreement_report import report

        coders = self.options.agreement_coders
        if coders is None:
            candidates = [c for c in self.store.codings.coders() if c != CONSENSUS and self.store.codings.count(c)]
            if len(candidates) != 2:
                raise BadInput(
                    f"name the two coders to compare (coders with codings: {', '.join(candidates) or 'none'})",
                    where="--agreement",
                )
            coders = (candidates[0], candidates[1])
        return report(
            self.store,
            coders[0],
            coders[1],
            by=("code", "theme", "transcript"),
            bootstrap=self.options.bootstrap,
            include_interviewer=self.options.include_interviewer,
        )

    # -- formats -----------------------------------------------------------------

    def write_docx(self, path: str | Path) -> Path:
        from qualcode.core.export import docx as word
        from qualcode.core.export.network import network_png

        o = self.options
        title = self.store.settings.get("codebook_name", "") or Path(self.store.path).stem
        subtitle = word.default_subtitle(o.coder, len(self.analysis.transcripts))
        report = word.WordReport(
            self.publish.text(f"{title}: thematic analysis"),
            self.publish.text(subtitle),
            paper=o.paper,
            template=o.template,
        )
        tables = self.tables()
        for done, name in enumerate(o.tables, 1):
            self._step(done - 1, name)
            if name == "network":
                graph = self.network()
                word.add_network(
                    report, network_png(graph, self.themes()), graph.number_of_nodes(), graph.number_of_edges()
                )
            elif name == "map":
                word.add_map(report, self.thematic_map_png())
            elif name == "kappa":
                word.add_kappa(report, *self.kappa_png())
            else:
                word.add_section(report, word.HEADINGS[name], tables[name])
        with atomic_file(path, ".docx") as temporary:
            report.save(str(temporary))
        self._step(len(o.tables), "done")
        return Path(path)

    def write_xlsx(self, path: str | Path) -> Path:
        from openpyxl import Workbook

        tables = self._flat_tables()
        book = Workbook()
        book.remove(book.active)
        for done, (name, table) in enumerate(tables.items()):
            self._step(done, name)
            add_sheet(book, name, table)
        with atomic_file(path, ".xlsx") as temporary:
            book.save(temporary)
        self._step(len(tables), "done")
        return Path(path)

    def write_csv(self, target: str | Path) -> list[Path]:
        tables = self._flat_tables()
        as_text = self.options.csv_formulas_as_text
        target = Path(target)
        if target.suffix.lower() == ".csv":
            if len(tables) != 1:
                raise BadInput("several tables go into a folder; give a folder, or one table", where=str(target))
            [(_name, table)] = tables.items()
            with atomic_file(target, ".csv") as temporary:
                to_csv(table, str(temporary), formulas_as_text=as_text)
            return [target]
        if target.exists() and not target.is_dir():
            raise BadInput("exists and is not a folder", where=str(target))
        if not target.parent.is_dir():
            raise BadInput("the folder above it does not exist", where=str(target))
        target.mkdir(exist_ok=True)
        with atomic_files([target / f"{name}.csv" for name in tables]) as temporaries:
            for done, ((name, table), temporary) in enumerate(zip(tables.items(), temporaries, strict=True)):
                self._step(done, name)
                to_csv(table, str(temporary), formulas_as_text=as_text)
        self._step(len(tables), "done")
        return [target / f"{name}.csv" for name in tables]

    def write_graphml(self, path: str | Path) -> Path:
        from qualcode.core.export.network import graphml_bytes

        data = graphml_bytes(self.network())
        with atomic_file(path, ".graphml") as temporary:
            temporary.write_bytes(data)
        return Path(path)

    def themes(self) -> list[str]:
        """The main themes in the codebook's order, published: the figures' colours and legend."""
        return [self.publish.text(t.name) for t in self.analysis.book.roots()]

    def thematic_map_png(self) -> bytes:
        from dataclasses import replace

        from qualcode.core.codebook import codebook_from_codes
        from qualcode.core.export.figures import png, thematic_map

        book = self.analysis.book
        frame = self.analysis.codebook_table()
        use: dict[str, tuple[int, int]] = {}
        for path, segments, people in zip(
            frame.get("Code", []), frame.get("Segments", []), frame.get("Participants", []), strict=True
        ):
            code = book.find(path)
            if code is not None:
                use[code.id] = (int(segments), int(people))
        # the map names codes as published: a confirmed name in a code's name does not reach the page
        published = codebook_from_codes(
            [replace(c, name=self.publish.text(c.name)) for c in book.codes], book.name, book.description
        )
        return png(thematic_map(published, use))

    def kappa_png(self) -> tuple[bytes, int, float]:
        """The agreement chart of the codes: the picture, how many codes, the threshold."""
        import math

        from qualcode.core.agreement_report import HEADLINE
        from qualcode.core.export.figures import agreement_figure, png

        report = self.agreement()
        rows = []
        for row in report.codes:
            low, high = row.ci.get(HEADLINE, (math.nan, math.nan))
            # the code's path, so the chart can name its theme and subtheme above it
            rows.append((self.publish.text(row.label), row.values[HEADLINE], low, high))
        return png(agreement_figure(rows, report.threshold)), len(rows), report.threshold

    def network(self) -> Any:
        """The code co-occurrence network, its labels and themes published."""
        graph = self.analysis.cooccurrence()
        for _node, data in graph.nodes(data=True):
            for key, value in data.items():
                if isinstance(value, str):
                    data[key] = self.publish.text(value)
        return graph

    def _flat_tables(self) -> dict[str, DisplayTable]:
        if "network" in self.options.tables:
            raise BadInput(
                "the network is a picture or a graph: use 'export docx' or 'export graphml'", where="--tables"
            )
        figure = next((t for t in self.options.tables if t in ("map", "kappa")), None)
        if figure:
            raise BadInput(f"the {figure} is a figure of the Word report: use 'export docx'", where="--tables")
        return self.tables()
