"""Evaluators' review: what they change, checked against what they saw, and the audit of it.

Every change is one transaction that also records a ReviewEvent (who, when, before, after,
comment), so the audit can never miss a change nor record one that did not happen. Each edited
row carries a version; an edit names the version the evaluator saw (`expected_version`), and if
someone else changed the row in the meantime the edit is refused with `Conflict`, which says who
changed it and when. Nothing an evaluator entered is overwritten without them being told.

Review writes only the evaluators' columns (Passage.reviewed_area, Figure.review_status and
corrected_value, Application.outstanding, tags with source "evaluator"); ingest never writes
those, and review never writes what ingest found.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, delete
from sqlmodel import Session, select

from classify import AREAS
from models.db import write_scope
from models.tables import Application, ApplicationTag, Document, Passage, ReviewEvent, User
from models.tables import Figure as FigureRow

from .. import errors
from ..accounts import UserInfo
from ..audit import ENTITIES, Event, _record, format_time

_TABLES = {
    "passage": Passage,
    "figure": FigureRow,
    "application": Application,
    "document": Document,
    "user": User,
}


# The column that locks an edit: `version`, except for a document, whose `version` is the
# file's version number (v1, v2 of a submission) and whose edits are counted in `revision`.
_LOCK = {"document": "revision"}


FIGURE_ACTIONS: dict[str, str] = {"accept": "确认", "reject": "否决", "correct": "更正"}


MAX_COMMENT = 5000


Actor = str | UserInfo


class ReviewError(errors.CorpusError):
    """A review request that cannot be done; the message says why, in Chinese."""


class NotFound(ReviewError, errors.NotFound):
    """No passage, figure, application or document with that id."""


class InvalidValue(ReviewError, errors.Invalid):
    """An unknown area, action or tag id, a missing corrected value, an empty comment."""


class Forbidden(ReviewError, errors.Forbidden):
    """The user may not change anything (a viewer, or a deactivated account)."""


class Conflict(ReviewError, errors.Conflict):
    """Someone changed the item after the evaluator loaded it; nothing was written."""

    def __init__(
        self,
        message: str,
        *,
        entity: str,
        entity_id: int,
        expected_version: int | None,  # None: the form sent the values it showed, not a version
        current_version: int,
        by: str | None,
        at: datetime | None,
    ) -> None:
        super().__init__(message)
        self.entity = entity
        self.entity_id = entity_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.by = by
        self.at = at


@dataclass
class Change:
    """The result of an edit: the item's new version (to send with the next edit) and the event
    recorded, or None when the edit changed nothing."""

    entity: str
    entity_id: int
    version: int
    event: Event | None


def actor_name(user: Actor) -> str:
    """The name the audit records. A UserInfo must be allowed to review (admin or evaluator,
    active): the web checks roles on every route, and this is the second lock on the door."""
    if isinstance(user, UserInfo):
        if not user.active:
            raise Forbidden(f"用户 {user.name} 已停用，不能修改")
        if not user.can_review:
            raise Forbidden(f"用户 {user.name} 是只读用户，不能修改")
        return user.name
    name = unicodedata.normalize("NFC", str(user or "")).strip()
    if not name:
        raise Forbidden("修改必须注明修改人")
    return name


def _clean_comment(comment: str | None) -> str | None:
    if comment is None:
        return None
    comment = unicodedata.normalize("NFC", comment).strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidValue(f"评论过长（最多 {MAX_COMMENT} 个字符）")
    return comment or None


def _entity(entity: str) -> type:
    if entity not in _TABLES:
        raise InvalidValue(f"未知对象类型：{entity}（可选：{'、'.join(ENTITIES)}）")
    return _TABLES[entity]


def _locked(session: Session, entity: str, entity_id: int):
    """The row, locked for the rest of the transaction (PostgreSQL; SQLite holds the database
    write lock already), or NotFound."""
    table = _entity(entity)
    row = session.exec(select(table).where(table.id == entity_id).with_for_update()).first()
    if row is None:
        raise NotFound(f"没有编号为 {entity_id} 的{ENTITIES[entity]}")
    return row


def _last_change(session: Session, entity: str, entity_id: int) -> ReviewEvent | None:
    return session.exec(
        select(ReviewEvent)
        .where(
            ReviewEvent.entity == entity,
            ReviewEvent.entity_id == entity_id,
            ReviewEvent.action != "comment",
        )
        .order_by(ReviewEvent.id.desc())
        .limit(1)
    ).first()


def lock_version(entity: str, row) -> int:
    """The version an edit of this row must name."""
    return getattr(row, _LOCK.get(entity, "version"))


def _check_version(session: Session, entity: str, row, expected_version: int | None) -> None:
    current = lock_version(entity, row)
    if expected_version is None or current == expected_version:
        return
    raise conflict(session, entity, row, expected_version)


def conflict(
    session: Session, entity: str, row, expected_version: int | None, what: str | None = None
) -> Conflict:
    """The Conflict for an edit of `row` that someone changed since the evaluator saw it, naming
    the last change's author and time (comments are not changes). `expected_version` None: the
    evaluator's form sent the values it showed, not a version; `what` then says what changed."""
    current = lock_version(entity, row)
    last = _last_change(session, entity, row.id)
    who = f"已被 {last.user} 于 {format_time(last.at)} 修改" if last else "已被他人修改"
    if what is None:
        what = f"该{ENTITIES[entity]}（编号 {row.id}）{who}"
    else:
        what = what.replace("{who}", who)
    seen = f"，您看到的是版本 {expected_version}" if expected_version is not None else ""
    return Conflict(
        f"{what}（当前版本 {current}{seen}）。您的修改没有保存，请刷新页面查看最新内容后再修改。",
        entity=entity,
        entity_id=row.id,
        expected_version=expected_version,
        current_version=current,
        by=last.user if last else None,
        at=last.at if last else None,
    )


