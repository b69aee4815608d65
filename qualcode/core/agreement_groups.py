"""Agreement on exclusive code groups: a group whose children exclude each other is one nominal
variable per segment, its children (each with the codes under it) the categories, "none of them" one more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from qualcode.core import agreement_many
from qualcode.core.codebook import Codebook
from qualcode.core.errors import BadInput

GROUP_STATISTICS = ("percent_agreement", "fleiss_kappa", "conger_kappa", "krippendorff_alpha", "gwet_ac1")
"""What is reported of a group, under its JSON names."""


@dataclass
class GroupRow:
    """One exclusive group's agreement over its categories."""

    label: str
    categories: list[str]
    values: dict[str, float]
    category_kappa: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        def number(v: float) -> float | None:
            return None if math.isnan(v) else round(v, 12) + 0.0

        out: dict[str, Any] = {"group": self.label, "categories": self.categories}
        out.update({k: number(self.values[k]) for k in GROUP_STATISTICS})
        out["category_kappa"] = {c: number(k) for c, k in self.category_kappa.items()}
        return out

    def sentence(self) -> str:
        def shown(v: float) -> str:
            return "—" if math.isnan(v) else f"{v:.2f}"

        per = ", ".join(f"{c} {shown(k)}" for c, k in self.category_kappa.items())
        return (
            f"Exclusive group {self.label}: agreement {self.values['percent_agreement']:.1%}, "
            f"Fleiss κ {shown(self.values['fleiss_kappa'])} (per category: {per}), "
            f"Conger κ {shown(self.values['conger_kappa'])}, α {shown(self.values['krippendorff_alpha'])}, "
            f"AC1 {shown(self.values['gwet_ac1'])}."
        )


def group_rows(
    book: Codebook,
    codes: list[str],
    matrices: list[np.ndarray],
    present: np.ndarray,
    coders: tuple[str, ...],
    where_of: Any,
) -> list[GroupRow]:
    """Every exclusive group of the codebook, compared over the units (the matrices' rows).

    ``where_of(row)`` names a unit ("P1_interview segment 4") for the error
    when a coder gave one segment two codes of a group.
    """
    column = {code_id: j for j, code_id in enumerate(codes)}
    rows = []
    for group, _depth in book.walk():
        if not group.exclusive:
            continue
        children = book.children(group.id)
        categories = [c.name for c in children] + ["none"]
        ratings = np.full((len(matrices), matrices[0].shape[0]), len(children), dtype=np.int64)
        for r, (matrix, rated) in enumerate(zip(matrices, present, strict=True)):
            taken = np.zeros(matrix.shape[0], dtype=np.int64)
            for k, child in enumerate(children):
                members = [column[c] for c in (child.id, *(d.id for d in book.descendants(child.id))) if c in column]
                has = matrix[:, members].any(axis=1) if members else np.zeros(matrix.shape[0], dtype=bool)
                ratings[r, has] = k
                taken += has
            twice = np.flatnonzero((taken > 1) & rated)
            if len(twice):
                raise BadInput(
                    f"gave {len(twice)} segment{'s' if len(twice) != 1 else ''} two codes of the exclusive group "
                    f"'{book.path(group.id)}' (the first: {where_of(int(twice[0]))}); keep one of them, or make the "
                    "group not exclusive",
                    where=coders[r],
                )
            ratings[r, ~rated] = -1
        found = agreement_many.nominal(ratings, len(categories))
        values = {k: float(found[k]) for k in GROUP_STATISTICS}
        rows.append(
            GroupRow(
                book.path(group.id), categories, values, dict(zip(categories, found["category_kappa"], strict=True))
            )
        )
    return rows
