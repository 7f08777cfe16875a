"""Tables whose 合计 row does not add up: a consistency check on a report's own numbers.

Given a table's rows, each column's figures (classify.table_figures) are summed over the item rows
and compared with the 合计/总计 row. Rows that break an item down (其中…, #…, a label in
parentheses) are not items; a column whose cells do not share one unit is not summed. Pure: text
in, findings out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .figures import Figure
from .numerals import fold
from .table_figures import figures_in_table, table_layout

_TOTAL_RE = re.compile(r"^\s*(?:合\s*计|总\s*计|总\s*数|全市合计|全省合计|全州合计)\s*$")
_PART_RE = re.compile(r"^\s*(?:其中|#|＃|[（(]|[-—]|\d+[.、．]\d)")
TOLERANCE = 0.005  # relative: rounding each row to one decimal must not raise a flag


@dataclass(frozen=True, slots=True)
class TotalMismatch:
    """A column whose items do not add up to the total row: what the table says and what the
    items sum to, with the row and column to show the evaluator."""

    row: int
    col: int
    label: str  # the total row's label, 合计
    header: str
    stated: float
    summed: float
    unit: str
    items: int


def total_mismatches(rows: list[list[str]]) -> list[TotalMismatch]:
    """The columns of a table whose 合计 row differs from the sum of its item rows by more than
    TOLERANCE. Tables without a total row, or with fewer than two items, give nothing."""
    rows = [[cell or "" for cell in row] for row in rows]
    if len(rows) < 3:
        return []
    layout = table_layout(rows)
    if layout.label_col is None:
        return []
    labels = [fold(row[layout.label_col]) if layout.label_col < len(row) else "" for row in rows]
    totals = [r for r, label in enumerate(labels) if _TOTAL_RE.match(label)]
    if len(totals) != 1:
        return []
    total_row = totals[0]
    first = (layout.header_row or 0) + 1 if layout.header_row is not None else 0
    items = [
        r
        for r in range(first, len(rows))
        if r != total_row and labels[r].strip() and not _PART_RE.match(labels[r])
    ]
    by_cell: dict[tuple[int, int], Figure] = {}
    for figure in figures_in_table(rows):
        if figure.row is not None and figure.col is not None:
            by_cell.setdefault((figure.row, figure.col), figure)  # the first figure of a cell
    out = []
    columns = sorted({c for r, c in by_cell if r == total_row})
    for col in columns:
        total = by_cell[(total_row, col)]
        parts = [by_cell[(r, col)] for r in items if (r, col) in by_cell]
        if len(parts) < 2 or any(p.unit != total.unit or p.kind != "level" for p in parts):
            continue
        if total.kind != "level":
            continue
        summed = sum(p.value for p in parts)
        if abs(summed - total.value) > TOLERANCE * max(abs(total.value), 1e-9):
            header = layout.headers[col] if col < len(layout.headers) else ""
            out.append(
                TotalMismatch(
                    total_row,
                    col,
                    rows[total_row][layout.label_col],
                    header,
                    total.value,
                    round(summed, 6),
                    total.unit,
                    len(parts),
                )
            )
    return out
