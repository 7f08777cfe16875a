"""Consistency checks on a city's figures, across its submissions and inside one report.

Four things that cannot all be true at once, each shown with where it was read (file, page,
passage) so an evaluator can look:

    cumulative_fell  a cumulative figure (累计…) lower than in the city's previous submission
    h1_above_fy      a first-half value (上半年, 1-6月) above the full-year value (全年, 1-11月)
                     of the same indicator in the same year
    table_text       a table and the text giving different values for the same indicator and date
    total_row        a table whose 合计 row is not the sum of its rows

A finding is a question for the evaluator, not a verdict: the message says what disagrees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session, select

from classify.table_totals import total_mismatches
from extract.vocabulary import PERIOD_LABELS, FigureRole, Period
from models.tables import Document

from .figures import FigureFilters, StoredFigure, list_figures
from .figures import submissions as progress_submissions

CHECK_LABELS: dict[str, str] = {
    "cumulative_fell": "累计数下降",
    "h1_above_fy": "上半年数值高于全年",
    "table_text": "表格与正文不一致",
    "total_row": "合计行不等于各项之和",
}
TOLERANCE = 0.005  # relative: 12.5 and 12.53 are the same figure rounded
_LEVEL_UNITS = frozenset({"%", "‰", "Mbps", "个百分点", "倍"})  # rates are not flows that add up


@dataclass
class Where:
    """Provenance of one figure or row: file, page, passage, and the words read there."""

    document: str
    page: int | None
    passage_id: int | None
    raw: str
    as_of: str  # the date as evaluators read it
    context: str


@dataclass
class Finding:
    check: str  # a key of CHECK_LABELS
    city: str
    year: int | None
    period: str | None
    indicator: str | None
    message: str  # in Chinese, naming the file(s) and the reason
    where: list[Where] = field(default_factory=list)

    @property
    def label(self) -> str:
        return CHECK_LABELS[self.check]

    def to_dict(self) -> dict:
        return asdict(self) | {"label": self.label}


def _where(f: StoredFigure) -> Where:
    return Where(f.document, f.page, f.passage_id, f.raw, f.as_of_label, f.context)


def _num(value: float | None, unit: str | None) -> str:
    """2360000户 as 2,360,000户: no exponent, at most two decimals."""
    if value is None:
        return ""
    return f"{value:,.2f}".rstrip("0").rstrip(".") + (unit or "")


def _differ(a: float, b: float) -> bool:
    return abs(a - b) > TOLERANCE * max(abs(a), abs(b), 1e-9)


def _exact(f: StoredFigure) -> bool:
    """A figure that states one value (no 超过, 约, 以上): only these can contradict each other."""
    return not f.approx and f.cmp in (None, ">=")


def _is_cumulative(f: StoredFigure) -> bool:
    return f.role == FigureRole.current and (f.period == "cumulative" or "累计" in f.context)


def _latest_by_indicator(figures: Iterable[StoredFigure]) -> dict[tuple, StoredFigure]:
    out: dict[tuple, StoredFigure] = {}
    for f in figures:
        if f.indicator is None or f.value is None:
            continue
        key = (f.indicator, f.unit)
        if key not in out or (f.as_of or "") > (out[key].as_of or ""):
            out[key] = f
    return out


def cumulative_fell(
    city: str, before: tuple, after: tuple, a: list[StoredFigure], b: list[StoredFigure]
) -> list[Finding]:
    """Cumulative figures of the later submission below the earlier one's, per indicator."""
    earlier = _latest_by_indicator(f for f in a if _is_cumulative(f))
    later = _latest_by_indicator(f for f in b if _is_cumulative(f))
    out = []
    for key, new in later.items():
        old = earlier.get(key)
        if old is None or new.effective_value >= old.effective_value:
            continue
        out.append(
            Finding(
                "cumulative_fell",
                city,
                after[0],
                after[1],
                key[0],
                f"累计数由 {_num(old.effective_value, old.unit)}（{old.document}，{old.as_of_label}）"
                f"降至 {_num(new.effective_value, new.unit)}（{new.document}，{new.as_of_label}）",
                [_where(old), _where(new)],
            )
        )
    return out


