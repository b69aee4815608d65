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
    """The lemmas of the segment that weighed most for the code."""


@dataclass
class Learned:
    """The measured figures per code, the skipped codes, and the suggestions."""

    coder: str
    precision_target: float
    units: int
    transcripts_trained: int
    figures: list[CodeFigures] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)
    """(code name, examples) of the codes with too few examples."""
    suggestions: list[LearnedSuggestion] = field(default_factory=list)


@dataclass(frozen=True)
class _Unit:
    segment_id: int
    transcript_id: int
    ordinal: int
    lemmas: tuple[str, ...]


def _driver() -> Any:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise BadInput(
            "learned suggestions need scikit-learn; install it with: pip install 'qualcode[learn]'"
        ) from None


def _units(store: Store, progress: Progress | None) -> tuple[list[_Unit], dict[int, str]]:
    """Every non-interviewer segment with its lemmas (letters only, stop words out), from the text index
    (built when missing), as the word frequencies count them."""
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
        bags: list[list[str]] = [[] for _ in segments]
        for start, lower, lemma in zip(index.starts, index.lower, index.lemma, strict=True):
            if not lower.isalpha() or lower in stop or lemma.lower() in stop:
                continue
            at = bisect_right(firsts, start) - 1
            if at >= 0 and start < segments[at].end:
                bags[at].append(lemma.lower())
        for segment, bag in zip(segments, bags, strict=True):
            if not is_interviewer(segment.speaker, interviewers):
                out.append(_Unit(segment.id, transcript.id, segment.ordinal, tuple(bag)))
        if progress is not None:
            progress(n, len(transcripts), transcript.name)
    return out, names


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
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not (isinstance(precision, float | int) and math.isfinite(precision) and 0 < precision <= 1):
        raise BadInput("the precision to reach must be a number above 0 and at most 1, e.g. 0.8", where="--precision")
    _driver()
    store.codings.check_known(coder)
    if store.codings.count(coder) == 0:
        raise BadInput("has no codings to learn from yet; code some transcripts first", where=coder)
    units, names = _units(store, progress)
    coded = store.codings.transcripts_coded(coder) | store.codings.done(coder)
    pairs = set(store.codings.pairs(coder))
    rejected = store.codings.rejected_suggestions(coder)
    book = {c.id: c for c in store.codebook.codes() if c.codable}
    train = [u for u in units if u.transcript_id in coded]
    counts = {cid: 0 for cid in book}
    for _segment, cid in pairs:
        if cid in counts:
            counts[cid] += 1
    learnable = [cid for cid in book if counts[cid] >= min_examples]
    result = Learned(coder, float(precision), len(train), len(coded))
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
    row_of = {u.segment_id: i for i, u in enumerate(units)}
    train_rows = np.array([row_of[u.segment_id] for u in train])
    y = np.zeros((len(train), len(learnable)), dtype=np.float64)
    column = {cid: j for j, cid in enumerate(learnable)}
    train_at = {u.segment_id: i for i, u in enumerate(train)}
    for seg, cid in pairs:
        if cid in column and seg in train_at:
            y[train_at[seg], column[cid]] = 1.0
    # Rejected suggestions lie in transcripts the coder has not coded (she has no codings there), so their
    # segments join the final fit as rows without any of her codes: negatives of the code she turned down.
    extra = sorted({seg for seg, cid in rejected if cid in column and seg not in train_at and seg in row_of})
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

        x_fit = sparse.vstack([x_train, x_all[[row_of[s] for s in extra]]]).tocsr()
        y_fit = np.vstack([y, np.zeros((len(extra), len(learnable)))])
    untouched = [u for u in units if u.transcript_id not in coded]
    if not untouched:
        result.figures.sort(key=lambda f: f.code)
        return result
    rows = np.array([row_of[u.segment_id] for u in untouched])
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
            if (unit.segment_id, cid) in rejected or (unit.segment_id, cid) in pairs:
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
                )
            )
    result.figures.sort(key=lambda f: f.code)
    result.suggestions.sort(key=lambda s: (-s.score, s.transcript, s.ordinal, s.code))
    return result


def accept(store: Store, coder: str, chosen: Sequence[LearnedSuggestion]) -> int:
    """Record accepted learned suggestions as codings with origin 'learned'; returns how many are new."""
    rows = sorted({(s.segment_id, s.code_id) for s in chosen})
    with store.transaction():
        added = store.codings.add_many(rows, coder, origin="learned")
        store.audit.log(coder, "suggest.learned.accept", "", codings=added)
    return added


def reject(store: Store, coder: str, chosen: Sequence[LearnedSuggestion]) -> None:
    """Remember turned-down suggestions: not offered again, and negatives of their code next time."""
    with store.transaction():
        for s in chosen:
            store.codings.reject_suggestion(s.segment_id, s.code_id, coder)
