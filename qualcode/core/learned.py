"""Suggestions learned from one coder's own codings, offline, with their precision measured first.

The units are segments (a coder's passage counts for the segments it counts for
in agreement). Each unit is the bag of its lemmas from the text index; TF-IDF
over them and one linear model per code (ridge regression on 0/1 labels, all
codes in one solve) score every unit. Training sees only the coder's own
codings in the transcripts she has coded, and her rejected suggestions as
negatives: never another coder's work, so blinding holds (the lead may train
on the consensus).

Before anything is offered, cross-validation held out by transcript (never by
segment, so a transcript's own turns do not leak into its test) measures, per
code, the precision and recall at the lowest score threshold that reaches the
precision asked for. Codes with too few examples are named and skipped; a code
that reaches the precision in no fold's predictions offers nothing.
Suggestions are the uncoded transcripts' units above their code's threshold,
ranked by score, each with the words that weighed most. Same codings, same
seed: same figures and suggestions.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.core.errors import BadInput
from qualcode.core.model import Progress
from qualcode.core.store import Store
from qualcode.core.store.settings import is_interviewer

MIN_EXAMPLES = 10
"""Codes the coder applied to fewer units than this are named and skipped: too few to learn or to measure."""
FOLDS = 5
ALPHA = 1.0
"""The ridge penalty: measured on the generated study of bench/bench_learned.py (0.3–3 differ by under 2 points)."""
TOP_WORDS = 3
MAX_SEED = 2**64 - 1
"""The folds' random generator takes a seed from 0 to this (numpy refuses negative seeds)."""


@dataclass(frozen=True)
class CodeFigures:
    """What cross-validation measured of one code, at the threshold that reaches the asked precision."""

    code_id: str
    code: str
    examples: int
    precision: float | None
    recall: float | None
    threshold: float | None
    """The lowest score whose held-out precision reaches the target; None when no score does."""


@dataclass(frozen=True)
class LearnedSuggestion:
    """A code proposed for a segment by the model of the coder's own work."""

    segment_id: int
    transcript: str
    ordinal: int
    code_id: str
    code: str
    score: float
    words: tuple[str, ...]
    """The lemmas of the unit that weighed most for the code."""
    transcript_id: int
    start: int
    end: int
    """The unit's offsets in the transcript: its segment, or a sentence of it for a coder who codes passages."""
    sentence: bool


@dataclass
class Learned:
    """The measured figures per code, the skipped codes, and the suggestions."""

    coder: str
    precision_target: float
    units: int
    transcripts_trained: int
    by_sentence: bool
    """Whether the units are sentences (the coder codes passages more than whole segments) or segments."""
    figures: list[CodeFigures] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)
    """(code name, examples) of the codes with too few examples."""
    suggestions: list[LearnedSuggestion] = field(default_factory=list)


@dataclass(frozen=True)
class _Unit:
    segment_id: int
    transcript_id: int
    ordinal: int
    start: int
    end: int
    lemmas: tuple[str, ...]


def _driver() -> Any:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise BadInput(
            "learned suggestions need scikit-learn; install it with: pip install 'qualcode[learn]'"
        ) from None


def _units(store: Store, progress: Progress | None, by_sentence: bool) -> tuple[list[_Unit], dict[int, str]]:
    """Every non-interviewer segment, or every sentence of one, with its lemmas (letters only, stop words
    out, as the word frequencies count them), from the text index (built when missing)."""
    from qualcode.core.pseudonyms import _stop_words
    from qualcode.core.textindex import index_of

    stop = _stop_words(store.settings.lang)
    interviewers = store.settings.interviewers
    transcripts = store.transcripts.all()
    names = {t.id: t.name for t in transcripts}
    out: list[_Unit] = []
    for n, transcript in enumerate(transcripts, 1):
        index = index_of(store, transcript, transcript.lang or store.settings.lang, store.settings.spacy_model)
        segments = store.transcripts.segments(transcript.id)
        firsts = [s.start for s in segments]
        # (segment position, sentence start) -> [first token start, last token end, lemmas]
        bags: dict[tuple[int, int], list[Any]] = {}
        for start, end, lower, lemma in zip(index.starts, index.ends, index.lower, index.lemma, strict=True):
            at = bisect_right(firsts, start) - 1
            if at < 0 or start >= segments[at].end:
                continue
            key = 0
            if by_sentence:
                # the sentence the token is in; a token before the first sentence start opens the segment's
                where = bisect_right(index.sentences, start) - 1
                key = max(index.sentences[where] if where >= 0 else 0, segments[at].start)
            bag = bags.setdefault((at, key), [start, end, []])
            bag[1] = end
            if lower.isalpha() and lower not in stop and lemma.lower() not in stop:
                bag[2].append(lemma.lower())
        for (at, _sentence), (start, end, lemmas) in sorted(bags.items()):
            segment = segments[at]
            if not is_interviewer(segment.speaker, interviewers):
                if not by_sentence:
                    start, end = segment.start, segment.end
                out.append(_Unit(segment.id, transcript.id, segment.ordinal, start, end, tuple(lemmas)))
        if progress is not None:
            progress(n, len(transcripts), transcript.name)
    return out, names


