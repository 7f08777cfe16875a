"""Reading what evaluators review: a passage, a document with its passages and figures, and
the audit of an item or of the whole store (newest first, filtered, paged, sorted)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from classify import AREAS
from models.tables import Document, Passage, ReviewEvent

from ..audit import Event, _event, _event_order
from .edits import InvalidValue, NotFound, _entity


@dataclass
class PassageView:
    """A passage as an evaluator sees it: its text and place, the model's area and the
    evaluator's, and the version to send back with an edit."""

    id: int
    document_id: int
    document: str
    city: str | None
    year: int | None
    period: str | None
    order: int
    page: int | None
    heading_path: list[str]
    text: str
    area: int | None  # what counts: the reviewed area, else the predicted one
    predicted_area: int | None
    area_confidence: float | None
    second_area: int | None
    second_confidence: float | None
    needs_review: bool
    reviewed_area: int | None
    version: int
    box: list | None = None  # [x0, top, x1, bottom] on its page, PDF points (PDFs only)

    def to_dict(self) -> dict:
        return asdict(self)


QueueItem = PassageView  # the review queue lists passages


@dataclass
class DocumentView:
    """One stored document for reading: its metadata, its passages in order and its figures."""

    id: int
    name: str
    title: str | None
    city: str | None
    year: int | None
    period: str | None
    kind: str
    status: str
    pages: int | None
    version: int
    is_current: bool
    ingested_at: datetime
    ingested_by: str
    warnings: list
    structure: list  # the extracted blocks (title, heading, paragraph, table), for display
    passages: list[PassageView] = field(default_factory=list)
    figures: list = field(default_factory=list)  # corpus.figures.StoredFigure, with passage_id
    confirmed: bool = True  # False: city, year, period or kind are suggestions (待确认)
    unconfirmed: dict = field(default_factory=dict)  # field → Chinese reason
    previous_id: int | None = None  # the version this one replaced
    not_carried: list = field(default_factory=list)  # the previous version's reviews left behind
    retired: bool = False  # withdrawn by an evaluator (corpus.retire)
    format: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _view(p: Passage, d: Document) -> PassageView:
    return PassageView(
        id=p.id,
        document_id=d.id,
        document=d.name,
        city=d.city,
        year=d.year,
        period=d.period,
        order=p.order,
        page=p.page,
        heading_path=list(p.heading_path or []),
        text=p.text,
        area=p.reviewed_area if p.reviewed_area is not None else p.area,
        predicted_area=p.area,
        area_confidence=p.area_confidence,
        second_area=p.second_area,
        second_confidence=p.second_confidence,
        needs_review=p.needs_review,
        reviewed_area=p.reviewed_area,
        version=p.version,
        box=p.box,
    )


def get_passage(engine: Engine, passage_id: int) -> PassageView:
    with Session(engine) as session:
        row = session.exec(
            select(Passage, Document)
            .join(Document, Document.id == Passage.document_id)
            .where(Passage.id == passage_id)
        ).first()
    if row is None:
        raise NotFound(f"没有编号为 {passage_id} 的段落")
    return _view(*row)


def document_view(engine: Engine, document_id: int, *, area: int | None = None) -> DocumentView:
    """A document for reading, with its passages (only those of `area` when given, by the area
    that counts) and its figures."""
    from ..figures import FigureFilters, list_figures

    if area is not None and area not in AREAS:
        raise InvalidValue(f"未知领域：{area}（可选 0–6）")
    with Session(engine) as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise NotFound(f"没有编号为 {document_id} 的文件")
        passages = session.exec(
            select(Passage).where(Passage.document_id == document_id).order_by(Passage.order)
        ).all()
    views = [_view(p, doc) for p in passages]
    if area is not None:
        views = [v for v in views if v.area == area]
    return DocumentView(
        id=doc.id,
        name=doc.name,
        title=doc.title,
        city=doc.city,
        year=doc.year,
        period=doc.period,
        kind=doc.kind,
        status=doc.status,
        pages=doc.pages,
        version=doc.version,
        is_current=doc.is_current,
        ingested_at=doc.ingested_at,
        ingested_by=doc.ingested_by,
        warnings=list(doc.warnings or []),
        structure=list(doc.structure or []),
        passages=views,
        confirmed=doc.confirmed,
        unconfirmed=dict(doc.unconfirmed or {}),
        previous_id=doc.previous_id,
        not_carried=list(doc.not_carried or []),
        figures=list_figures(
            engine, FigureFilters(document_id=document_id, current_only=False), 100_000
        ),
        retired=bool(doc.retired),
        format=doc.format or "",
    )


def history(engine: Engine, entity: str, entity_id: int) -> list[Event]:
    """Every recorded change and comment of one item, newest first."""
    _entity(entity)
    with Session(engine) as session:
        rows = session.exec(
            select(ReviewEvent)
            .where(ReviewEvent.entity == entity, ReviewEvent.entity_id == entity_id)
            .order_by(ReviewEvent.id.desc())
        ).all()
    return [_event(r) for r in rows]


def recent_events(
    engine: Engine, limit: int = 50, *, user: str | None = None, entity: str | None = None
) -> list[Event]:
    """The latest events across the store, newest first (optionally one user's, or about one
    kind of item, e.g. entity="user" for the account changes)."""
    query = select(ReviewEvent)
    if user:
        query = query.where(ReviewEvent.user == user)
    if entity:
        _entity(entity)
        query = query.where(ReviewEvent.entity == entity)
    with Session(engine) as session:
        rows = session.exec(query.order_by(ReviewEvent.id.desc()).limit(max(0, limit))).all()
    return [_event(r) for r in rows]


def events_page(
    engine: Engine,
    *,
    user: str | None = None,
    entity: str | None = None,
    page: int = 1,
    size: int = 25,
    sort: str = "-at",
) -> tuple[list[Event], int]:
    """One page of the audit, newest first, optionally one user's or about one kind of item,
    with the number of events that match. `sort` is one of EVENT_SORTS, "-" first for
    descending (an unknown one is the default); ties stay newest first."""
    query = select(ReviewEvent)
    count = select(func.count(ReviewEvent.id))
    if user:
        query, count = query.where(ReviewEvent.user == user), count.where(ReviewEvent.user == user)
    if entity:
        _entity(entity)
        query = query.where(ReviewEvent.entity == entity)
        count = count.where(ReviewEvent.entity == entity)
    size = max(1, min(size, 500))
    with Session(engine) as session:
        total = session.exec(count).one()
        rows = session.exec(
            query.order_by(*_event_order(sort), ReviewEvent.id.desc())
            .offset((max(1, page) - 1) * size)
            .limit(size)
        ).all()
    return [_event(r) for r in rows], total
