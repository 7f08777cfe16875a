"""Figures in tables: a bare number takes its unit from its column or row header, and its
indicator from its row label ("投资额（万元）" and "500" → 5000000 元).

Given a table as rows of cell strings: layout (which row holds the headers, which column the
labels) → per cell, the bare-number reading or the prose pipeline of classify.figures → figures
with their row and column. The date a column speaks of is read in classify.figure_time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .figures import (
    _LEFT_WORDS,
    _NUM,
    _RIGHT_WORDS,
    UNIT_TABLE,
    Comparison,
    Figure,
    Kind,
    TextScan,
    _alternation,
    find_figures,
    period_of,
)
from .indicators import Catalogue, load_catalogue
from .numerals import MULTIPLIERS, fold, parse_numeral

# Tables ---------------------------------------------------------------------------------------

_HEADER_UNIT_RE = re.compile(
    r"[（(]\s*(?:单位\s*[:：]\s*)?(?P<u>[^（()）]{1,10}?)\s*[)）]\s*$"
    r"|[/／]\s*(?P<u2>[^/／\s]{1,8})\s*$"
    r"|单位\s*[:：]\s*(?P<u3>[^\s，,；;）)]{1,8})"
    r"|(?P<u4>%)\s*$"
)
_ROW_NUMBER_HEADER_RE = re.compile(
    r"\s*(?:序号|编号|序|No\.?|NO\.?|行次|排名|名次)\s*", re.IGNORECASE
)
_TIME_HEADER_RE = re.compile(r"\s*(?:.{0,6}?(?:年份|日期|时间|月份)|年度|年月|报告期|时期|年)\s*")
_UNIT_HEADER_RE = re.compile(r"\s*(?:计量)?单位\s*")
_PLAN_HEADER_RE = re.compile(r"目标|计划|预计|力争|规划")
_CHANGE_HEADER_RE = re.compile(r"增长|增速|增幅|同比|环比|提高|下降|变化")
_BARE_CELL_RE = re.compile(
    rf"\s*(?P<pre>{_alternation(list(_LEFT_WORDS))})?\s*(?P<num>{_NUM})\s*(?P<post>{_alternation(list(_RIGHT_WORDS))})?\s*"
)
_EMPTY_CELL = frozenset({"", "—", "-", "–", "/", "无", "——", "－", "…", "NA", "N/A"})


def header_unit(header: str) -> tuple[float, str] | None:
    """The unit a header gives its bare numbers, as (factor, canonical unit):
    "投资额（万元）" → (10000, 元); "覆盖率(%)" → (1, %); "用户数/万户" → (10000, 户);
    "光纤入户(FTTH)用户数" → None (FTTH is not a unit)."""
    parts = _header_unit_parts(header)
    return None if parts is None else (parts[0] * parts[1], parts[2])


def _header_unit_parts(header: str) -> tuple[float, float, str] | None:
    """The unit of a header as (multiplier, unit factor, canonical unit): "（万元）" →
    (10000, 1, 元). A cell that writes its own multiplier (`1720.00万` under 万元) keeps the
    unit and replaces the multiplier."""
    match = _HEADER_UNIT_RE.search(fold(header))
    if match is None:
        return None
    written = next(g for g in match.groups() if g is not None).strip()
    factor = 1.0
    index = 0
    while (
        index < len(written) and written[index] in MULTIPLIERS and written[index:] not in UNIT_TABLE
    ):
        factor *= MULTIPLIERS[written[index]]
        index += 1
    unit = written[index:]
    if unit not in UNIT_TABLE:
        return None
    canonical, unit_factor = UNIT_TABLE[unit]
    return factor, unit_factor, canonical


@dataclass(frozen=True, slots=True)
class TableLayout:
    """Which row holds the headers and which columns hold row labels, units, row numbers and
    dates, as read from the headers and the cells."""

    header_row: int | None
    headers: list[str]
    label_col: int | None
    unit_col: int | None
    skip_cols: frozenset[int]
    # (multiplier, unit factor, unit) from a title row "单位：万元" or the caption printed with
    # the table (extract's Block.unit)
    table_unit: tuple[float, float, str] | None


_RESIDUE_RE = re.compile(r"[\s\W_]")
_YEAR_RE = re.compile(r"\s*(?:19|20)\d\d\s*")


def _is_value_cell(cell: str, catalogue: Catalogue) -> bool:
    """A cell that states a number (368万户, 92%以上, 500) rather than naming something
    (20M以上宽带用户占比, 2016年6月底, 2016)."""
    folded = fold(cell).strip()
    if folded in _EMPTY_CELL or _YEAR_RE.fullmatch(folded):
        return False
    if _BARE_CELL_RE.fullmatch(folded):
        return True
    figures = find_figures(folded, catalogue=catalogue)
    if not figures:
        return False
    residue = folded
    for figure in reversed(figures):
        residue = residue[: figure.start] + residue[figure.end :]
    return len(_RESIDUE_RE.sub("", residue)) <= 3


def table_layout(
    rows: list[list[str]], catalogue: Catalogue | None = None, unit: str | None = None
) -> TableLayout:
    """Given a table's rows, returns its layout. The first row is the header unless most of its
    cells state numbers; a first row with a single cell is a title (its 单位：万元 applies to the
    whole table), as does `unit`, the table's caption (`单位：万元` printed above it, which
    extract gives as Block.unit). The first column that is not row numbers is the row-label column unless most of
    its cells state numbers."""
    catalogue = catalogue or load_catalogue()
    header_row: int | None = 0
    table_unit = _header_unit_parts(f"（{unit}）") if unit else None
    first = [c for c in rows[0] if c.strip()] if rows else []
    if len(rows) > 2 and len(first) == 1:
        table_unit = _header_unit_parts(first[0]) or table_unit
        header_row = 1
    if header_row is not None and header_row < len(rows):
        cells = [c for c in rows[header_row] if c.strip()]
        if cells and sum(_is_value_cell(c, catalogue) for c in cells) * 2 > len(cells):
            header_row = None
    headers = list(rows[header_row]) if header_row is not None and header_row < len(rows) else []
    skip: set[int] = set()
    unit_col = None
    for index, header in enumerate(headers):
        if _ROW_NUMBER_HEADER_RE.fullmatch(header) or (
            _TIME_HEADER_RE.fullmatch(header) and header_unit(header) is None
        ):
            skip.add(index)
        elif _UNIT_HEADER_RE.fullmatch(header):
            unit_col = index
    data = [row for index, row in enumerate(rows) if header_row is None or index > header_row]
    label_col = None
    for col in range(2):
        if col in skip:
            continue
        cells = [
            row[col] for row in data if col < len(row) and fold(row[col]).strip() not in _EMPTY_CELL
        ]
        if cells and sum(_is_value_cell(c, catalogue) for c in cells) * 2 <= len(cells):
            label_col = col
        break
    return TableLayout(header_row, headers, label_col, unit_col, frozenset(skip), table_unit)


def _table_kind(cell_kind: Kind, header: str, label: str) -> Kind:
    if _PLAN_HEADER_RE.search(header) or _PLAN_HEADER_RE.search(label):
        return "target"
    if _CHANGE_HEADER_RE.search(header):
        return "change"
    return cell_kind


def _text_period(text: str) -> str | None:
    if not text:
        return None
    folded = fold(text)
    return period_of(len(folded), TextScan.of(folded))


def _bare_cell_figure(
    cell: str, unit_hint: tuple[float, float, str]
) -> tuple[float, str, Comparison] | None:
    """A cell holding only a number ("500", "≥95", "98.5以上"), with the header's unit. A
    multiplier written in the cell replaces the header's: `1720.00万` under 万元 is 1720万元."""
    folded = fold(cell)
    match = _BARE_CELL_RE.fullmatch(folded)
    if match is None:
        return None
    numeral = parse_numeral(match.group("num"))
    if numeral is None:
        return None
    multiplier, unit_factor, unit = unit_hint
    factor = unit_factor if numeral.multiplied else multiplier * unit_factor
    cmp, approx = None, numeral.suffix is not None
    if match.group("pre"):
        word_cmp, word_approx = _LEFT_WORDS[match.group("pre")]
        cmp, approx = word_cmp, approx or word_approx
    if match.group("post"):
        word_cmp, word_approx = _RIGHT_WORDS[match.group("post")]
        cmp, approx = word_cmp or cmp, approx or word_approx
    value = float(round(numeral.value * factor, 6))
    start = match.start("pre") if match.group("pre") else match.start("num")
    end = match.end("post") if match.group("post") else match.end("num")
    return value, unit, Comparison(cmp, approx, start, end)


