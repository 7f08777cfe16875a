"""The passages waiting for review: the model marked them unsure and no evaluator has set their
area. (The review desk's whole queue, with figures, tags and undo, is corpus.queue.)"""

from __future__ import annotations

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from models.tables import Document, Passage

from .views import QueueItem, _view


def review_queue(
    engine: Engine,
    *,
    city: str | None = None,
    year: int | None = None,
    period: str | None = None,
    limit: int = 200,
) -> list[QueueItem]:
    """Passages of current documents that the model marked for review and no evaluator has
    reviewed yet, least confident first: the evaluator's time goes where the model is weakest."""
    query = (
        _waiting(select(Passage, Document), city, year, period)
        .order_by(func.coalesce(Passage.area_confidence, 0.0), Document.id, Passage.order)
        .limit(max(0, limit))
    )
    with Session(engine) as session:
        return [_view(p, d) for p, d in session.exec(query).all()]


def count_queue(
    engine: Engine, *, city: str | None = None, year: int | None = None, period: str | None = None
) -> int:
    """How many passages wait for review (the queue may be longer than its page)."""
    query = _waiting(select(func.count(Passage.id)), city, year, period)
    with Session(engine) as session:
        return session.exec(query).one()


def _waiting(query, city: str | None, year: int | None, period: str | None):
    """The queue's conditions: current documents' passages marked for review, not yet reviewed."""
    query = query.join(Document, Document.id == Passage.document_id).where(
        Document.is_current,
        Document.status == "ok",
        Passage.needs_review,
        Passage.reviewed_area.is_(None),
    )
    if city:
        query = query.where(Document.city == city)
    if year:
        query = query.where(Document.year == year)
    if period:
        query = query.where(Document.period == period)
    return query
