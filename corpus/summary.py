"""The period summary: the table the annual assessment meeting starts from.

For one reporting period it puts side by side what the evaluators otherwise assemble by hand:
the units × areas matrix, every indicator against the guide's targets across units, the units
that sent nothing this period although they did before, and the outstanding applications by
area. It is built from the same functions as the compare page and the exports (so the numbers
agree everywhere) and exported as Excel (one sheet per part) or Word.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, select

from classify import AREAS, SHORT_NAMES
from extract.vocabulary import PERIOD_LABELS
from models.tables import Document

from .applications import AppFilters, StoredApp, list_apps
from .compare import DEMO_AREAS, IndicatorTable, Matrix, area_matrix, indicator_table, periods
from .export import Sheet, build_sheet, to_workbook
from .figures import NoSubmission, period_key
from .labels import CHECKS
from .report import _Writer


@dataclass
class PeriodSummary:
    year: int
    period: str
    matrix: Matrix
    indicators: IndicatorTable
    not_submitted: list[str]  # units that submitted in an earlier period but not in this one
    outstanding: dict[int, list[StoredApp]] = field(default_factory=dict)  # by area

    @property
    def label(self) -> str:
        return f"{self.year}年{PERIOD_LABELS.get(self.period, self.period)}"


def _units_before(engine: Engine, year: int, period: str) -> set[str]:
    with Session(engine) as session:
        rows = session.exec(
            select(Document.city, Document.year, Document.period)
            .where(Document.is_current, Document.status == "ok", Document.city.is_not(None))
            .where(Document.year.is_not(None), Document.period.is_not(None))
            .distinct()
        ).all()
    return {city for city, y, p in rows if period_key((y, p)) < period_key((year, period))}


def period_summary(engine: Engine, year: int, period: str) -> PeriodSummary:
    """Everything the assessment meeting compares for one period; NoSubmission when the store
    holds no report for it."""
    if (year, period) not in periods(engine):
        raise NoSubmission(f"库中没有 {year}年{PERIOD_LABELS.get(period, period)} 的报告")
    matrix = area_matrix(engine, year, period)
    submitted = {row.city for row in matrix.rows}
    outstanding: dict[int, list[StoredApp]] = defaultdict(list)
    for app in list_apps(engine, AppFilters(year=year, period=period), limit=100_000):
        if app.outstanding:
            outstanding[app.area if app.area is not None else 0].append(app)
    return PeriodSummary(
        year=year,
        period=period,
        matrix=matrix,
        indicators=indicator_table(engine, year, period),
        not_submitted=sorted(_units_before(engine, year, period) - submitted),
        outstanding=dict(sorted(outstanding.items())),
    )


def _extra_sheets(summary: PeriodSummary) -> list[Sheet]:
    missing = Sheet(
        "未报送单位",
        ["单位", "说明"],
        [[c, f"此前有报送，{summary.label}未报送"] for c in summary.not_submitted],
    )
    apps = Sheet(
        "优秀典型应用",
        ["领域", "单位", "案例", "出处"],
        [
            [
                SHORT_NAMES.get(area, str(area)),
                a.city or "",
                a.title,
                f"{a.document} 第{a.page or '?'}页",
            ]
            for area, items in summary.outstanding.items()
            for a in items
        ],
    )
    return [missing, apps]


def summary_xlsx(engine: Engine, summary: PeriodSummary) -> bytes:
    """The summary as one workbook: 领域覆盖, 指标对照, 未报送单位, 优秀典型应用."""
    kw = {"engine": engine, "year": summary.year, "period": summary.period}
    return to_workbook(
        [build_sheet("matrix", **kw), build_sheet("indicators", **kw), *_extra_sheets(summary)]
    )


def summary_docx(engine: Engine, summary: PeriodSummary, *, today: date | None = None) -> bytes:
    """The summary as a Word document set like the draft assessments."""

    w = _Writer()
    w.title(f"{summary.label}信息消费示范城市报送情况汇总")
    w.para(
        f"本表由 infocity 于{(today or date.today()):%Y年%m月%d日}根据库中报送材料生成，"
        "供年度评估会议使用；数据均可在各单位评估报告初稿中查到出处。",
        size=14,
    )
    w.heading("一、六大领域覆盖情况")
    w.table(
        ["单位", *[SHORT_NAMES[a] for a in DEMO_AREAS], "未涉及领域"],
        [
            [
                row.city,
                *[str(row.cells[a].passages) for a in DEMO_AREAS],
                "、".join(SHORT_NAMES[a] for a in row.missing) or "—",
            ]
            for row in summary.matrix.rows
        ],
    )
    w.heading("二、指标与指南目标对照")
    for column in summary.indicators.indicators:
        cells = []
        for row in summary.indicators.rows:
            line = row.line(column.id)
            if line and line.figure:
                verdict = CHECKS.get(line.check or "", "")
                cells.append(f"{row.city} {line.figure.raw}{f'（{verdict}）' if verdict else ''}")
        if cells:
            target = f"（指南目标：{column.target}）" if column.target else ""
            w.para(f"{column.name}{target}：" + "；".join(cells) + "。")
    w.heading("三、未报送单位")
    w.para("、".join(summary.not_submitted) + "。" if summary.not_submitted else "无。")
    w.heading("四、优秀典型应用")
    if not summary.outstanding:
        w.para("评估人员尚未标记优秀典型应用。")
    for area, items in summary.outstanding.items():
        w.para(
            f"{AREAS.get(area, '其他')}：" + "；".join(f"{a.city}“{a.title}”" for a in items) + "。"
        )
    return w.bytes()