def figures_in_table(
    rows: list[list[str]], *, catalogue: Catalogue | None = None, unit: str | None = None
) -> list[Figure]:
    """Given a table as rows of cell strings, returns the figures in its cells. A bare number
    takes its unit from its column header, else its row label, else a 单位 column or the title
    ("单位：万元") or `unit`, the caption extract found for the table (Block.unit); its indicator comes from the row label, else the column header. Row numbers
    (序号) and date columns are skipped; the label column gives names, not figures. A column
    headed 目标/计划 holds targets, one headed 增长/同比 holds changes."""
    if not rows:
        return []
    catalogue = catalogue or load_catalogue()
    rows = [[cell or "" for cell in row] for row in rows]
    layout = table_layout(rows, catalogue, unit)
    out: list[Figure] = []
    for r, row in enumerate(rows):
        if layout.header_row is not None and r <= layout.header_row:
            continue
        label = (
            row[layout.label_col]
            if layout.label_col is not None and layout.label_col < len(row)
            else ""
        )
        for c, cell in enumerate(row):
            if c in layout.skip_cols or c == layout.label_col or c == layout.unit_col:
                continue
            if fold(cell).strip() in _EMPTY_CELL:
                continue
            header = layout.headers[c] if c < len(layout.headers) else ""
            out.extend(_cell_figures(cell, r, c, header, label, row, layout, catalogue))
    return out


