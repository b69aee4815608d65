"""ChunkTokenizer: spaCy's tokens, computed once per distinct span of text.

Checked against spaCy itself: span by span on generated text (any characters,
any cuts into pieces), and over whole segments of the sample interviews.
"""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest
import spacy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qualcode.core.project import Project
from qualcode.core.textindex import lemma_table, tokens
from qualcode.core.tokenizing import SPLIT_AFTER_LETTERS, ChunkTokenizer, _space_table
from tests.conftest import REPO

SAMPLES = REPO / "transcripts_sample"

PIPELINES = {lang: spacy.blank(lang) for lang in ("en", "nb")}


def rows(found, chunker: ChunkTokenizer) -> list[tuple[int, int, str, str, bool, bool, int]]:
    """The chunker's tokens as (start, length, text, lower, is space, is punct, piece)."""
    written, forms = chunker.written.values, chunker.forms.values
    return list(
        zip(
            found.starts.tolist(),
            found.lengths.tolist(),
            [written[i] for i in found.written.tolist()],
            [forms[i] for i in found.lower.tolist()],
            found.is_space.tolist(),
            found.is_punct.tolist(),
            found.piece.tolist(),
            strict=True,
        )
    )


def spacy_rows(doc, offset: int, piece: int) -> list[tuple[int, int, str, str, bool, bool, int]]:
    return [(offset + t.idx, len(t), t.text, t.lower_, t.is_space, t.is_punct, piece) for t in doc]


def per_span(tokenizer, text: str, pieces: list[tuple[int, int]]) -> list[tuple]:
    """spaCy's tokenizer applied to each whitespace-delimited span of each piece on its own.

    Whitespace as spaCy's tokenizer treats it: a run after a word gives up one
    leading ' ' (the word's trailing space); the rest of the run, and a run at
    the start of a piece, is tokenized as it is.
    """
    out = []
    for number, (start, end) in enumerate(pieces):
        for match in re.finditer(r"\s+|\S+", text[start:end]):
            span, at = match.group(), start + match.start()
            if span.isspace() and match.start() > 0 and span[0] == " ":
                span, at = span[1:], at + 1
            if span:
                out += spacy_rows(tokenizer(span), at, number)
    return out


WORDS = [
    "school",
    "Nordby",
    "A",
    "Mr",
    "Anders",
    "s",
    "meeting",
    "don't",
    "U.S.",
    "e.g.",
    "co-op",
    "3.5",
    "10%",
    "$5",
    "æøå",
    "naïve",
]
PIECES = st.sampled_from(
    [*WORDS, " ", "  ", "\n", "\t", "\xa0", "\u2028", "\u3000", ".", ",", "!?", '"', "'", "(", ")", ":)", "-", "–", "—",
     "/", "http://x.org/a?b", "🙂", "e\u0301", "...", "a.m.", "cannot", "gonna"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.one_of(PIECES, st.text(min_size=1, max_size=6)), max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=4),
    lang=st.sampled_from(sorted(PIPELINES)),
)
# a full stop after one capital that follows a small letter stays on the word; after two capitals it goes
@example(parts=["aA", "."], cuts=[], lang="en")
@example(parts=["abC", ". ", "OSLO", ". ", "Oslo", "."], cuts=[], lang="nb")
def test_every_span_is_tokenized_as_spacy_tokenizes_it_alone(parts, cuts, lang):
    text = "".join(parts)
    edges = sorted({0, len(text), *(c for c in cuts if c <= len(text))})
    pieces = list(zip(edges[:-1], edges[1:], strict=True))
    tokenizer = PIPELINES[lang].tokenizer
    chunker = ChunkTokenizer(tokenizer)
    assert rows(chunker.tokens(text, pieces), chunker) == per_span(tokenizer, text, pieces)
    again = chunker.tokens(text, pieces)  # now every span is known
    assert rows(again, chunker) == per_span(tokenizer, text, pieces)


def test_the_sample_interviews_are_tokenized_exactly_as_spacy_tokenizes_each_segment(tmp_path):
    project = Project.create(tmp_path / "s.qc")
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".txt", ".docx", ".vtt", ".srt", ".odt"))
    project.import_files(files)
    checked = 0
    for lang in ("en", "nb"):
        tokenizer = PIPELINES[lang].tokenizer
        chunker = ChunkTokenizer(tokenizer)
        for transcript in project.store.transcripts.all():
            pieces = [(s.start, s.end) for s in project.segments(transcript.id)]
            expected = []
            for number, (start, end) in enumerate(pieces):
                expected += spacy_rows(tokenizer(transcript.text[start:end]), start, number)
            assert rows(chunker.tokens(transcript.text, pieces), chunker) == expected, transcript.name
            checked += len(expected)
    assert checked > 30_000
    project.close()


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_a_word_of_letters_alone_is_one_token(lang):
    """What `ChunkTokenizer` takes without asking spaCy: no affix rule splits a run of letters."""
    tokenizer = PIPELINES[lang].tokenizer
    rules = set(tokenizer.rules)
    table = lemma_table(lang)
    words = sorted({w for form in table for w in (form, form.capitalize(), form.upper()) if w.isalpha()})
    sample = words[:: max(1, len(words) // 20_000)]
    assert len(sample) > 2_000
    split = [w for w in sample if w not in rules and len(tokenizer(w)) != 1]
    assert split == []


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_two_letters_or_more_then_a_mark_are_two_tokens(lang):
    """The other shape `ChunkTokenizer` lays out itself: "school," is "school" and ","."""
    tokenizer = PIPELINES[lang].tokenizer
    rules = set(tokenizer.rules)
    table = lemma_table(lang)
    words = sorted({w for form in table for w in (form, form.capitalize(), form.upper()) if w.isalpha() and len(w) > 1})
    sample = words[:: max(1, len(words) // 5_000)]
    split = [
        w + mark
        for mark in SPLIT_AFTER_LETTERS
        for w in sample
        if w not in rules and w + mark not in rules and [t.text for t in tokenizer(w + mark)] != [w, mark]
    ]
    assert split == []


def test_the_whitespace_table_knows_every_whitespace_character():
    table = _space_table()
    every = [c for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert max(every) < len(table) - 1
    assert np.flatnonzero(table).tolist() == every


def test_a_language_with_its_own_tokenizer_runs_whole():
    """Chinese text has no spaces between words: its tokenizer segments it, so spans are not its unit."""
    text = "我们在学校开会。老师很忙。"
    found = tokens(text, [(0, len(text))], "zh", None)
    doc = spacy.blank("zh")(text)
    assert [found.forms.values[i] for i in found.form_of.tolist()] == [t.lower_ for t in doc]
    assert found.starts.tolist() == [t.idx for t in doc]
