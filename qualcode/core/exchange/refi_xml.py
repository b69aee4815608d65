"""Walking REFI-QDA XML by local names: tools write the project and codebook namespaces in several spellings
(`urn:QDA-XML:project:1.0`, `1:0`, `0:4`), so elements are matched by their local name alone."""

from __future__ import annotations

import uuid
from typing import Any

from lxml import etree

from qualcode.core.errors import BadInput


def local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def children(element: Any, name: str) -> list[Any]:
    return [c for c in element if local(c) == name]


def child(element: Any, name: str) -> Any | None:
    return next((c for c in element if local(c) == name), None)


def text_of(element: Any, name: str) -> str:
    """The stripped text of an element's child of this name (its Description, say); empty when it has none."""
    found = child(element, name)
    return (found.text or "").strip() if found is not None else ""


def descendants(element: Any, name: str) -> list[Any]:
    return [e for e in element.iter() if local(e) == name]


def normalise_guid(guid: str | None, where: str) -> str:
    """Lower case, no braces; refuses what is not a GUID."""
    text = (guid or "").strip().strip("{}").lower()
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise BadInput(f"'{guid}' is not a GUID", where=where) from None
