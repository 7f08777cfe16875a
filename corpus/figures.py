"""The figures in the store: listing them, and a city's scorecard against the guide's targets.

Only current versions of documents count: a superseded file's figures were restated (or
corrected) in the new version.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace

from sqlalchemy import Engine
from sqlalchemy.orm import load_only
from sqlmodel import Session, select

from classify import load_catalogue
from classify.indicators import check_target
from models.tables import Document, Passage
from models.tables import Figure as FigureRow

PERIOD_ORDER = {"H1": 0, "FY": 1}


@dataclass
class FigureFilters:
    city: str | None = None
    year: int | None = None
    period: str | None = None
    indicator: str | None = None
    kind: str | None = None
    document_id: int | None = None
    current_only: bool = True  # False: superseded versions too (reading an old document)
    include_rejected: bool = True  # False: leave out figures an evaluator rejected


@dataclass
class StoredFigure:
    id: int
    raw: str
    value: float | None
    unit: str | None
    approx: bool
    cmp: str | None
    kind: str | None
    period: str | None  # what the text says the figure refers to
    indicator: str | None
    target_check: str | None
    city: str | None
    year: int | None
    submission_period: str | None
    document_id: int
    document: str
    page: int | None
    passage_id: int
    context: str  # the passage text around the figure
    review_status: str | None = None  # accepted | rejected | corrected, by an evaluator
    corrected_value: float | None = None
    version: int = 1  # send back with a review (corpus.review.review_figure)

    @property
    def effective_value(self) -> float | None:
        """The value that counts: the evaluator's correction when there is one."""
        if self.review_status == "corrected" and self.corrected_value is not None:
            return self.corrected_value
        return self.value

    def to_dict(self) -> dict:
        return asdict(self)


def _context(text: str, start: int, end: int, width: int = 30) -> str:
    if end <= start or end > len(text):
        return text[: 2 * width]
    left = max(0, start - width)
    return (
        ("…" if left else "") + text[left : end + width] + ("…" if end + width < len(text) else "")
    )


def list_figures(
    engine: Engine, filters: FigureFilters | None = None, limit: int = 200
) -> list[StoredFigure]:
    """Figures of current documents, in city, year, period and document order."""
    f = filters or FigureFilters()
    query = (
        select(FigureRow, Passage, Document)
        .join(Passage, Passage.id == FigureRow.passage_id)
        .join(Document, Document.id == Passage.document_id)
        .where(Document.status == "ok")
    )
    if f.current_only:
        query = query.where(Document.is_current)
    if f.document_id is not None:
        query = query.where(Document.id == f.document_id)
    if not f.include_rejected:
        query = query.where(
            (FigureRow.review_status.is_(None)) | (FigureRow.review_status != "rejected")
        )
    if f.city:
        query = query.where(Document.city == f.city)
    if f.year:
        query = query.where(Document.year == f.year)
    if f.period:
        query = query.where(Document.period == f.period)
    if f.indicator:
        query = query.where(FigureRow.indicator == f.indicator)
    if f.kind:
        query = query.where(FigureRow.kind == f.kind)
    # Only the columns a StoredFigure needs: whole Document rows carry the document's structure
    # (JSON, decoded per row), which made compare and the city view slow (issue 19).
    query = query.options(
        load_only(Passage.id, Passage.text, Passage.order, Passage.page),
        load_only(Document.id, Document.name, Document.city, Document.year, Document.period),
    )
    query = query.order_by(
        Document.city,
        Document.year,
        Document.period,
        Document.id,
        Passage.order,
        FigureRow.start,
        FigureRow.col,  # table figures of one row all start at 0 in their cells
        FigureRow.id,  # a total order: PostgreSQL returns ties in any order, and a
        # headline must not change because an evaluator reviewed a figure
    ).limit(limit)
    with Session(engine) as session:
        rows = session.exec(query).all()
    return [_stored(fig, passage, doc) for fig, passage, doc in rows]


def _stored(fig: FigureRow, passage: Passage, doc: Document) -> StoredFigure:
    context = passage.text if fig.row is not None else _context(passage.text, fig.start, fig.end)
    return StoredFigure(
        id=fig.id,
        raw=fig.raw,
        value=fig.value,
        unit=fig.unit,
        approx=fig.approx,
        cmp=fig.cmp,
        kind=fig.kind,
        period=fig.period,
        indicator=fig.indicator,
        target_check=fig.target_check,
        city=doc.city,
        year=doc.year,
        submission_period=doc.period,
        document_id=doc.id,
        document=doc.name,
        page=passage.page,
        passage_id=passage.id,
        context=context,
        review_status=fig.review_status,
        corrected_value=fig.corrected_value,
        version=fig.version,
    )


