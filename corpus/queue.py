"""The review desk's queue: what waits for an evaluator, confirming the model's answer in one
step (alone or a page at a time), and undoing one's own last change.

The queue is the passages of current documents that the model marked for review and no
evaluator has reviewed, oldest document first (the order they were handed in), plus the
documents whose city, year or period is still unknown; and, since the store has no "awaiting
review" mark for them, figures and tags by a stated rule on what the store holds:
- a figure waits when it measures a catalogue indicator in a current progress report (so it can
  decide a scorecard line), no evaluator has accepted, rejected or corrected it, and its date
  is only assumed from the submission (or unknown): the text gave none;
- a typical application's tags wait when only the model set them and one scored below
  TAG_SURE.
Confirming is one click: accepting the figure as read, or making the model's tags the
evaluator's (corpus.review.set_app_tags).

Every change goes through corpus.review's one edit path (version check, audit event in the
same transaction); undo is itself an audited change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from models.db import write_scope
from models.tables import Application, ApplicationTag, Document, Passage, ReviewEvent
from models.tables import Figure as FigureRow

from .figures import SCORED_KINDS, StoredFigure, _stored, stored_figure_columns
from .review import (
    Actor,
    Change,
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
    conflict,
    count_queue,
    describe,
)

PAGE_SIZE = 20
QUEUE_SORTS = {
    "oldest": (Document.ingested_at,),  # the order the documents were handed in
    "unsure": (func.coalesce(Passage.area_confidence, 0.0),),  # where the model is weakest
    "city": (Document.city, Document.year, Document.period),
}


@dataclass
class QueuePage:
    """One page of the queue: its passages, the total waiting, and where the page stands."""

    items: list[PassageView]
    total: int
    page: int
    pages: int
    documents: list[dict] = field(default_factory=list)  # city/year/period still unknown
    figures: list[StoredFigure] = field(default_factory=list)  # the first waiting figures
    figures_total: int = 0
    tags: list[dict] = field(default_factory=list)  # the first cases whose tags wait
    tags_total: int = 0


def queue_page(
    engine: Engine,
    *,
    city: str | None = None,
    year: int | None = None,
    period: str | None = None,
    page: int = 1,
    size: int = PAGE_SIZE,
    sort: str = "oldest",
) -> QueuePage:
    """A page of waiting passages, oldest document first and in reading order within it; or
    (`sort`, see QUEUE_SORTS) the least confident first, or by submission."""
    size = max(1, min(size, 200))
    with Session(engine) as session:
        total = session.exec(_waiting(select(func.count(Passage.id)), city, year, period)).one()
        pages = max(1, -(-total // size))
        page = max(1, min(page, pages))
        rows = session.exec(
            _waiting(select(Passage, Document), city, year, period)
            .order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["oldest"]), Document.id, Passage.order)
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
    figures, figures_total = waiting_figures(engine, city=city, year=year, period=period)
    tags, tags_total = waiting_tags(engine, city=city, year=year, period=period)
    return QueuePage(
        [_view(p, d) for p, d in rows],
        total,
        page,
        pages,
        documents,
        figures,
        figures_total,
        tags,
        tags_total,
    )


TAG_SURE = 0.6  # a model tag scored below this is a guess worth an evaluator's look
SIDE_LIMIT = 50  # figures and cases shown at once; the counts say how many wait in all


def _submission(query, city: str | None, year: int | None, period: str | None):
    query = query.where(Document.is_current, Document.status == "ok")
    if city:
        query = query.where(Document.city == city)
    if year:
        query = query.where(Document.year == year)
    if period:
        query = query.where(Document.period == period)
    return query


def _figures_waiting(query, city, year, period):
    query = query.join(Passage, Passage.id == FigureRow.passage_id).join(
        Document, Document.id == Passage.document_id
    )
    query = _submission(query, city, year, period).where(Document.kind.in_(SCORED_KINDS))
    return query.where(
        FigureRow.indicator.is_not(None),
        FigureRow.review_status.is_(None),
        FigureRow.as_of.is_(None) | (FigureRow.as_of_source == "submission"),
    )


def waiting_figures(
    engine: Engine,
    *,
    city: str | None = None,
    year: int | None = None,
    period: str | None = None,
    limit: int = SIDE_LIMIT,
) -> tuple[list[StoredFigure], int]:
    """Indicator figures whose date the text did not give and no evaluator has looked at,
    oldest document first; and how many there are."""
    with Session(engine) as session:
        total = session.exec(
            _figures_waiting(select(func.count(FigureRow.id)), city, year, period)
        ).one()
        rows = session.exec(
            _figures_waiting(select(FigureRow, Passage, Document), city, year, period)
            .options(*stored_figure_columns())
            .order_by(Document.ingested_at, Document.id, Passage.order, FigureRow.start)
            .order_by(FigureRow.id)
            .limit(max(0, limit))
        ).all()
        return [_stored(f, p, d) for f, p, d in rows], total


def _tags_waiting(query, city, year, period):
    """Cases of current documents with a model tag scored below TAG_SURE and no evaluator tag."""
    unsure = select(ApplicationTag.application_id).where(
        ApplicationTag.source == "model", ApplicationTag.score < TAG_SURE
    )
    reviewed = select(ApplicationTag.application_id).where(ApplicationTag.source == "evaluator")
    query = query.join(Document, Document.id == Application.document_id)
    return _submission(query, city, year, period).where(
        Application.id.in_(unsure), Application.id.not_in(reviewed)
    )


def waiting_tags(
    engine: Engine,
    *,
    city: str | None = None,
    year: int | None = None,
    period: str | None = None,
    limit: int = SIDE_LIMIT,
) -> tuple[list[dict], int]:
    """Typical applications whose model tags are unsure, oldest document first, with their
    tags (best first); and how many there are."""
    with Session(engine) as session:
        total = session.exec(
            _tags_waiting(select(func.count(Application.id)), city, year, period)
        ).one()
        apps = session.exec(
            _tags_waiting(
                select(
                    Application.id,
                    Application.title,
                    Application.version,
                    Document.id,
                    Document.name,
                    Document.city,
                    Document.year,
                    Document.period,
                ),
                city,
                year,
                period,
            )
            .order_by(Document.ingested_at, Document.id, Application.id)
            .limit(max(0, limit))
        ).all()
        tags: dict[int, list] = {}
        if apps:
            for app_id, tag, score in session.exec(
                select(ApplicationTag.application_id, ApplicationTag.tag, ApplicationTag.score)
                .where(ApplicationTag.application_id.in_([a[0] for a in apps]))
                .order_by(ApplicationTag.score.desc(), ApplicationTag.id)
            ).all():
                tags.setdefault(app_id, []).append({"tag": tag, "score": score})
    return [
        {
            "id": a[0],
            "title": a[1],
            "version": a[2],
            "document_id": a[3],
            "document": a[4],
            "city": a[5],
            "year": a[6],
            "period": a[7],
            "tags": tags.get(a[0], []),
        }
        for a in apps
    ], total


def queue_counts(engine: Engine) -> dict[tuple[str, int, str], int]:
    """What waits per submission (city, year, period): passages, figures and cases whose tags
    wait, for the home grid; three grouped queries."""
    submission = (Document.city, Document.year, Document.period)
    queries = [
        _waiting(select(*submission, func.count(Passage.id)), None, None, None),
        _figures_waiting(select(*submission, func.count(FigureRow.id)), None, None, None),
        _tags_waiting(select(*submission, func.count(Application.id)), None, None, None),
    ]
    counts: dict[tuple[str, int, str], int] = {}
    with Session(engine) as session:
        for query in queries:
            for c, y, p, n in session.exec(query.group_by(*submission)).all():
                if c and y and p:
                    counts[(c, y, p)] = counts.get((c, y, p), 0) + n
    return counts


def count_waiting(engine: Engine) -> int:
    """Everything waiting: passages, figures and cases whose tags wait."""
    return (
        count_queue(engine) + waiting_figures(engine, limit=0)[1] + waiting_tags(engine, limit=0)[1]
    )


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
            raise conflict(session, event.entity, row, None, "该项在您修改之后{who}，不能撤销")
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
