"""Comparing cities in one period: the areas each report covers, the indicators against the
guide's targets, and one city's submission at a glance.

Everything counts the evaluators' word over the model's: a passage's area is its reviewed area
when an evaluator set one, rejected figures are left out and corrected ones count with the
corrected value. Only current versions of documents count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from classify import AREAS, SHORT_NAMES, load_catalogue
from extract.vocabulary import PERIOD_ORDER, period_label
from models.tables import Application, Document, Figure, Passage, ReviewEvent

from .applications import CASE_KINDS, AppFilters, StoredApp, list_apps
from .figures import FigureFilters, NoSubmission, StoredFigure, list_figures, period_key
from .review import QueueItem, count_queue, review_queue
from .scorecard import Scorecard, ScoreLine, scorecard, scorecards

DEMO_AREAS = [1, 2, 3, 4, 5, 6]  # the guide's six areas; 0 is "none of them"
KEY_FIGURES = 5  # per area in a city overview


def _effective_area():
    return func.coalesce(Passage.reviewed_area, Passage.area)


def _current_ok():
    return (Document.is_current) & (Document.status == "ok")


def _reports():
    """The documents a submission's comparison reads: progress reports and applications
    attachments (a budget or a bulletin in the same folder is context, not the report)."""
    return _current_ok() & Document.kind.in_(CASE_KINDS)


def periods(engine: Engine) -> list[tuple[int, str]]:
    """The (year, period) pairs the store holds submissions for, oldest first."""
    with Session(engine) as session:
        rows = session.exec(
            select(Document.year, Document.period)
            .where(_current_ok(), Document.year.is_not(None), Document.period.is_not(None))
            .distinct()
        ).all()
    return sorted(((y, p) for y, p in rows), key=period_key)


def latest_period(engine: Engine) -> tuple[int, str]:
    """The newest (year, period) in the store; NoSubmission when it holds none."""
    found = periods(engine)
    if not found:
        raise NoSubmission("库中还没有任何报告")
    return found[-1]


def cities(engine: Engine, year: int, period: str) -> list[str]:
    """Cities with a current document in that period, in name order."""
    with Session(engine) as session:
        rows = session.exec(
            select(Document.city)
            .where(
                _reports(),
                Document.city.is_not(None),
                Document.year == year,
                Document.period == period,
            )
            .distinct()
        ).all()
    return sorted(rows)


# --- the cities × areas matrix -----------------------------------------------------------------


@dataclass
class MatrixCell:
    area: int
    passages: int
    share: float  # of the city's passages (0–1)


@dataclass
class MatrixRow:
    city: str
    total: int  # the city's passages with an area
    cells: list[MatrixCell]  # areas 0–6, in order
    missing: list[int]  # areas 1–6 the submission says nothing about

    def cell(self, area: int) -> MatrixCell:
        return self.cells[area]


@dataclass
class Matrix:
    year: int
    period: str
    areas: list[int]  # 0–6
    area_names: dict[int, str]
    short_names: dict[int, str]
    rows: list[MatrixRow] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _area_counts(
    engine: Engine,
    year: int,
    period: str,
    city: str | None = None,
    cities: Collection[str] | None = None,
) -> dict[str, dict[int, int]]:
    area = _effective_area()
    query = (
        select(Document.city, area, func.count(Passage.id))
        .join(Document, Document.id == Passage.document_id)
        .where(
            _reports(),
            Document.city.is_not(None),
            Document.year == year,
            Document.period == period,
            area.is_not(None),
        )
        .group_by(Document.city, area)
    )
    if city:
        query = query.where(Document.city == city)
    if cities is not None:
        query = query.where(Document.city.in_(list(cities)))
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    with Session(engine) as session:
        for name, code, n in session.exec(query).all():
            counts[name][int(code)] = int(n)
    return counts


def _row(city: str, counts: dict[int, int]) -> MatrixRow:
    total = sum(counts.values())
    cells = [
        MatrixCell(a, counts.get(a, 0), round(counts.get(a, 0) / total, 4) if total else 0.0)
        for a in AREAS
    ]
    return MatrixRow(city, total, cells, [a for a in DEMO_AREAS if not counts.get(a)])


def area_matrix(
    engine: Engine,
    year: int,
    period: str,
    *,
    counts: dict[str, dict[int, int]] | None = None,
    names: list[str] | None = None,
) -> Matrix:
    """Cities × areas 0–6 for one period: how many passages each city's submission has in each
    area, their share of the city's passages, and the areas 1–6 it does not cover at all.
    `counts` (from `area_counts`) and `names` (from `cities`) when the caller has them."""
    if counts is None:
        counts = _area_counts(engine, year, period)
    return Matrix(
        year=year,
        period=period,
        areas=list(AREAS),
        area_names=dict(AREAS),
        short_names=dict(SHORT_NAMES),
        rows=[_row(city, counts.get(city, {})) for city in names or cities(engine, year, period)],
    )


def area_counts(
    engine: Engine, year: int, period: str, cities: Collection[str] | None = None
) -> dict[str, dict[int, int]]:
    """city → area → passages in that period (the matrix's numbers), of `cities` only when
    given: what `area_matrix` is built from, for a caller that keeps them per city."""
    return dict(_area_counts(engine, year, period, cities=cities))


CHANGES_LIMIT = 200  # more events than this since the last look: recompute everything


def cities_changed(engine: Engine, after: int | None, upto: int | None) -> set[str] | None:
    """The cities whose documents, passages, figures or applications the audit events after
    event `after` (up to `upto`) touched, a document's city before and after a metadata edit
    included; None when that cannot be told (no earlier event, too many events, or an event on
    something that is gone), and the caller must assume every city changed. Account events
    touch no city. Every evaluator's change writes an event (corpus.review), so a page built
    per city can recompute only these."""
    if after == upto:
        return set()
    if after is None or upto is None:
        return None
    with Session(engine) as session:
        events = session.exec(
            select(ReviewEvent.entity, ReviewEvent.entity_id, ReviewEvent.before, ReviewEvent.after)
            .where(ReviewEvent.id > after, ReviewEvent.id <= upto)
            .limit(CHANGES_LIMIT + 1)
        ).all()
        if len(events) > CHANGES_LIMIT:
            return None
        found: set[str] = set()
        ids: dict[str, set[int]] = defaultdict(set)
        for entity, entity_id, before, after_ in events:
            if entity == "user":
                continue
            if entity not in ("document", "passage", "figure", "application"):
                return None
            ids[entity].add(entity_id)
            if entity == "document":
                for side in (before, after_):
                    if isinstance(side, dict) and isinstance(side.get("city"), str):
                        found.add(side["city"])

        def resolve(table, column, wanted: set[int]) -> set | None:
            if not wanted:
                return set()
            rows = session.exec(select(table.id, column).where(table.id.in_(wanted))).all()
            return None if len(rows) < len(wanted) else {r[1] for r in rows}

        passages = resolve(Figure, Figure.passage_id, ids["figure"])
        if passages is None:
            return None
        documents = resolve(Passage, Passage.document_id, ids["passage"] | passages)
        apps = resolve(Application, Application.document_id, ids["application"])
        if documents is None or apps is None:
            return None
        doc_cities = resolve(Document, Document.city, ids["document"] | documents | apps)
        if doc_cities is None:
            return None
    return found | {c for c in doc_cities if c}


# --- indicators across cities ------------------------------------------------------------------


@dataclass
class IndicatorColumn:
    id: str
    name: str
    unit: str
    target: str | None  # the guide's words, or None when the guide sets no target


@dataclass
class IndicatorRow:
    city: str
    lines: dict[str, ScoreLine]  # by indicator id; an indicator missing here has no line

    def line(self, indicator: str) -> ScoreLine | None:
        return self.lines.get(indicator)


@dataclass
class IndicatorTable:
    year: int
    period: str
    indicators: list[IndicatorColumn] = field(default_factory=list)
    rows: list[IndicatorRow] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def indicator_table(
    engine: Engine,
    year: int,
    period: str,
    *,
    cards: dict[str, Scorecard] | None = None,
    names: list[str] | None = None,
) -> IndicatorTable:
    """For every city with a submission in that period, its scorecard headline per indicator
    (the same figure `infocity scorecard` shows, with the same target check). `cards` (from
    `scorecards`) and `names` (from `cities`) when the caller has them."""
    table = IndicatorTable(year, period)
    seen: set[str] = set()
    if cards is None:
        cards = scorecards(engine, year, period)  # set-wise: one query for every city's figures
    for city in names if names is not None else cities(engine, year, period):
        card = cards.get(city)
        if card is None:  # only an applications attachment: nothing to score
            continue
        table.rows.append(IndicatorRow(city, {line.indicator: line for line in card.lines}))
        seen.update(line.indicator for line in card.lines)
    catalogue = load_catalogue()
    for indicator in catalogue.indicators.values():
        if indicator.id not in seen:
            continue
        target = next(
            (r.lines[indicator.id].target for r in table.rows if indicator.id in r.lines), None
        )
        table.indicators.append(
            IndicatorColumn(indicator.id, indicator.name, indicator.unit, target)
        )
    return table


# --- one city's submission ---------------------------------------------------------------------


@dataclass
class DocumentSummary:
    id: int
    name: str
    kind: str  # vocabulary.Kind
    title: str | None
    pages: int | None
    passages: int
    version: int
    warnings: list
    needs_review: bool  # unconfirmed: city, year, period or kind are suggestions (待确认)


@dataclass
class AreaSummary:
    area: int
    name: str
    short_name: str
    passages: int
    share: float
    missing: bool  # an area of the guide (1–6) the submission says nothing about
    figures: list[StoredFigure] = field(default_factory=list)  # a few key figures


@dataclass
class CityOverview:
    city: str
    year: int
    period: str
    documents: list[DocumentSummary]
    areas: list[AreaSummary]  # 1–6, then 0
    scorecard: Scorecard | None
    applications: list[StoredApp]
    queue: list[QueueItem]  # passages waiting for review, least confident first
    queue_total: int  # the whole queue's length (`queue` holds at most `queue_limit`)

    def to_dict(self) -> dict:
        return asdict(self)


def _key_figures(figures: list[StoredFigure], limit: int) -> list[StoredFigure]:
    """Figures an evaluator looks at first: those measuring a catalogue indicator, levels
    before changes and plans, in document order."""
    ranked = sorted(
        enumerate(figures),
        key=lambda p: (p[1].indicator is None, p[1].kind != "level", p[0]),
    )
    return [f for _, f in ranked[:limit]]


def city_overview(
    engine: Engine, city: str, year: int, period: str, *, queue_limit: int = 50
) -> CityOverview:
    """One city's submission for one period: its documents; per area the passages, a few key
    figures and whether the area is missing; the scorecard; the typical applications with
    their tags; and the passages waiting for review."""
    with Session(engine) as session:
        docs = session.exec(
            select(Document)
            .where(
                _current_ok(),
                Document.city == city,
                Document.year == year,
                Document.period == period,
            )
            .order_by(Document.kind.desc(), Document.name)
        ).all()
        if not docs:
            raise NoSubmission(f"库中没有 {city} {year}年{_period_name(period)} 的报告")
        doc_ids = [d.id for d in docs]
        area_of = dict(
            session.exec(
                select(Passage.id, _effective_area()).where(Passage.document_id.in_(doc_ids))
            ).all()
        )
    counts = _area_counts(engine, year, period, city).get(city, {})
    row = _row(city, counts)
    figures = list_figures(
        engine,
        FigureFilters(
            city=city, year=year, period=period, include_rejected=False, kinds=CASE_KINDS
        ),
        100_000,
    )
    by_area: dict[int, list[StoredFigure]] = defaultdict(list)
    for f in figures:
        area = area_of.get(f.passage_id)
        if area is not None:
            by_area[int(area)].append(f)
    areas = [
        AreaSummary(
            area=a,
            name=AREAS[a],
            short_name=SHORT_NAMES[a],
            passages=row.cells[a].passages,
            share=row.cells[a].share,
            missing=a in row.missing,
            figures=_key_figures(by_area.get(a, []), KEY_FIGURES),
        )
        for a in [*DEMO_AREAS, 0]
    ]
    try:
        card = scorecard(engine, city, year, period)
    except NoSubmission:
        card = None
    apps = list_apps(engine, AppFilters(document_ids=doc_ids), limit=100_000)
    return CityOverview(
        city=city,
        year=year,
        period=period,
        documents=[
            DocumentSummary(
                id=d.id,
                name=d.name,
                kind=d.kind,
                title=d.title,
                pages=d.pages,
                passages=d.n_passages,
                version=d.version,
                warnings=list(d.warnings or []),
                needs_review=d.needs_review,
            )
            for d in docs
        ],
        areas=areas,
        scorecard=card,
        applications=apps,
        queue=review_queue(engine, city=city, year=year, period=period, limit=queue_limit),
        queue_total=count_queue(engine, city=city, year=year, period=period),
    )


def _period_name(period: str | None) -> str:
    return period_label(period)


def busiest_period(engine: Engine) -> tuple[int, str]:
    """The (year, period) with the most cities, the latest of those when several tie: where
    comparing cities says most. NoSubmission when the store holds none."""
    with Session(engine) as session:
        rows = session.exec(
            select(Document.year, Document.period, func.count(func.distinct(Document.city)))
            .where(_current_ok(), Document.year.is_not(None), Document.period.is_not(None))
            .group_by(Document.year, Document.period)
        ).all()
    if not rows:
        raise NoSubmission("库中还没有任何报告")
    best = max(rows, key=lambda r: (r[2], r[0], PERIOD_ORDER.get(r[1], 0)))
    return best[0], best[1]
