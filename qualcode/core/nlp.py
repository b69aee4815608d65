"""spaCy pipelines: a trained one when installed, otherwise a rule-based blank one.

spaCy takes close to a second to import, so this module imports it only inside
the functions that need it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from qualcode.core.errors import BadInput


@lru_cache(maxsize=8)
def pipeline(lang: str, model: str | None = None) -> Any:
    """A spaCy `Language` that splits sentences.

    ``model`` names a trained pipeline (a package or a folder); it is used when it
    can be loaded.  Otherwise ``spacy.blank(lang)`` with the rule-based sentencizer.
    """
    import spacy

    if model:
        try:
            nlp = spacy.load(model)
        except OSError:
            nlp = None
        if nlp is not None:
            if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
                nlp.add_pipe("sentencizer")
            return nlp
    try:
        nlp = spacy.blank(lang)
    except (ImportError, KeyError) as e:
        raise BadInput(f"spaCy has no language '{lang}' ({e})", where="--lang") from None
    nlp.add_pipe("sentencizer")
    return nlp


def check_language(lang: str) -> None:
    """Refuse a language code spaCy does not know, before anything is written."""
    from spacy.util import get_lang_class

    try:
        get_lang_class(lang)
    except Exception:
        raise BadInput(f"spaCy has no language '{lang}'; use a code such as en or nb", where="--lang") from None


CHUNK = 50_000
"""Longest text given to spaCy as one Doc; longer texts are cut into pieces.

spaCy refuses texts past ``nlp.max_length`` (a million characters) because a
trained parser or NER needs about a gigabyte per 100,000 characters.  Raising
the limit would let a 50 MB one-line file through, but a Doc costs memory per
token even with the rule-based pipeline, so one huge Doc is gigabytes.  Cutting
instead keeps memory bounded by the batch for any pipeline.  The cuts fall
after a sentence end and the whitespace after it where there is one (then the
rule-based sentencizer gives exactly the sentences of the uncut text), else at
whitespace (tokens stay whole), else anywhere.  Texts of at most `CHUNK`
characters, which every normal paragraph or segment is, are not cut at all.
"""
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s+")
_SPACE = re.compile(r"\s+")


def split_long(text: str, limit: int = CHUNK) -> list[tuple[int, str]]:
    """``[(offset, piece)]`` covering ``text``: the text itself when short, pieces of at most ``limit`` otherwise."""
    if len(text) <= limit:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = 0
        for pattern in (_SENTENCE_END, _SPACE):
            # only the second half, so pieces stay large and the scan stays linear
            ends = [m.end() for m in pattern.finditer(window, limit // 2)]
            if ends:
                cut = ends[-1]
                break
        if cut == 0:
            cut = limit
        pieces.append((start, text[start : start + cut]))
        start += cut
    pieces.append((start, text[start:]))
    return pieces


def pipe_pieces(nlp: Any, texts: Iterable[str], batch_size: int = 256) -> Iterator[list[tuple[int, Any]]]:
    """For each text, in order, its Docs with their character offsets in it (see `CHUNK`)."""
    limit = min(CHUNK, nlp.max_length)

    def stream() -> Iterator[tuple[str, tuple[int, int]]]:
        for i, text in enumerate(texts):
            for offset, piece in split_long(text, limit):
                yield piece, (i, offset)

    current: int | None = None
    group: list[tuple[int, Any]] = []
    for doc, (i, offset) in nlp.pipe(stream(), batch_size=batch_size, as_tuples=True):
        if current is not None and i != current:
            yield group
            group = []
        current = i
        group.append((offset, doc))
    if current is not None:
        yield group