def h1_above_fy(city: str, year: int, figures: list[StoredFigure]) -> list[Finding]:
    """A first-half flow (上半年, 1-6月) above the full-year flow of the same indicator and year."""
    current = [
        f
        for f in figures
        if f.role == FigureRole.current and f.unit not in _LEVEL_UNITS and f.indicator
    ]
    h1 = _latest_by_indicator(f for f in current if f.period == Period.H1)
    fy = _latest_by_indicator(f for f in current if f.period == Period.FY)
    out = []
    for key, half in h1.items():
        full = fy.get(key)
        if full is None or half.effective_value <= full.effective_value:
            continue
        if not (_exact(half) and _exact(full)):
            continue
        out.append(
            Finding(
                "h1_above_fy",
                city,
                year,
                None,
                key[0],
                f"上半年 {_num(half.effective_value, half.unit)}（{half.document}）"
                f"高于全年 {_num(full.effective_value, full.unit)}（{full.document}）",
                [_where(half), _where(full)],
            )
        )
    return out


def table_text(city: str, when: tuple, figures: list[StoredFigure]) -> list[Finding]:
    """A table value and a text value of the same indicator, unit and date that differ."""
    current = [
        f for f in figures if f.role == FigureRole.current and f.indicator and f.as_of and _exact(f)
    ]
    tables = [f for f in current if f.in_table]
    prose = [f for f in current if not f.in_table]
    out, seen = [], set()
    for t in tables:
        for p in prose:
            key = (t.indicator, t.unit, t.as_of)
            if (p.indicator, p.unit, p.as_of) != key or key in seen:
                continue
            if not _differ(t.effective_value, p.effective_value):
                continue
            seen.add(key)
            out.append(
                Finding(
                    "table_text",
                    city,
                    when[0],
                    when[1],
                    t.indicator,
                    f"{t.as_of_label}：表格为 {_num(t.effective_value, t.unit)}（{t.document}），"
                    f"正文为 {_num(p.effective_value, p.unit)}（{p.document}）",
                    [_where(t), _where(p)],
                )
            )
    return out


def total_rows(engine: Engine, city: str, when: tuple) -> list[Finding]:
    """Tables of the submission's current documents whose 合计 row does not add up."""
    with Session(engine) as session:
        docs = session.exec(
            select(Document).where(
                Document.city == city,
                Document.year == when[0],
                Document.period == when[1],
                Document.is_current,
                Document.status == "ok",
            )
        ).all()
    out = []
    for doc in docs:
        for block in doc.structure or []:
            rows = block.get("rows") if isinstance(block, dict) else None
            if not rows:
                continue
            for miss in total_mismatches(rows):
                row_text = " | ".join(c or "" for c in rows[miss.row])
                out.append(
                    Finding(
                        "total_row",
                        city,
                        when[0],
                        when[1],
                        None,
                        f"{doc.name} 第{block.get('page') or '?'}页表格“{miss.header}”列："
                        f"{miss.label} {_num(miss.stated, miss.unit)}，"
                        f"{miss.items} 项之和为 {_num(miss.summed, miss.unit)}",
                        [
                            Where(
                                doc.name,
                                block.get("page"),
                                None,
                                _num(miss.stated, ""),
                                "",
                                row_text,
                            )
                        ],
                    )
                )
    return out


def check_city(
    engine: Engine, city: str, year: int | None = None, period: str | None = None
) -> list[Finding]:
    """Every finding for a city's submissions (those of `year` and `period` when given; the
    cumulative check compares each with the one before it)."""
    submissions = progress_submissions(engine, city)
    wanted = [s for s in submissions if (year is None or s[0] == year) and (period in (None, s[1]))]
    figures = {
        s: list_figures(
            engine,
            FigureFilters(city=city, year=s[0], period=s[1], include_rejected=False),
            100_000,
        )
        for s in submissions
    }
    out: list[Finding] = []
    for s in wanted:
        index = submissions.index(s)
        if index > 0:
            before = submissions[index - 1]
            out += cumulative_fell(city, before, s, figures[before], figures[s])
        out += table_text(city, s, figures[s])
        out += total_rows(engine, city, s)
    for y in sorted({s[0] for s in wanted}):
        same_year = [f for s in submissions if s[0] == y for f in figures[s]]
        out += h1_above_fy(city, y, same_year)
    return out


def submission_words(year: int | None, period: str | None) -> str:
    return f"{year or ''}年{PERIOD_LABELS.get(period or '', '')}" if year else ""
