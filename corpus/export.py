"""Exports for evaluators' spreadsheets: the area matrix, the indicators table, the figures and
the typical applications, as Excel (.xlsx) or CSV.

Column headers are Chinese. CSV is UTF-8 with a byte-order mark, which is what makes Excel open
Chinese text correctly. Report text is untrusted: a cell that starts with = + - @ (or a tab or
carriage return) would be run as a formula by Excel, so such text is prefixed with a ' (numbers
are written as numbers and need no guard). Characters that XML cannot hold are dropped from
.xlsx cells instead of failing the export.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from typing import BinaryIO, Literal

from sqlalchemy import Engine

from classify import SHORT_NAMES, load_catalogue
from classify.tags import taxonomy
from extract.vocabulary import (
    CHECK_LABELS,
    FIGURE_KIND_LABELS,
    PERIOD_LABELS,
    REVIEW_LABELS,
    ROLE_LABELS,
)

from .applications import CASE_KINDS, AppFilters, list_apps
from .compare import area_matrix, indicator_table, latest_period, periods
from .errors import Invalid
from .figures import FigureFilters, NoSubmission, list_figures

KINDS: dict[str, str] = {
    "matrix": "领域覆盖",
    "indicators": "指标对照",
    "figures": "数据",
    "applications": "典型应用",
}
FORMATS = ("xlsx", "csv")
PERIOD_NAMES = PERIOD_LABELS
CHECK_NAMES = CHECK_LABELS
FIGURE_KINDS = FIGURE_KIND_LABELS
REVIEW_NAMES = REVIEW_LABELS
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 1_000_000  # one Excel sheet holds 1,048,576 rows


class ExportError(Invalid):
    """An unknown kind or format; message in Chinese. (A period the store does not hold raises
    corpus.figures.NoSubmission, a LookupError, like the other not-found errors.)"""


@dataclass
class Sheet:
    """What every export is before it becomes a file: a title, headers and rows."""

    title: str
    headers: list[str]
    rows: Iterable[list]  # a list, or a generator read once (a large export's rows)


def safe_cell(value):
    """The value as written to a cell: text that a spreadsheet would run as a formula gets a
    leading ' so it stays text; everything else is unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export(
    kind: Literal["matrix", "indicators", "figures", "applications"],
    fmt: Literal["xlsx", "csv"],
    *,
    engine: Engine,
    year: int | None = None,
    period: str | None = None,
    city: str | None = None,
) -> bytes:
    """The export's file content. The matrix and the indicators are about one period (the
    latest in the store unless `year` and `period` are given); figures and applications take
    any of the filters."""
    if kind not in KINDS:
        raise ExportError(f"未知导出内容：{kind}（可选：{'、'.join(KINDS)}）")
    if fmt not in FORMATS:
        raise ExportError(f"未知导出格式：{fmt}（可选：xlsx、csv）")
    buffer = io.BytesIO()
    write_export(kind, fmt, buffer, engine=engine, year=year, period=period, city=city)
    return buffer.getvalue()


def write_export(
    kind: str,
    fmt: str,
    out: BinaryIO,
    *,
    engine: Engine,
    year: int | None = None,
    period: str | None = None,
    city: str | None = None,
) -> None:
    """`export` written to `out` row by row (the web app streams it from a temporary file):
    no list of rows, no workbook and no file content in memory at once."""
    if kind not in KINDS:
        raise ExportError(f"未知导出内容：{kind}（可选：{'、'.join(KINDS)}）")
    if fmt not in FORMATS:
        raise ExportError(f"未知导出格式：{fmt}（可选：xlsx、csv）")
    sheet = build_sheet(kind, engine=engine, year=year, period=period, city=city)
    if fmt == "xlsx":
        write_workbook([sheet], out)
    else:
        write_csv(sheet, out)


def file_name(
    kind: str, fmt: str, *, year: int | None = None, period: str | None = None, city=None
) -> str:
    """A download name such as `领域覆盖-2016全年.xlsx`."""
    parts = [KINDS.get(kind, kind)]
    if city:
        parts.append(city)
    if year or period:
        parts.append(f"{year or ''}{PERIOD_NAMES.get(period or '', period or '')}")
    return "-".join(parts) + f".{fmt}"


def build_sheet(
    kind: str,
    *,
    engine: Engine,
    year: int | None = None,
    period: str | None = None,
    city: str | None = None,
) -> Sheet:
    if kind in ("matrix", "indicators"):
        if year is None or period is None:
            latest = latest_period(engine)
            year = year if year is not None else latest[0]
            period = period or latest[1]
        if (year, period) not in periods(engine):
            raise NoSubmission(f"库中没有 {_when(year, period)} 的报告")
        return (
            _matrix(engine, year, period, city)
            if kind == "matrix"
            else _indicators(engine, year, period, city)
        )
    if kind == "figures":
        return _figures(engine, year, period, city)
    if kind == "applications":
        return _applications(engine, year, period, city)
    raise ExportError(f"未知导出内容：{kind}")


