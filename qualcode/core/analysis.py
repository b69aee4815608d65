"""The tables authors take into the paper, as pandas DataFrames: one source for every format.

All tables are computed for one coder: the consensus by default, or a named
coder. Quote text passes through the project's pseudonyms on the way out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qualcode.core.codebook import Codebook, codebook_from_codes
from qualcode.core.errors import BadInput
from qualcode.core.model import CONSENSUS
from qualcode.core.model import natural_key as _natural_key
from qualcode.core.pseudonyms import Pseudonymiser
from qualcode.core.store import Store
from qualcode.core.store.settings import is_interviewer

if TYPE_CHECKING:
    import pandas as pd

LEVELS = ("theme", "subtheme", "code")
CELLS = ("count", "presence", "quote")
PICKS = ("first", "longest", "starred")


@dataclass(frozen=True)
class Quote:
    """A run of consecutive segments of one speaker carrying a code, joined."""

    theme: str
    subtheme: str
    participant: str
    transcript: str
    first_ordinal: int
    text: str
    starred: bool

    @property
    def attribution(self) -> str:
        return f"({self.participant})"

    @property
    def words(self) -> int:
        return len(self.text.split())


def coded_passage(text: str, start: int, end: int, first: int, last: int) -> str:
    """The coded part ``[first, last)`` of the segment ``[start, end)``, widened to whole words, with "…"
    where text of the segment is left out before or after it (the whole segment when it is all coded)."""
    first, last = max(first, start), min(last, end)
    while first > start and not text[first - 1].isspace():
        first -= 1
    while last < end and not text[last].isspace():
        last += 1
    passage = text[first:last].strip()
    before = "… " if text[start:first].strip() else ""
    after = " …" if text[last:end].strip() else ""
    return f"{before}{passage}{after}"


class Analysis:
    """A project's codings by one coder, ready to be shaped into tables."""

    def __init__(self, store: Store, coder: str = CONSENSUS) -> None:
        store.codings.check_known(coder)
        rows = store.codings.located(coder)
        if not rows:
            hint = "; resolve the coders' disagreements first (qualcode resolve)" if coder == CONSENSUS else ""
            raise BadInput(f"has no codings in this project{hint}", where=coder)
        self.store = store
        self.coder = coder
        self.book: Codebook = codebook_from_codes(store.codebook.codes())
        self.pseudonymiser = Pseudonymiser.from_store(store)
        self.transcripts = {t.id: t for t in store.transcripts.all()}
        self.participants = {p.id: p.attributes for p in store.participants.all()}
        self.interviewers = store.settings.interviewers
        """The speaker names taken as the interviewer's (the project's setting)."""
        self.rows = rows
        """(segment id, transcript id, ordinal, speaker, start, end, code id, starred) in reading order."""

    # -- helpers ---------------------------------------------------------------

    def participant_of(self, transcript_id: int) -> str:
        t = self.transcripts[transcript_id]
        return t.participant or t.name

    def theme_and_subtheme(self, code_id: str) -> tuple[str, str]:
        """Names of the top-level theme and the subtheme (level two) a code sits under."""
        chain = [*self.book.ancestors(code_id), self.book.get(code_id)]  # ancestors run from the theme down
        names = [c.name for c in chain if c is not None]
        return names[0], names[1] if len(names) > 1 else ""

    def display(self, text: str) -> str:
        """Text as it may leave the project: pseudonyms applied, white space tidied."""
        return self.pseudonymiser.apply(re.sub(r"\s+", " ", text).strip())

    def members(self, code_id: str) -> set[str]:
        """A code and every code under it."""
        return {code_id, *(d.id for d in self.book.descendants(code_id))}

    def _rows_at(self, level: str) -> list[tuple[str, int, set[str]]]:
        """(code id, depth, codes counted) of the matrix rows at a level of the tree."""
        max_depth = LEVELS.index(level)
        out = []
        for code, depth in self.book.walk():
            if level != "code" and depth > max_depth:
                continue
            out.append((code.id, depth, self.members(code.id)))
        return out

    def _participant_columns(self, where: dict[str, str] | None) -> list[str]:
        used = sorted({self.participant_of(t) for t in self.transcripts}, key=_natural_key)
        if not where:
            return used
        kept = []
        for pid in used:
            attributes = self.participants.get(pid, {})
            if all(str(attributes.get(k, "")).casefold() == v.casefold() for k, v in where.items()):
                kept.append(pid)
        if not kept:
            wanted = ", ".join(f"{k}={v}" for k, v in where.items())
            raise BadInput(f"no participant has {wanted}", where="--where")
        return kept

    # -- tables ----------------------------------------------------------------

    def theme_table(self, *, counts: bool = True) -> pd.DataFrame:
        """Main themes and their subthemes (a paper's Table 1), with segments and participants per subtheme."""
        import pandas as pd

        segments: dict[str, set[int]] = defaultdict(set)
        people: dict[str, set[str]] = defaultdict(set)
        for sid, tid, _o, _sp, _s, _e, code_id, _st, *_coded in self.rows:
            for c in [code_id, *(a.id for a in self.book.ancestors(code_id))]:
                segments[c].add(sid)
                people[c].add(self.participant_of(tid))
        records = []
        for theme in self.book.roots():
            subthemes = self.book.children(theme.id) or [None]
            for sub in subthemes:
                target = sub.id if sub else theme.id
                record: dict[str, Any] = {"Theme": theme.name, "Subtheme": sub.name if sub else ""}
                if counts:
                    record["Segments"] = len(segments.get(target, ()))
                    record["Participants"] = len(people.get(target, ()))
                records.append(record)
        return pd.DataFrame.from_records(records)

    def matrix(
        self,
        *,
        level: str = "code",
        cells: str = "count",
        group_by: str | None = None,
        where: dict[str, str] | None = None,
        quote_words: int = 12,
    ) -> pd.DataFrame:
        """Themes ▸ subthemes ▸ codes × participants: counts of segments, presence marks, or a short quote.

        With ``group_by`` an attribute, columns are its values: counts add up,
        presence shows how many of the group's participants have the code, and
        a quote comes from the first of them.
        """
        import pandas as pd

        if level not in LEVELS:
            raise BadInput(f"unknown level '{level}'; choose from {', '.join(LEVELS)}", where="--level")
        if cells not in CELLS:
            raise BadInput(f"unknown cells '{cells}'; choose from {', '.join(CELLS)}", where="--cells")
        columns = self._participant_columns(where)
        groups: dict[str, list[str]] = {pid: [pid] for pid in columns}
        if group_by:
            known = {k for attrs in self.participants.values() for k in attrs}
            if group_by not in known:
                raise BadInput(
                    f"no participant attribute '{group_by}' (attributes: {', '.join(sorted(known)) or 'none'})",
                    where="--group-by",
                )
            grouped: dict[str, list[str]] = defaultdict(list)
            for pid in columns:
                grouped[str(self.participants.get(pid, {}).get(group_by, "—"))].append(pid)
            groups = {k: grouped[k] for k in sorted(grouped, key=_natural_key)}
        per_code: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        for sid, tid, _o, _sp, _s, _e, code_id, _st, *_coded in self.rows:
            per_code[code_id][self.participant_of(tid)].add(sid)
        quotes = self._first_quotes(quote_words) if cells == "quote" else {}
        records = []
        for code_id, depth, members in self._rows_at(level):
            code = self.book.get(code_id)
            record: dict[str, Any] = {"Code": "    " * depth + (code.name if code else code_id), "Level": depth}
            for column, pids in groups.items():
                seg_sets = [set().union(*(per_code[m].get(pid, set()) for m in members)) for pid in pids]
                if cells == "count":
                    record[column] = sum(len(s) for s in seg_sets)
                elif cells == "presence":
                    having = sum(1 for s in seg_sets if s)
                    if group_by:
                        record[column] = f"{having}/{len(pids)}" if having else ""
                    else:
                        record[column] = "✓" if having else ""
                else:
                    # The earliest quote of the participant (the first of a group) under any member code:
                    # chosen by position, not by the order of a set, so every run gives the same cell.
                    record[column] = next(
                        (
                            min(found)[1]
                            for pid in pids
                            if (found := [quotes[(m, pid)] for m in members if (m, pid) in quotes])
                        ),
                        "",
                    )
            records.append(record)
        frame = pd.DataFrame.from_records(records)
        frame.attrs["columns_are"] = group_by or "participant"
        return frame

    def _first_quotes(self, words: int) -> dict[tuple[str, str], tuple[tuple[str, int], str]]:
        """Per (code, participant), the first quote and where it stands (transcript, segment)."""
        out: dict[tuple[str, str], tuple[tuple[str, int], str]] = {}
        for code_id in {r[6] for r in self.rows}:
            for quote in self._runs({code_id}, include_interviewer=False):
                where = (quote.transcript, quote.first_ordinal)
                out.setdefault((code_id, quote.participant), (where, _cut(quote.text, words)))
        return out

    def quotes(
        self,
        *,
        include_interviewer: bool = False,
        max_words: int | None = None,
        per_participant: str | None = None,
    ) -> pd.DataFrame:
        """For each theme ▸ subtheme, its coded quotes with the participant's attribution "(P5)"."""
        import pandas as pd

        if per_participant is not None and per_participant not in PICKS:
            raise BadInput(
                f"unknown choice '{per_participant}'; choose from {', '.join(PICKS)}", where="--per-participant"
            )
        if max_words is not None and max_words < 1:
            raise BadInput("a quote needs at least one word", where="--max-words")
        records = []
        for theme in self.book.roots():
            groups = [(theme, None)] + [(theme, sub) for sub in self.book.children(theme.id)]
            for top, sub in groups:
                codes = self.members(sub.id) if sub else {top.id}
                runs = self._runs(codes, include_interviewer=include_interviewer)
                runs = _pick(runs, per_participant)
                for quote in runs:
                    text = _cut(quote.text, max_words) if max_words else quote.text
                    records.append(
                        {
                            "Theme": top.name,
                            "Subtheme": sub.name if sub else "",
                            "Participant": quote.participant,
                            "Quote": text,
                            "Attribution": quote.attribution,
                            "Transcript": quote.transcript,
                            "Segment": quote.first_ordinal,
                            "Starred": quote.starred,
                        }
                    )
        columns = ["Theme", "Subtheme", "Participant", "Quote", "Attribution", "Transcript", "Segment", "Starred"]
        return pd.DataFrame.from_records(records, columns=columns)

    def _runs(self, codes: set[str], *, include_interviewer: bool) -> list[Quote]:
        """Runs of consecutive segments of one speaker carrying any of ``codes``, in reading order."""
        by_segment: dict[int, tuple[int, int, str | None, int, int, bool, int, int]] = {}
        for row in self.rows:
            if row.code_id not in codes:
                continue
            if not include_interviewer and is_interviewer(row.speaker, self.interviewers):
                continue
            first, last = (row.coded_start, row.coded_end) if row.coded_start >= 0 else (row.start, row.end)
            earlier = by_segment.get(row.segment_id)
            if earlier:
                # several codes of the subtheme on one segment: the part from the first to the last
                first, last = min(first, earlier[6]), max(last, earlier[7])
            starred = bool(row.starred) or bool(earlier and earlier[5])
            by_segment[row.segment_id] = (
                row.transcript_id,
                row.ordinal,
                row.speaker,
                row.start,
                row.end,
                starred,
                first,
                last,
            )
        quotes: list[Quote] = []
        run: list[tuple[int, int, str | None, int, int, bool, int, int]] = []
        for item in sorted(by_segment.values(), key=lambda r: (r[0], r[1])):
            if run and (item[0] != run[-1][0] or item[1] != run[-1][1] + 1 or item[2] != run[-1][2]):
                quotes.append(self._quote(run, codes))
                run = []
            run.append(item)
        if run:
            quotes.append(self._quote(run, codes))
        return quotes

    def _quote(self, run: list[tuple[int, int, str | None, int, int, bool, int, int]], codes: set[str]) -> Quote:
        tid = run[0][0]
        text = self.transcripts[tid].text
        joined = " ".join(
            coded_passage(text, start, end, first, last) for _t, _o, _sp, start, end, _st, first, last in run
        )
        joined = joined.replace("… …", "…")
        theme, subtheme = self.theme_and_subtheme(next(iter(codes)))
        return Quote(
            theme,
            subtheme,
            self.participant_of(tid),
            self.transcripts[tid].name,
            run[0][1],
            self.display(joined),
            any(r[5] for r in run),
        )

    def codebook_table(self) -> pd.DataFrame:
        """Every code with its definition, criteria, example, and how often it was used."""
        import pandas as pd

        segments: dict[str, set[int]] = defaultdict(set)
        people: dict[str, set[str]] = defaultdict(set)
        # a theme's or subtheme's use is every distinct segment coded with it or any code under it
        owners = {c.id: [c.id, *(a.id for a in self.book.ancestors(c.id))] for c in self.book.codes}
        for sid, tid, _o, _sp, _s, _e, code_id, _st, *_coded in self.rows:
            for owner in owners.get(code_id, [code_id]):
                segments[owner].add(sid)
                people[owner].add(self.participant_of(tid))
        records = []
        for code, depth in self.book.walk():
            records.append(
                {
                    "Code": self.book.path(code.id),
                    "Name": code.name,
                    "Level": depth,
                    "Key": code.key,
                    "Definition": self.pseudonymiser.apply(code.description),
                    "Include": self.pseudonymiser.apply(code.inclusion),
                    "Exclude": self.pseudonymiser.apply(code.exclusion),
                    "Example": self.pseudonymiser.apply(code.example),
                    "Segments": len(segments.get(code.id, ())),
                    "Participants": len(people.get(code.id, ())),
                }
            )
        return pd.DataFrame.from_records(records)

    def cooccurrence(self) -> Any:
        """A networkx graph of the codes used: edge weight = segments the two codes share."""
        import networkx as nx

        per_segment: dict[int, set[str]] = defaultdict(set)
        for sid, _t, _o, _sp, _s, _e, code_id, _st, *_coded in self.rows:
            per_segment[sid].add(code_id)
        graph = nx.Graph()
        frequency: dict[str, int] = defaultdict(int)
        for codes in per_segment.values():
            for c in codes:
                frequency[c] += 1
        for code_id, n in frequency.items():
            code = self.book.get(code_id)
            theme, _sub = self.theme_and_subtheme(code_id)
            graph.add_node(code_id, label=code.name if code else code_id, segments=n, theme=theme)
        for codes in per_segment.values():
            ordered = sorted(codes)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1 :]:
                    weight = graph.get_edge_data(a, b, {}).get("weight", 0)
                    graph.add_edge(a, b, weight=weight + 1)
        return graph

    def code_tree(self) -> Any:
        """The codebook as a networkx tree (a directed graph from each code to the codes under it)."""
        import networkx as nx

        tree = nx.DiGraph()
        for code, depth in self.book.walk():
            tree.add_node(code.id, label=code.name, depth=depth)
            if code.parent_id:
                tree.add_edge(code.parent_id, code.id)
        return tree


def _cut(text: str, words: int | None) -> str:
    """At most ``words`` words, cut at a word with an ellipsis."""
    if not words:
        return text
    parts = text.split()
    if len(parts) <= words:
        return text
    return " ".join(parts[:words]).rstrip(",;:") + " …"


def _pick(runs: list[Quote], how: str | None) -> list[Quote]:
    """One quote per participant (the first, the longest, or a starred one), or all of them."""
    if how is None:
        return runs
    chosen: dict[str, Quote] = {}
    for quote in runs:
        current = chosen.get(quote.participant)
        if how == "first" and current is None:
            chosen[quote.participant] = quote
        elif how == "longest" and (current is None or quote.words > current.words):
            chosen[quote.participant] = quote
        elif how == "starred" and quote.starred and current is None:
            chosen[quote.participant] = quote
    return sorted(chosen.values(), key=lambda q: _natural_key(q.participant))