def _edit(
    engine: Engine,
    entity: str,
    entity_id: int,
    *,
    user: Actor,
    expected_version: int | None,
    action: str | Callable[[dict, dict], str],
    comment: str | None,
    apply: Callable[[Session, Any], tuple[dict, dict]],
) -> Change:
    """The one path of every edit: lock the row, check its version, let `apply(session, row)`
    change it and return (before, after), bump the version and record the event, all in one
    transaction. An edit that changes nothing records nothing (unless it carries a comment,
    which is then recorded as a comment). `expected_version` None: `apply` checks what the
    evaluator saw itself (a document's form sends the values it showed) and raises Conflict.
    `action` may be a function of (before, after) naming the change."""
    name = actor_name(user)
    comment = _clean_comment(comment)
    with write_scope(engine) as session:
        row = _locked(session, entity, entity_id)
        _check_version(session, entity, row, expected_version)
        before, after = apply(session, row)
        if before == after:
            event = None
            if comment:
                event = _record(
                    session,
                    user=name,
                    entity=entity,
                    entity_id=entity_id,
                    action="comment",
                    before=None,
                    after=None,
                    comment=comment,
                )
            return Change(entity, entity_id, lock_version(entity, row), event)
        lock = _LOCK.get(entity, "version")
        setattr(row, lock, getattr(row, lock) + 1)
        session.add(row)
        event = _record(
            session,
            user=name,
            entity=entity,
            entity_id=entity_id,
            action=action(before, after) if callable(action) else action,
            before=before,
            after=after,
            comment=comment,
        )
        return Change(entity, entity_id, lock_version(entity, row), event)


def set_passage_area(
    engine: Engine,
    passage_id: int,
    area: int | None,
    *,
    user: Actor,
    expected_version: int,
    comment: str | None = None,
) -> Change:
    """The evaluator's area for a passage (0–6), or None to go back to the model's. Used from
    then on wherever areas count (matrix, search filter) and by `infocity train`."""
    if area is not None and area not in AREAS:
        raise InvalidValue(f"未知领域：{area}（可选 0–6）")

    def apply(session: Session, row: Passage):
        before = {"reviewed_area": row.reviewed_area, "predicted_area": row.area}
        row.reviewed_area = area
        return before, {"reviewed_area": area, "predicted_area": row.area}

    return _edit(
        engine,
        "passage",
        passage_id,
        user=user,
        expected_version=expected_version,
        action="set_area",
        comment=comment,
        apply=apply,
    )