def _when(year, period) -> str:
    return f"{year or ''}{PERIOD_NAMES.get(period or '', period or '')}"


def _matrix(engine: Engine, year: int, period: str, city: str | None) -> Sheet:
    matrix = area_matrix(engine, year, period)
    order = [1, 2, 3, 4, 5, 6, 0]
    headers = ["城市", "段落合计"]
    headers += [f"{a} {SHORT_NAMES[a]}（段落）" for a in order]
    headers += [f"{a} {SHORT_NAMES[a]}（占比）" for a in order]
    headers.append("未涉及的领域")
    rows = []
    for row in matrix.rows:
        if city and row.city != city:
            continue
        rows.append(
            [row.city, row.total]
            + [row.cell(a).passages for a in order]
            + [row.cell(a).share for a in order]
            + ["、".join(f"{a} {SHORT_NAMES[a]}" for a in row.missing)]
        )
    return Sheet(f"{KINDS['matrix']} {_when(year, period)}", headers, rows)


def _indicators(engine: Engine, year: int, period: str, city: str | None) -> Sheet:
    table = indicator_table(engine, year, period)
    headers = [
        "城市",
        "年份",
        "时段",
        "指标",
        "单位",
        "指南目标",
        "报告数值",
        "报告原文",
        "结论",
        "上次报告数值",
        "上次报告原文",
        "出处",
        "页码",
        "所指日期",
        "评估人员选定",
        "未采用的数据及原因",
    ]
    rows = []
    for row in table.rows:
        if city and row.city != city:
            continue
        for column in table.indicators:
            line = row.line(column.id)
            if line is None:
                continue
            f, prev = line.figure, line.previous
            rows.append(
                [
                    row.city,
                    year,
                    PERIOD_NAMES.get(period, period),
                    column.name,
                    column.unit,
                    line.target or "",
                    f.value if f else None,
                    f.raw if f else "未报告",
                    CHECK_NAMES.get(line.check or "", ""),
                    prev.value if prev else None,
                    prev.raw if prev else "",
                    f.document if f else "",
                    f.page if f else None,
                    f.as_of_label if f else "",
                    line.chosen_by or "",
                    "；".join(f"{p.figure.raw}：{p.reason}" for p in line.passed_over),
                ]
            )
    return Sheet(f"{KINDS['indicators']} {_when(year, period)}", headers, rows)


def _figures(engine: Engine, year, period, city) -> Sheet:
    indicator_names = {i.id: i.name for i in load_catalogue().indicators.values()}
    figures = list_figures(
        engine,
        FigureFilters(city=city, year=year, period=period, kinds=CASE_KINDS),
        limit=MAX_ROWS,
    )
    headers = [
        "编号",
        "城市",
        "年份",
        "时段",
        "原文",
        "数值",
        "单位",
        "约数",
        "比较词",
        "类型",
        "所指时段",
        "所指日期",
        "数据类型",
        "指标",
        "目标判定",
        "评审",
        "更正数值",
        "文件",
        "页码",
        "上下文",
    ]
    rows = (
        [
            f.id,
            f.city or "",
            f.year,
            PERIOD_NAMES.get(f.submission_period or "", f.submission_period or ""),
            f.raw,
            f.value,
            f.unit or "",
            "是" if f.approx else "",
            f.cmp or "",
            FIGURE_KINDS.get(f.kind or "", f.kind or ""),
            {**PERIOD_NAMES, "cumulative": "累计"}.get(f.period or "", f.period or ""),
            f.as_of_label if f.as_of else "",
            ROLE_LABELS.get(f.role or "", f.role or ""),
            indicator_names.get(f.indicator, f.indicator) if f.indicator else "",
            CHECK_NAMES.get(f.target_check or "", "") if f.indicator else "",
            REVIEW_NAMES.get(f.review_status or "", ""),
            f.corrected_value,
            f.document,
            f.page,
            f.context,
        ]
        for f in figures
    )
    return Sheet(f"{KINDS['figures']} {city or ''}{_when(year, period)}".strip(), headers, rows)