@dataclass
class ScoreLine:
    indicator: str
    name: str
    unit: str
    target: str | None  # the guide's words, e.g. "20M以上高速宽带用户比例超过50%"
    figure: StoredFigure | None  # the headline figure, None when the report states none
    previous: StoredFigure | None  # the same indicator in the city's previous submission
    check: str | None  # met | not_met | not_comparable; None when nothing is reported or asked
    others: int = 0  # further level figures of this indicator in the submission


@dataclass
class Scorecard:
    city: str
    year: int | None
    period: str | None
    lines: list[ScoreLine] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class NoSubmission(LookupError):
    """The store has no submission for that city (and year and period)."""


def _submissions(engine: Engine, city: str) -> list[tuple[int, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(Document.year, Document.period)
            .where(Document.city == city, Document.is_current, Document.status == "ok")
            .where(Document.year.is_not(None), Document.period.is_not(None))
            .distinct()
        ).all()
    return sorted(rows, key=lambda r: (r[0], PERIOD_ORDER.get(r[1], 0)))


_INCREMENT_RE = re.compile(r"(?:新增|新建|新开通|新发展|净增|增加|新认定|新培育)[^，。；]{0,8}$")


def _is_increment(figure: StoredFigure) -> bool:
    """新建4G基站1.3万个 is what was added, not the total the indicator asks for."""
    before = figure.context.split(figure.raw, 1)[0]
    return bool(_INCREMENT_RE.search(before))


def _headline(figures: list[StoredFigure], period: str) -> tuple[StoredFigure | None, int]:
    """The figure a scorecard shows: the first level figure, in document order, that refers to
    the submission's own period (or says none) and states a total rather than an increment;
    and the count of the others."""
    levels = [f for f in figures if f.kind == "level"]
    if not levels:
        return None, 0
    own = [f for f in levels if f.period in (None, period, "cumulative")] or levels
    totals = [f for f in own if not _is_increment(f)] or own
    return totals[0], len(levels) - 1


def _target_text(target, unit: str) -> str | None:
    if target is None:
        return None
    if target.note:
        return target.note
    if target.rising:
        return "持续提高"
    return f"{target.cmp} {target.value:g}{unit}" if target.cmp else None


def _reviewed(engine: Engine, city: str, year: int, period: str) -> list[StoredFigure]:
    """A submission's figures as the evaluators left them: rejected ones out, corrected ones
    with the corrected value."""
    figures = list_figures(
        engine,
        FigureFilters(city=city, year=year, period=period, include_rejected=False),
        100_000,
    )
    return [
        replace(f, value=f.effective_value) if f.review_status == "corrected" else f
        for f in figures
    ]


def scorecard(
    engine: Engine, city: str, year: int | None = None, period: str | None = None
) -> Scorecard:
    """The city's indicators in one submission (the latest by default) against the guide's
    targets; rising targets are judged against the city's previous submission."""
    submissions = _submissions(engine, city)
    chosen = [s for s in submissions if (year is None or s[0] == year)]
    chosen = [s for s in chosen if period is None or s[1] == period]
    if not chosen:
        wanted = f"{city} {year or ''}{period or ''}".strip()
        raise NoSubmission(f"库中没有 {wanted} 的报告")
    year, period = chosen[-1]
    index = submissions.index((year, period))
    before = submissions[index - 1] if index > 0 else None
    current = _reviewed(engine, city, year, period)
    previous = _reviewed(engine, city, *before) if before else []
    catalogue = load_catalogue()
    card = Scorecard(city, year, period)
    for indicator in catalogue.indicators.values():
        mine = [f for f in current if f.indicator == indicator.id]
        figure, others = _headline(mine, period)
        earlier = None
        if before:
            earlier, _ = _headline([f for f in previous if f.indicator == indicator.id], before[1])
        target = indicator.target
        if figure is None and target is None:
            continue  # nothing reported and nothing asked: not worth a line
        check = None
        if figure is not None and figure.value is not None and target is not None:
            check = check_target(
                indicator.id,
                figure.value,
                figure.unit or "",
                earlier.value if earlier and earlier.unit == figure.unit else None,
                cmp=figure.cmp,
                approx=figure.approx,
            )
        card.lines.append(
            ScoreLine(
                indicator=indicator.id,
                name=indicator.name,
                unit=indicator.unit,
                target=_target_text(target, indicator.unit),
                figure=figure,
                previous=earlier,
                check=check,
                others=others,
            )
        )
    return card
