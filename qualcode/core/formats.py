"""Every file format qualcode writes or reads, in one registry.

The command line's choices, the workbench's export dialog and the README's
table all come from `FORMATS`; a new format is one entry here and its writer.
Writers import their heavy libraries (pandas, python-docx, lxml) only when
called, so reading this registry costs nothing at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.core.errors import BadInput
from qualcode.core.model import ExportOptions, Progress

if TYPE_CHECKING:
    from qualcode.core.codebook import Codebook
    from qualcode.core.store import Store

Writer = Callable[["Store", Path, "ExportOptions", "Progress | None"], list[Path]]
"""Writes a format's file (or files) from a project and returns what it wrote."""

TABLES = ("theme", "matrix", "quotes", "codebook", "agreement", "frequencies", "memos", "network", "map", "kappa")
"""The analysis tables an author can export."""

DEFAULT_TABLES = ("theme", "matrix", "quotes", "codebook")


def parse_where(items: list[str] | None) -> tuple[tuple[str, str], ...]:
    """``ATTRIBUTE=VALUE`` filters of participants, checked."""
    out = []
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"'{item}' is not ATTRIBUTE=VALUE", where="--where")
        out.append((key.strip(), value.strip()))
    return tuple(out)


@dataclass(frozen=True)
class Format:
    """A file format: what it is called, what it holds, and how it is written."""

    name: str
    """The name used on the command line and in the export dialog."""
    suffix: str
    """The file name ending, with its dot."""
    label: str
    """What it is, in a few words for a person choosing one."""
    target: str
    """``file``, or ``folder`` when it may write several files into a folder."""
    tables: tuple[str, ...]
    """The analysis tables it can hold; empty for a format that carries the whole project."""
    default_tables: tuple[str, ...]
    """The tables written when none are named."""
    write: Writer
    reads: str = ""
    """What qualcode reads from this format (``project``, ``codebook``), if anything."""

    @property
    def whole_project(self) -> bool:
        return not self.tables


def _tables_writer(method: str) -> Writer:
    def write(store: Store, path: Path, options: ExportOptions, progress: Progress | None) -> list[Path]:
        from qualcode.core.export.tables import Exporter

        written = getattr(Exporter(store, options, progress), method)(path)
        return written if isinstance(written, list) else [written]

    return write


def _write_qdpx(store: Store, path: Path, options: ExportOptions, progress: Progress | None) -> list[Path]:
    from qualcode.core.exchange.refi_write import write_qdpx

    return [write_qdpx(store, path)]


def _write_qdc(store: Store, path: Path, options: ExportOptions, progress: Progress | None) -> list[Path]:
    from qualcode.core.exchange.refi_write import write_qdc

    return [write_qdc(store, path)]


FIGURES = ("network", "map", "kappa")
"""The report's figures: the co-occurrence network, the thematic map and the agreement chart (Word only)."""
_FLAT_TABLES = tuple(t for t in TABLES if t not in FIGURES)

FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("docx", ".docx", "Word report", "file", TABLES, DEFAULT_TABLES, _tables_writer("write_docx")),
        Format(
            "xlsx",
            ".xlsx",
            "Excel workbook, a sheet per table",
            "file",
            _FLAT_TABLES,
            DEFAULT_TABLES,
            _tables_writer("write_xlsx"),
        ),
        Format(
            "csv",
            ".csv",
            "CSV, a file per table (a folder, or one .csv)",
            "folder",
            _FLAT_TABLES,
            DEFAULT_TABLES,
            _tables_writer("write_csv"),
        ),
        Format(
            "graphml",
            ".graphml",
            "code co-occurrence network (GraphML)",
            "file",
            ("network",),
            ("network",),
            _tables_writer("write_graphml"),
        ),
        Format("qdpx", ".qdpx", "REFI-QDA project, for other QDA tools", "file", (), (), _write_qdpx, reads="project"),
        Format("qdc", ".qdc", "REFI-QDA codebook, for other QDA tools", "file", (), (), _write_qdc, reads="codebook"),
    )
}
"""Every export format, by name."""


def format_named(name: str) -> Format:
    """The format of this name; a clear error for any other."""
    try:
        return FORMATS[name]
    except KeyError:
        raise BadInput(f"unknown format; choose one of {', '.join(FORMATS)}", where=name) from None