def _labels(store: Store, coder: str, units: Sequence[_Unit], by_sentence: bool) -> list[set[str]]:
    """The coder's codes of each unit: a segment's codings, or for a sentence the codes of its segment and
    of the passages that count for it (half of it covered, or the passage inside it)."""
    from qualcode.core.model import span_counts_for

    if not by_sentence:
        codes: dict[int, set[str]] = {}
        for segment_id, code_id in store.codings.pairs(coder):
            codes.setdefault(segment_id, set()).add(code_id)
        return [codes.get(u.segment_id, set()) for u in units]
    whole: dict[int, set[str]] = {}
    for segment_id, code_id in store.codings.whole_segment_pairs(coder):
        whole.setdefault(segment_id, set()).add(code_id)
    spans: dict[int, list[Any]] = {}
    for span in store.codings.spans(coder):
        spans.setdefault(span.transcript_id, []).append(span)
    out = []
    for u in units:
        found = set(whole.get(u.segment_id, ()))
        found.update(
            p.code_id for p in spans.get(u.transcript_id, ()) if span_counts_for(u.start, u.end, p.start, p.end)
        )
        out.append(found)
    return out


def _identity(bag: Sequence[str]) -> Sequence[str]:
    return bag


def _fit_scores(x_train: Any, y_train: Any, x_test: Any) -> tuple[Any, Any]:
    """Ridge regression of every code's 0/1 labels at once: the test rows' scores and the coefficients."""
    from sklearn.linear_model import Ridge

    model = Ridge(alpha=ALPHA, solver="sparse_cg", fit_intercept=True)
    model.fit(x_train, y_train)
    coef = model.coef_ if model.coef_.ndim == 2 else model.coef_[None, :]
    return x_test @ coef.T + model.intercept_, coef


def _folds(groups: Any, seed: int) -> list[tuple[Any, Any]]:
    """Cross-validation folds that hold out whole transcripts (``groups``): (fit rows, test rows) each.

    The transcripts are dealt to the folds in an order the seed shuffles, so the
    same seed gives the same folds.
    """
    import numpy as np

    transcripts = np.unique(groups)
    shuffled = np.random.default_rng(seed).permutation(transcripts)
    n = min(FOLDS, len(transcripts))
    fold_of = {int(t): i % n for i, t in enumerate(shuffled.tolist())}
    assigned = np.array([fold_of[int(g)] for g in groups.tolist()])
    return [(np.nonzero(assigned != k)[0], np.nonzero(assigned == k)[0]) for k in range(n)]


def _threshold(scores: Any, labels: Any, target: float) -> tuple[float | None, float | None, float | None]:
    """The lowest score reaching ``target`` precision on held-out scores: (threshold, precision, recall).

    Cuts fall only between different scores (a threshold cannot split a tie); of the cuts that reach the
    target, the deepest is taken: the most recall at that precision.
    """
    import numpy as np

    positives = int(labels.sum())
    if positives == 0:
        return None, None, None
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
    hits = np.cumsum(labels[order])
    ends = np.nonzero(np.r_[ranked[1:] != ranked[:-1], True])[0]
    reaching = ends[hits[ends] / (ends + 1) >= target]
    if len(reaching) == 0:
        return None, None, None
    cut = int(reaching[-1])
    return float(ranked[cut]), float(hits[cut] / (cut + 1)), float(hits[cut] / positives)