def review_figure(
    engine: Engine,
    figure_id: int,
    action: Literal["accept", "reject", "correct"],
    *,
    user: Actor,
    expected_version: int,
    corrected_value: float | None = None,
    comment: str | None = None,
) -> Change:
    """Accept a figure as read, reject it (misread, or not a figure of this report), or
    correct its value (in the figure's own unit). A rejected figure no longer counts in
    scorecards; a corrected one counts with the corrected value."""
    if action not in FIGURE_ACTIONS:
        raise InvalidValue(f"未知操作：{action}（可选：accept 确认、reject 否决、correct 更正）")
    if action == "correct":
        if corrected_value is None:
            raise InvalidValue("更正数据时必须给出正确的数值")
        try:
            corrected_value = float(corrected_value)
        except (TypeError, ValueError) as exc:
            raise InvalidValue(f"不是有效的数值：{corrected_value}") from exc
        if corrected_value != corrected_value or corrected_value in (float("inf"), float("-inf")):
            raise InvalidValue("不是有效的数值")
    else:
        corrected_value = None

    def apply(session: Session, row: FigureRow):
        before = {"review_status": row.review_status, "corrected_value": row.corrected_value}
        row.review_status = {"accept": "accepted", "reject": "rejected", "correct": "corrected"}[
            action
        ]
        row.corrected_value = corrected_value
        after = {"review_status": row.review_status, "corrected_value": row.corrected_value}
        if before != after:
            before["value"] = after["value"] = row.value
            before["unit"] = after["unit"] = row.unit
        return before, after

    return _edit(
        engine,
        "figure",
        figure_id,
        user=user,
        expected_version=expected_version,
        action=action,
        comment=comment,
        apply=apply,
    )


def set_app_tags(
    engine: Engine,
    app_id: int,
    tags: list[str],
    *,
    user: Actor,
    expected_version: int,
    comment: str | None = None,
) -> Change:
    """The given tags become the case's tags, all with source "evaluator": an evaluator who
    tags a case has said which tags apply, and `infocity train` learns from exactly that."""
    from classify.tags import taxonomy

    known = taxonomy()
    wanted = list(dict.fromkeys(t.strip() for t in tags if t and t.strip()))
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise InvalidValue(f"未知标签：{'、'.join(unknown)}")

    def apply(session: Session, row: Application):
        current = session.exec(
            select(ApplicationTag)
            .where(ApplicationTag.application_id == row.id)
            .order_by(ApplicationTag.id)
        ).all()
        before = {"tags": sorted(t.tag for t in current), "source": _sources(current)}
        after = {"tags": sorted(wanted), "source": "evaluator" if wanted else None}
        if before == after:
            return before, after
        session.exec(delete(ApplicationTag).where(ApplicationTag.application_id == row.id))
        session.flush()
        for tag in wanted:
            session.add(
                ApplicationTag(application_id=row.id, tag=tag, score=1.0, source="evaluator")
            )
        return before, after

    return _edit(
        engine,
        "application",
        app_id,
        user=user,
        expected_version=expected_version,
        action="set_tags",
        comment=comment,
        apply=apply,
    )


def _sources(tags: list[ApplicationTag]) -> str | None:
    """Who set the tags: "model", "evaluator", "mixed", or None for a case without tags."""
    sources = {t.source for t in tags}
    if len(sources) > 1:
        return "mixed"
    return sources.pop() if sources else None


def set_outstanding(
    engine: Engine,
    app_id: int,
    value: bool,
    *,
    user: Actor,
    expected_version: int,
    comment: str | None = None,
) -> Change:
    """Marks (or unmarks) a case as an outstanding application (优秀应用) for the annual
    assessment."""

    def apply(session: Session, row: Application):
        before = {"outstanding": bool(row.outstanding)}
        row.outstanding = bool(value)
        return before, {"outstanding": bool(value)}

    return _edit(
        engine,
        "application",
        app_id,
        user=user,
        expected_version=expected_version,
        action="set_outstanding",
        comment=comment,
        apply=apply,
    )


def add_comment(engine: Engine, entity: str, entity_id: int, text: str, *, user: Actor) -> Event:
    """A comment on a passage, figure, application or document. Comments change nothing, so
    they need no version and never conflict."""
    name = actor_name(user)
    if entity == "user":
        raise InvalidValue("不能评论用户")
    text = _clean_comment(text)
    if not text:
        raise InvalidValue("评论不能为空")
    with write_scope(engine) as session:
        table = _entity(entity)
        if session.get(table, entity_id) is None:
            raise NotFound(f"没有编号为 {entity_id} 的{ENTITIES[entity]}")
        return _record(
            session,
            user=name,
            entity=entity,
            entity_id=entity_id,
            action="comment",
            before=None,
            after=None,
            comment=text,
        )