def coders_compared(store: Store) -> list[str]:
    """The coders (not the consensus) who have codings: two of them make an agreement table."""
    from qualcode.core.model import CONSENSUS

    return [c for c in store.codings.coders() if c != CONSENSUS and store.codings.count(c)]


def tables_for(fmt: Format, text: str | None, store: Store, *, agreement_named: bool = False) -> tuple[str, ...]:
    """The tables an export writes: those named (``all``: every table the format holds that the project can
    fill, the agreement when two coders have codings or ``agreement_named``), else the format's default,
    which for Word is the full report once two coders have codings."""
    two = agreement_named or len(coders_compared(store)) >= 2
    # memos are the team's working notes: an appendix only when asked for by name
    full = tuple(t for t in fmt.tables if t != "memos" and (t not in ("agreement", "kappa") or two))
    if text is None:
        if fmt.name == "docx" and len(coders_compared(store)) == 2:
            return full
        return fmt.default_tables
    if text.strip() == "all":
        return full
    return parse_tables(text, fmt)


def parse_tables(text: str, fmt: Format | None = None) -> tuple[str, ...]:
    """Table names from a comma-separated list, checked against what the format can hold."""
    names = tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
    allowed = fmt.tables if fmt is not None else TABLES
    unknown = [t for t in names if t not in TABLES]
    if unknown or not names:
        raise BadInput(
            f"unknown table '{unknown[0] if unknown else text}'; choose from {', '.join(TABLES)}", where="--tables"
        )
    wrong = [t for t in names if t not in allowed]
    if fmt is not None and wrong:
        if wrong[0] == "network":
            raise BadInput(
                "the network is a picture or a graph: use 'export docx' or 'export graphml'", where="--tables"
            )
        if wrong[0] in FIGURES:
            raise BadInput(f"the {wrong[0]} is a figure of the Word report: use 'export docx'", where="--tables")
        raise BadInput(
            f"{fmt.name} cannot hold the table '{wrong[0]}'; it holds {', '.join(allowed)}", where="--tables"
        )
    return names


def load_codebook_file(path: str | Path) -> Codebook:
    """Read and validate a codebook file (.yaml/.yml, .json, or REFI-QDA .qdc), or a bundled codebook by name.

    A name that is no file, such as ``back2school``, is looked up among the
    codebooks that ship in the package (``qualcode/data/codebooks``), so
    ``--codebook back2school`` works from any folder and any install.
    """
    from qualcode.core.codebook import MAX_CODEBOOK_FILE, parse_codebook

    path = Path(path)
    where = str(path)
    if not path.is_file():
        from importlib import resources

        try:
            shipped = (resources.files("qualcode") / "data" / "codebooks").iterdir()
            bundled = {item.name.removesuffix(".yaml"): item for item in shipped if item.name.endswith(".yaml")}
        except (OSError, ValueError):  # an install without its data (a zip says ValueError): none bundled
            bundled = {}
        if where in bundled:
            return parse_codebook(bundled[where].read_text(encoding="utf-8"), where)
        names = ", ".join(sorted(bundled)) or "none in this install"
        raise BadInput(f"no such codebook file, nor a bundled codebook (bundled: {names})", where=where)
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        from qualcode.core.exchange.refi_read import read_qdc

        return read_qdc(path)
    if suffix not in (".yaml", ".yml", ".json"):
        raise BadInput("a codebook must be .yaml, .yml, .json or .qdc", where=where)
    try:
        if path.stat().st_size > MAX_CODEBOOK_FILE:
            raise BadInput(f"is larger than {MAX_CODEBOOK_FILE // 1024**2} MiB; is it really a codebook?", where=where)
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput("is not UTF-8 text; save it as UTF-8", where=where) from None
    except OSError as e:
        raise BadInput(f"cannot be read ({e.strerror or e})", where=where) from None
    return parse_codebook(text, where)


def readme_table() -> str:
    """The README's table of formats, made from the registry."""
    lines = ["| format | file | holds |", "| --- | --- | --- |"]
    for f in FORMATS.values():
        holds = ", ".join(f.tables) if f.tables else "the whole project" if f.reads == "project" else "the codebook"
        lines.append(f"| `{f.name}` | {f.label} ({f.suffix}) | {holds} |")
    return "\n".join(lines)