def _cell_figures(
    cell: str,
    r: int,
    c: int,
    header: str,
    label: str,
    row: list[str],
    layout: TableLayout,
    catalogue: Catalogue,
) -> list[Figure]:
    """The figures of one cell, with the header and label as their context."""
    unit_hint = _header_unit_parts(header) or _header_unit_parts(label)
    if unit_hint is None and layout.unit_col is not None and layout.unit_col < len(row):
        unit_hint = _header_unit_parts(f"（{row[layout.unit_col].strip()}）")
    unit_hint = unit_hint or layout.table_unit
    bare = _bare_cell_figure(cell, unit_hint) if unit_hint else None
    period = _text_period(header) or _text_period(label)
    if bare is not None:
        value, unit, comp = bare
        indicator = catalogue.resolve(label, unit) or catalogue.resolve(header, unit)
        return [
            Figure(
                raw=cell[comp.start : comp.end],
                value=value,
                unit=unit,
                approx=comp.approx,
                cmp=comp.cmp,
                kind=_table_kind("level", header, label),
                period=period,
                indicator=indicator,
                start=comp.start,
                end=comp.end,
                row=r,
                col=c,
            )
        ]
    figures = []
    for figure in find_figures(cell, catalogue=catalogue):
        indicator = (
            figure.indicator
            or catalogue.resolve(label, figure.unit)
            or catalogue.resolve(header, figure.unit)
        )
        figures.append(
            Figure(
                raw=figure.raw,
                value=figure.value,
                unit=figure.unit,
                approx=figure.approx,
                cmp=figure.cmp,
                kind=_table_kind(figure.kind, header, label),
                period=figure.period or period,
                indicator=indicator,
                start=figure.start,
                end=figure.end,
                row=r,
                col=c,
            )
        )
    return figures
