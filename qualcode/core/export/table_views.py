"""The analysis tables as readers see them: one `DisplayTable` per table, from the `Analysis` frame.

Each builder says, once, which of the frame's columns a reader sees, under
which label, how a cell is written (a quote in curly quotes with its
attribution, "—" for a missing definition), the caption and the notes; text,
CSV, XLSX and Word render what it returns. Data files hold the frame's columns
as they are, so joining columns for a reader changes no data file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qualcode.core.export.display import MISSING, Column, DisplayTable, Note, Part

if TYPE_CHECKING:
    import pandas as pd


def theme_table(frame: pd.DataFrame) -> DisplayTable:
    """Main themes and their subthemes (a paper's Table 1), each theme named once, with counts when computed."""
    counts = "Segments" in frame.columns
    columns = [
        Column("Theme", "Main theme", repeat=False, width=3),
        Column("Subtheme", "Subtheme", empty=MISSING, width=4.2),
    ]
    notes: tuple[Note, ...] = ()
    if counts:
        columns += [Column("Segments", "Segments", 0, width=1.5), Column("Participants", "Participants", 0, width=1.8)]
        notes = (Note("Segments: coded segments under the subtheme; participants: informants with any of them."),)
    return DisplayTable(frame, tuple(columns), caption="Main themes and subthemes", notes=notes)


MATRIX_NOTES = {
    "count": "Cells: coded segments in each participant's transcripts (a group's cell adds up its participants'); "
    "a theme's or subtheme's row counts the distinct segments coded with it or any code under it.",
    "presence": "✓: coded at least once in the participant's transcripts, with the row's code or any code under "
    "it; a/b in a group's cell: a of its b participants.",
    "quote": "Cells: the participant's first quote under the row (a group's: that of its first participant).",
}
"""What a matrix's numbers count, in the note under it."""

MATRIX_CELLS = {"count": "number of coded segments", "presence": "✓ = coded at least once", "quote": "first quote"}
"""What a matrix cell shows, as its caption says."""


def matrix_table(frame: pd.DataFrame, cells: str) -> DisplayTable:
    """The theme × participant matrix: codes indented under subthemes and themes, themes in bold."""
    columns = [str(c) for c in frame.columns if c not in ("Code", "Level")]
    digits = 0 if cells == "count" else None
    # Presence marks ("✓", "2/3") line up as counts do; quotes read as text, in wider columns.
    align = "left" if cells == "quote" else "right"
    # Quote cells are long: such a matrix goes on a landscape page, and its label column keeps room for a name.
    label_width, width = (4.0, 3.0) if cells == "quote" else (4.0, 1.0)
    levels = tuple(int(level) for level in frame["Level"]) if "Level" in frame.columns else ()
    by = frame.attrs.get("columns_are", "participant")
    return DisplayTable(
        frame,
        (
            Column("Code", "Theme / subtheme / code", width=label_width),
            *(Column(c, c, digits, align=align, width=width) for c in columns),
        ),
        caption=f"Themes, subthemes and codes by {by} ({MATRIX_CELLS[cells]})",
        notes=(Note(MATRIX_NOTES[cells]),),
        levels=levels,
        bold=tuple(level == 0 for level in levels),
        landscape=True if cells == "quote" else None,
    )


def quote_table(frame: pd.DataFrame) -> DisplayTable:
    """The coded quotes grouped by theme ▸ subtheme (named once per group), each in quotes with "(P5)" after it."""
    return DisplayTable(
        frame,
        (
            Column("Theme", "Theme ▸ subtheme", parts=(Part("Subtheme"),), sep=" ▸ ", repeat=False, width=2),
            Column("Quote", "Quote", form="“{}”", parts=(Part("Attribution"),), quote=True, width=5),
        ),
        caption="Illustrative quotes by theme and subtheme",
        notes=(
            Note(
                "A quote is a run of consecutive segments of one speaker coded under the subtheme; (P5): the "
                "participant who said it; … marks text left out."
            ),
        ),
        no_rows="No quotes: every coded segment is an interviewer's turn.",
    )


def codebook_table(frame: pd.DataFrame) -> DisplayTable:
    """Every code, indented by level, with its definition, criteria, example and use, on a landscape page."""
    levels = tuple(int(level) for level in frame["Level"]) if "Level" in frame.columns else ()
    return DisplayTable(
        frame,
        (
            Column("Name", "Code", width=2.4),
            Column("Definition", "Definition", empty=MISSING, width=3.6),
            Column(
                "Include",
                "Criteria",
                form="Include: {}",
                parts=(Part("Exclude", "Exclude: {}"),),
                sep="\n",
                empty=MISSING,
                width=4.2,
            ),
            Column("Example", "Example", empty=MISSING, width=3.2),
            Column("Segments", "Used", 0, parts=(Part("Participants"),), sep=" / ", width=1.0),
        ),
        caption="Codebook: definitions, criteria, examples and use",
        notes=(
            Note(
                "Used: coded segments / participants; a theme's or subtheme's count is of distinct segments coded "
                "with it or any code under it."
            ),
        ),
        levels=levels,
        bold=tuple(level == 0 for level in levels),
        landscape=True,
    )


def frequency_table(frame: pd.DataFrame, by: str = "transcript") -> DisplayTable:
    """Each group's most frequent words on one line, "word (count)", most frequent first; ``by`` names the
    groups ("participant" in the report: rows by informant, P1 …)."""
    label = {"transcript": "Transcript", "participant": "Participant", "theme": "Theme"}.get(by, by)
    return DisplayTable(
        frame,
        (
            Column("group", label, width=1.6),
            Column("lemma", "Words (count)", parts=(Part("count", "({})"),), width=5),
        ),
        caption=f"Most frequent words per {label.lower()} (lemmas; stop words and interviewer turns left out)",
        notes=(
            Note(
                "Counts are occurrences of each lemma in the participant's turns; names confirmed as pseudonyms "
                "are not counted."
                if by == "participant"
                else "Counts are occurrences of each lemma; names confirmed as pseudonyms are not counted."
            ),
        ),
        merge=", ",
        no_rows=MISSING,
    )


def memo_table(memos: list[Any], journal: list[Any]) -> DisplayTable:
    """Memos (on codes, segments and passages) and the journal's entries: an appendix of the team's notes."""
    import pandas as pd

    records = []
    for m in memos:
        where = f"code {m.code}" if m.kind == "code" else f"{m.transcript} #{m.segment} ({m.kind})"
        records.append(
            {
                "author": m.author,
                "kind": m.kind,
                "where": where,
                "codes": "" if m.kind == "code" else m.code,
                "date": m.updated_at[:10],
                "text": m.text,
            }
        )
    for e in journal:
        records.append(
            {"author": e.author, "kind": "journal", "where": "journal", "codes": "", "date": e.at[:10], "text": e.text}
        )
    frame = pd.DataFrame.from_records(records, columns=["author", "kind", "where", "codes", "date", "text"])
    return DisplayTable(
        frame,
        (
            Column("where", "Where", width=2.2),
            Column("author", "Author", parts=(Part("date", "{}"),), sep="\n", width=1.2),
            Column("text", "Memo", parts=(Part("codes", "Codes: {}"),), sep="\n", width=5),
        ),
        caption="Memos on codes, segments and passages, and the journal",
        notes=(Note("Where: the code, or the transcript and segment the memo stands on; dates as last written."),),
        no_rows="No memos yet.",
    )