def learn(
    store: Store,
    coder: str,
    *,
    precision: float = 0.8,
    seed: int = 1,
    min_examples: int = MIN_EXAMPLES,
    progress: Progress | None = None,
) -> Learned:
    """Train on ``coder``'s own codings, measure by held-out transcripts, and suggest above each threshold."""
    import numpy as np

    if not (isinstance(precision, float | int) and math.isfinite(precision) and 0 < precision <= 1):
        raise BadInput("the precision to reach must be a number above 0 and at most 1, e.g. 0.8", where="--precision")
    if not (isinstance(seed, int) and 0 <= seed <= MAX_SEED):
        raise BadInput(f"the seed must be a whole number from 0 to {MAX_SEED}", where="--seed")
    _driver()
    from sklearn.feature_extraction.text import TfidfVectorizer

    store.codings.check_known(coder)
    if store.codings.count(coder) == 0:
        raise BadInput("has no codings to learn from yet; code some transcripts first", where=coder)
    by_sentence = len(store.codings.spans(coder)) > len(store.codings.whole_segment_pairs(coder))
    units, names = _units(store, progress, by_sentence)
    coded = store.codings.transcripts_coded(coder) | store.codings.done(coder)
    rejected = store.codings.rejected_suggestions(coder)
    book = {c.id: c for c in store.codebook.codes() if c.codable}
    train = [u for u in units if u.transcript_id in coded]
    train_labels = _labels(store, coder, train, by_sentence)
    counts = {cid: 0 for cid in book}
    for found in train_labels:
        for cid in found:
            if cid in counts:
                counts[cid] += 1
    learnable = [cid for cid in book if counts[cid] >= min_examples]
    result = Learned(coder, float(precision), len(train), len(coded), by_sentence)
    result.skipped = sorted((book[cid].name, n) for cid, n in counts.items() if 0 < n < min_examples)
    if not learnable:
        raise BadInput(
            f"no code has {min_examples} or more of your codings yet (the most: "
            f"{max(counts.values(), default=0)}); code more before the tool can learn from you",
            where=coder,
        )
    groups = np.array([u.transcript_id for u in train])
    if len(set(groups.tolist())) < 2:
        raise BadInput(
            "has coded only one transcript; precision is measured on transcripts held out, so code a second",
            where=coder,
        )
    vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=2)
    all_bags = [u.lemmas for u in units]
    vectorizer.fit([u.lemmas for u in train])
    x_all = vectorizer.transform(all_bags)
    row_of = {u: i for i, u in enumerate(units)}
    train_rows = np.array([row_of[u] for u in train])
    y = np.zeros((len(train), len(learnable)), dtype=np.float64)
    column = {cid: j for j, cid in enumerate(learnable)}
    for i, found in enumerate(train_labels):
        for cid in found:
            if cid in column:
                y[i, column[cid]] = 1.0
    # Rejected suggestions lie in transcripts the coder has not coded (she has no codings there), so their
    # segments join the final fit as rows without any of her codes: negatives of the code she turned down.
    turned_down = {seg for seg, cid in rejected if cid in column}
    extra = [u for u in units if u.segment_id in turned_down and u.transcript_id not in coded]
    x_train = x_all[train_rows]
    held_out = np.zeros_like(y)
    for fit_rows, test_rows in _folds(groups, seed):
        scores, _coef = _fit_scores(x_train[fit_rows], y[fit_rows], x_train[test_rows])
        held_out[test_rows] = scores
    for cid in learnable:
        j = column[cid]
        threshold, p, r = _threshold(held_out[:, j], y[:, j], precision)
        result.figures.append(CodeFigures(cid, book[cid].name, counts[cid], p, r, threshold))
    x_fit, y_fit = x_train, y
    if extra:
        import scipy.sparse as sparse

        x_fit = sparse.vstack([x_train, x_all[[row_of[u] for u in extra]]]).tocsr()
        y_fit = np.vstack([y, np.zeros((len(extra), len(learnable)))])
    untouched = [u for u in units if u.transcript_id not in coded]
    if not untouched:
        result.figures.sort(key=lambda f: f.code)
        return result
    rows = np.array([row_of[u] for u in untouched])
    scores, coef = _fit_scores(x_fit, y_fit, x_all[rows])
    vocabulary = vectorizer.get_feature_names_out()
    thresholds = {f.code_id: f.threshold for f in result.figures}
    x_untouched = x_all[rows].tocsr()
    for cid in learnable:
        j = column[cid]
        threshold = thresholds[cid]
        if threshold is None:
            continue
        for i in np.nonzero(scores[:, j] >= threshold)[0].tolist():
            unit = untouched[i]
            if (unit.segment_id, cid) in rejected:
                continue
            row = x_untouched.getrow(i)
            weights = row.data * coef[j, row.indices]
            top = row.indices[np.argsort(-weights, kind="stable")[:TOP_WORDS]]
            result.suggestions.append(
                LearnedSuggestion(
                    unit.segment_id,
                    names[unit.transcript_id],
                    unit.ordinal,
                    cid,
                    book[cid].name,
                    round(float(scores[i, j]), 6),
                    tuple(str(vocabulary[k]) for k in top),
                    unit.transcript_id,
                    unit.start,
                    unit.end,
                    by_sentence,
                )
            )
    result.figures.sort(key=lambda f: f.code)
    result.suggestions.sort(key=lambda s: (-s.score, s.transcript, s.ordinal, s.code))
    return result


def accept(store: Store, coder: str, chosen: Sequence[LearnedSuggestion]) -> int:
    """Record accepted learned suggestions as codings with origin 'learned' (a sentence as a passage);
    returns how many are new."""
    from qualcode.core.suggest import accept as accept_segments

    with store.transaction():
        added = accept_segments(store, coder, [s for s in chosen if not s.sentence], origin="learned")  # type: ignore[misc]
        for s in chosen:
            if s.sentence:
                added += (
                    store.codings.add_span(s.transcript_id, s.start, s.end, s.code_id, coder, origin="learned")
                    is not None
                )
    return added