def _applications(engine: Engine, year, period, city) -> Sheet:
    names = {t.id: t.name for t in taxonomy().values()}
    apps = list_apps(engine, AppFilters(city=city, year=year, period=period), limit=MAX_ROWS)
    headers = [
        "编号",
        "城市",
        "年份",
        "时段",
        "标题",
        "主要领域",
        "标签",
        "标签来源",
        "优秀应用",
        "单位",
        "地点",
        "文件",
        "页码",
        "正文",
    ]
    rows = []
    for a in apps:
        sources = {t["source"] for t in a.tags}
        rows.append(
            [
                a.id,
                a.city or "",
                a.year,
                PERIOD_NAMES.get(a.period or "", a.period or ""),
                a.title,
                f"{a.area} {SHORT_NAMES.get(a.area, '')}" if a.area is not None else "",
                "、".join(names.get(t["tag"], t["tag"]) for t in a.tags),
                "评估员" if sources == {"evaluator"} else ("模型" if sources else ""),
                "是" if a.outstanding else "",
                "、".join(a.organisations),
                "、".join(a.places),
                a.document,
                a.page,
                a.body,
            ]
        )
    return Sheet(
        f"{KINDS['applications']} {city or ''}{_when(year, period)}".strip(), headers, rows
    )


def _csv_value(value):
    """1000000.0 reads better as 1000000 in a text file; text gets the formula guard."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return safe_cell(value)


def _cells(values: Iterable) -> list:
    return [_csv_value(v) for v in values]


def to_csv(sheet: Sheet) -> bytes:
    """UTF-8 with a BOM (Excel's cue for UTF-8), CRLF line ends, every field quoted as needed."""
    buffer = io.BytesIO()
    write_csv(sheet, buffer)
    return buffer.getvalue()


def write_csv(sheet: Sheet, out: BinaryIO) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    text.write("\ufeff")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(_cells(sheet.headers))
    for row in sheet.rows:
        writer.writerow(_cells("" if v is None else v for v in row))
    text.flush()
    text.detach()  # leave `out` open for the caller


def _sheet_title(title: str) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\."""
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    return title.strip()[:31] or "Sheet1"


def to_xlsx(sheet: Sheet) -> bytes:
    return to_workbook([sheet])


PLAIN_NUMBERS = {"编号", "年份", "页码"}  # ids and years read wrong with thousands separators


def _width(value) -> int:
    """Columns sized to their text: a CJK character is about two Latin ones wide."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2


def to_workbook(sheets: list[Sheet]) -> bytes:
    buffer = io.BytesIO()
    write_workbook(sheets, buffer)
    return buffer.getvalue()


def write_workbook(sheets: list[Sheet], out: BinaryIO) -> None:
    """One .xlsx with a worksheet per Sheet: a bold frozen header row with an autofilter,
    columns sized to their content (at most 60), numbers with thousands separators. Written
    in openpyxl's write-only mode, row by row (openpyxl keeps the rows in a temporary file
    until it zips them into `out`), so a large export holds neither a cell object per value
    nor its rows in memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(_sheet_title(sheet.title))
        widths = [_width(h) for h in sheet.headers]
        rows = iter(sheet.rows)
        sample = list(itertools.islice(rows, 500))  # enough to size the columns
        for row in sample:
            for col, value in enumerate(row[: len(widths)]):
                widths[col] = min(60, max(widths[col], _width(value)))
        for col, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = "A2"
        n_cols = max(1, len(sheet.headers))
        written = 0
        header = []
        for h in sheet.headers:
            cell = WriteOnlyCell(ws, value=safe_cell(ILLEGAL_CHARACTERS_RE.sub("", str(h))))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        plain = [h in PLAIN_NUMBERS for h in sheet.headers]
        # The two number styles, made once and copied to each cell: setting number_format on
        # every cell looks the format up in the workbook each time.
        formats = {}
        for whole, code in ((True, "#,##0"), (False, "#,##0.00")):
            proto = WriteOnlyCell(ws, value=0)
            proto.number_format = code
            formats[whole] = proto._style
        for row in itertools.chain(sample, rows):
            written += 1
            cells = []
            for col, value in enumerate(row):
                if isinstance(value, str):
                    cell = WriteOnlyCell(ws, value=safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value)))
                    cell.data_type = "s"  # never a formula, whatever openpyxl would guess
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    if col < len(plain) and plain[col]:
                        cell = value  # ids, years, pages: no thousands separator
                    else:
                        cell = WriteOnlyCell(ws, value=value)
                        cell._style = copy(formats[float(value).is_integer()])
                else:
                    cell = value  # None, a date
                cells.append(cell)
            ws.append(cells)
        # written when the sheet is closed, after its rows: the count is known by then
        ws.auto_filter.ref = f"A1:{get_column_letter(n_cols)}{written + 1}"
    book.save(out)
