"""The review desk's queue: what waits for an evaluator, confirming the model's answer in one
step (alone or a page at a time), and undoing one's own last change.

The queue is the passages of current documents that the model marked for review and no
evaluator has reviewed, oldest document first (the order they were handed in), plus the
documents whose city, year or period is still unknown. Figures and tags carry no "awaiting
review" mark in the store, so they are not listed: the queue shows what the store says waits,
and nothing it would have to guess.

Every change goes through corpus.review's one edit path (version check, audit event in the
same transaction); undo is itself an audited change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from models.db import write_scope
from models.tables import Document, Passage, ReviewEvent
from models.tables import Figure as FigureRow

from .review import (
    Actor,
    Change,
    Conflict,
    InvalidValue,
    NotFound,
    PassageView,
    ReviewError,
    _edit,
    _last_change,
    _locked,
    _record,
    _view,
    _waiting,
    actor_name,
    describe,
)

PAGE_SIZE = 20


@dataclass
class QueuePage:
    """One page of the queue: its passages, the total waiting, and where the page stands."""

    items: list[PassageView]
    total: int
    page: int
    pages: int
    documents: list[dict] = field(default_factory=list)  # city/year/period still unknown


def queue_page(
    engine: Engine,
    *,
    city: str | None = None,
    year: int | None = None,
    period: str | None = None,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> QueuePage:
    """A page of waiting passages, oldest document first and in reading order within it."""
    size = max(1, min(size, 200))
    with Session(engine) as session:
        total = session.exec(_waiting(select(func.count(Passage.id)), city, year, period)).one()
        pages = max(1, -(-total // size))
        page = max(1, min(page, pages))
        rows = session.exec(
            _waiting(select(Passage, Document), city, year, period)
            .order_by(Document.ingested_at, Document.id, Passage.order)
            .offset((page - 1) * size)
            .limit(size)
        ).all()
        unknown = select(Document.id, Document.name, Document.city, Document.year, Document.period)
        unknown = unknown.where(Document.is_current, Document.status == "ok", Document.needs_review)
        if city:
            unknown = unknown.where(Document.city == city)
        documents = [
            {"id": i, "name": n, "city": c, "year": y, "period": p}
            for i, n, c, y, p in session.exec(unknown.order_by(Document.ingested_at)).all()
        ]
    return QueuePage([_view(p, d) for p, d in rows], total, page, pages, documents)


def queue_counts(engine: Engine) -> dict[tuple[str, int, str], int]:
    """Passages waiting per submission (city, year, period), for the home grid: one query."""
    query = _waiting(
        select(Document.city, Document.year, Document.period, func.count(Passage.id)),
        None,
        None,
        None,
    ).group_by(Document.city, Document.year, Document.period)
    with Session(engine) as session:
        return {(c, y, p): n for c, y, p, n in session.exec(query).all() if c and y and p}


def confirm_area(engine: Engine, passage_id: int, *, user: Actor, expected_version: int) -> Change:
    """The evaluator agrees with the model: the model's area becomes the reviewed one, so the
    passage leaves the queue (before, choosing "model's judgement" changed nothing)."""

    def apply(session: Session, row: Passage):
        before = {"reviewed_area": row.reviewed_area, "predicted_area": row.area}
        if row.area is None:
            raise InvalidValue(f"段落 {row.id} 没有模型判断的领域，请直接选择领域")
        row.reviewed_area = row.area
        return before, {"reviewed_area": row.area, "predicted_area": row.area}

    return _edit(
        engine,
        "passage",
        passage_id,
        user=user,
        expected_version=expected_version,
        action="set_area",
        comment=None,
        apply=apply,
    )


@dataclass
class BulkResult:
    confirmed: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # passage id → why (Chinese)


def confirm_many(engine: Engine, versions: dict[int, int], *, user: Actor) -> BulkResult:
    """ "Confirm all on this page": each passage confirmed on its own, with the version the
    evaluator saw; one changed meanwhile by someone else is refused and named, the rest saved."""
    actor_name(user)  # a viewer is refused before anything is tried
    result = BulkResult()
    for passage_id, version in versions.items():
        try:
            confirm_area(engine, passage_id, user=user, expected_version=version)
            result.confirmed.append(passage_id)
        except ReviewError as exc:
            result.refused[passage_id] = str(exc)
    return result


UNDOABLE = {("passage", "set_area"), ("figure", "accept"), ("figure", "reject")}
UNDOABLE |= {("figure", "correct")}


def last_undoable(engine: Engine, user: str) -> ReviewEvent | None:
    """The user's own last change, if it can still be undone: it is their latest change (an
    undo is not undone again) and nobody changed the item since."""
    with Session(engine) as session:
        event = session.exec(
            select(ReviewEvent)
            .where(ReviewEvent.user == user, ReviewEvent.action != "comment")
            .order_by(ReviewEvent.id.desc())
            .limit(1)
        ).first()
        if event is None or (event.entity, event.action) not in UNDOABLE:
            return None
        last = _last_change(session, event.entity, event.entity_id)
        return event if last is not None and last.id == event.id else None


def undo_last(engine: Engine, *, user: Actor) -> Change:
    """Puts back what the user's own last change replaced, recorded as an "undo" event that
    names the change undone. Refused when someone changed the item since."""
    name = actor_name(user)
    event = last_undoable(engine, name)
    if event is None:
        raise InvalidValue("没有可以撤销的修改（只能撤销自己最近的一次修改，且之后无人改动该项）")
    before = dict(event.before or {})
    with write_scope(engine) as session:
        row = _locked(session, event.entity, event.entity_id)
        if _last_change(session, event.entity, event.entity_id).id != event.id:
            raise Conflict(
                "该项在您修改之后已被他人修改，不能撤销。",
                entity=event.entity,
                entity_id=event.entity_id,
                expected_version=row.version,
                current_version=row.version,
                by=None,
                at=None,
            )
        if event.entity == "passage":
            now = {"reviewed_area": row.reviewed_area, "predicted_area": row.area}
            row.reviewed_area = before.get("reviewed_area")
            restored = {"reviewed_area": row.reviewed_area, "predicted_area": row.area}
        elif isinstance(row, FigureRow):
            now = {"review_status": row.review_status, "corrected_value": row.corrected_value}
            row.review_status = before.get("review_status")
            row.corrected_value = before.get("corrected_value")
            restored = {"review_status": row.review_status, "corrected_value": row.corrected_value}
        else:  # pragma: no cover - UNDOABLE names only the two above
            raise NotFound("无法撤销这种修改")
        row.version += 1
        session.add(row)
        recorded = _record(
            session,
            user=name,
            entity=event.entity,
            entity_id=event.entity_id,
            action="undo",
            before=now,
            after={**restored, "undone": describe(event), "event": event.id},
            comment=None,
        )
        return Change(event.entity, event.entity_id, row.version, recorded)
