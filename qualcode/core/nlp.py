"""spaCy pipelines: a trained one when installed, otherwise a rule-based blank one.

spaCy takes close to a second to import, so this module imports it only inside
the functions that need it.
"""

from __future__ import annotations

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
