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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

from sqlalchemy import Engine, delete, func
from sqlmodel import Session, select

from classify import AREAS, SHORT_NAMES
from models.db import write_scope
from models.tables import Application, ApplicationTag, Document, Passage, ReviewEvent, User
from models.tables import Figure as FigureRow

from .accounts import UserInfo

ENTITIES: dict[str, str] = {
    "passage": "段落",
    "figure": "数据",
    "application": "典型应用",
    "document": "文件",
    "user": "用户",
}
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
BEIJING = timezone(timedelta(hours=8), "北京时间")  # evaluators read times in China's time

Actor = str | UserInfo


class ReviewError(Exception):
    """A review request that cannot be done; the message says why, in Chinese."""


class NotFound(ReviewError, LookupError):
    """No passage, figure, application or document with that id."""


class InvalidValue(ReviewError, ValueError):
    """An unknown area, action or tag id, a missing corrected value, an empty comment."""


class Forbidden(ReviewError, PermissionError):
    """The user may not change anything (a viewer, or a deactivated account)."""


class Conflict(ReviewError):
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
class Event:
    """One entry of the audit. `summary` is a one-line Chinese description for pages."""

    id: int
    at: datetime
    user: str
    entity: str
    entity_id: int
    action: str
    before: dict | None
    after: dict | None
    comment: str | None
    summary: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Change:
    """The result of an edit: the item's new version (to send with the next edit) and the event
    recorded, or None when the edit changed nothing."""

    entity: str
    entity_id: int
    version: int
    event: Event | None


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


# --- helpers -----------------------------------------------------------------------------------


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


def format_time(at: datetime | None) -> str:
    """A stored (UTC) time as evaluators read it: Beijing time, to the minute."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


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


def _record(
    session: Session,
    *,
    user: str,
    entity: str,
    entity_id: int,
    action: str,
    before: dict | None,
    after: dict | None,
    comment: str | None,
) -> Event:
    row = ReviewEvent(
        user=user,
        entity=entity,
        entity_id=entity_id,
        action=action,
        before=before,
        after=after,
        comment=comment,
    )
    session.add(row)
    session.flush()
    return _event(row)


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


# --- edits -------------------------------------------------------------------------------------


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


# --- reading -----------------------------------------------------------------------------------


def _area_label(area) -> str:
    return "模型判断" if area is None else f"{area} {SHORT_NAMES.get(area, '')}".strip()


def _tag_names(tags: list[str]) -> list[str]:
    from classify.tags import taxonomy

    known = taxonomy()
    return [known[t].name if t in known else t for t in tags]


def _role(role) -> str:
    from .accounts import ROLES

    return ROLES.get(role, role or "未知角色")


def _who(after: dict) -> str:
    """' 名字' when the event names the user (events recorded since issue 19 do)."""
    return f" {after['name']} " if after.get("name") else ""


def _num(value) -> str:
    return "" if value is None else f"{value:g}"


def describe(event: ReviewEvent | Event) -> str:
    """A one-line Chinese description of an event, for the audit pages and the CLI."""
    b, a = event.before or {}, event.after or {}
    match event.entity, event.action:
        case "passage", "set_area":
            old = b.get("reviewed_area")
            if old is None:
                old = b.get("predicted_area")
            new = a.get("reviewed_area")
            if new is None:
                return f"领域改回模型判断（{_area_label(a.get('predicted_area'))}）"
            if new == old:
                return f"确认领域：{_area_label(new)}"
            return f"领域：{_area_label(old)} → {_area_label(new)}"
        case "figure", "accept":
            return f"确认数据 {_num(a.get('value'))}{a.get('unit') or ''}"
        case "figure", "reject":
            return f"否决数据 {_num(a.get('value'))}{a.get('unit') or ''}"
        case "figure", "correct":
            old = b.get("corrected_value")
            old = a.get("value") if old is None else old
            return f"更正数值：{_num(old)} → {_num(a.get('corrected_value'))}{a.get('unit') or ''}"
        case "figure", "set_role":  # corpus.figure_review (issue 13)
            from extract.vocabulary import ROLE_LABELS

            def role(r):
                return ROLE_LABELS.get(r or "", r or "未定")

            return f"数据“{a.get('raw')}”类型：{role(b.get('role'))} → {role(a.get('role'))}"
        case "figure", "set_headline":
            return f"选定“{a.get('headline')}”为该指标本期报告值"
        case "figure", "clear_headline":
            return f"取消选定的报告值“{b.get('headline') or ''}”，按规则选取"
        case "application", "set_tags":
            old, new = set(b.get("tags") or []), set(a.get("tags") or [])
            if not new:
                return "清空标签"
            parts = [f"+{n}" for n in _tag_names(sorted(new - old))]
            parts += [f"−{n}" for n in _tag_names(sorted(old - new))]
            return "标签：" + (
                " ".join(parts) if parts else "确认为 " + "、".join(_tag_names(sorted(new)))
            )
        case "application", "set_outstanding":
            return "标为优秀应用" if a.get("outstanding") else "取消优秀应用"
        case "user", "create":
            return f"创建用户{_who(a)}（{_role(a.get('role'))}）"
        case "user", "set_role":
            return f"用户{_who(a)}的角色：{_role(b.get('role'))} → {_role(a.get('role'))}"
        case "user", "set_password":
            return f"修改用户{_who(a)}的密码"
        case "user", "deactivate":
            return f"停用用户{_who(a)}"
        case "user", "activate":
            return f"启用用户{_who(a)}"
        case "document", "retire":
            return "撤回文件（不再计入检索、报送情况和城市视图）"
        case "document", "restore":
            return "恢复已撤回的文件"
        case _, "undo":
            return f"撤销自己的上一次修改（{a.get('undone') or ''}）"
        case "document", "set_metadata" | "confirm":
            changed = [
                f"{label}：{_meta_label(key, b.get(key))} → {_meta_label(key, a.get(key))}"
                for key, label in _META_LABELS
                if key in a and b.get(key) != a.get(key)
            ]
            return "；".join(changed) or "确认发文单位、年份、时段和类型"
        case "document", "carried_forward":
            changed = [
                f"{label}：{_meta_label(key, a.get(key))}"
                for key, label in _META_LABELS
                if b.get(key) != a.get(key)
            ]
            return "从上一版带入评估人员确认的" + ("；".join(changed) or "信息")
        case "document", "repair_version":
            if a.get("previous_id") is None:
                return "版本关系修复：不再是其他文件的新版本，恢复为现行文件"
            return f"版本关系修复：为文件 {a.get('previous_id')} 的第 {a.get('version')} 版"
        case "passage", "carried_forward":
            return f"从上一版带入领域：{_area_label(a.get('reviewed_area'))}"
        case "figure", "carried_forward":
            what = {"accepted": "确认", "rejected": "否决", "corrected": "更正"}.get(
                a.get("review_status"), ""
            )
            return f"从上一版带入数据审核：{what} {_num(a.get('value'))}{a.get('unit') or ''}"
        case "application", "carried_forward":
            parts = []
            if a.get("source") == "evaluator":
                parts.append("标签 " + "、".join(_tag_names(a.get("tags") or [])))
            if a.get("outstanding") and not b.get("outstanding"):
                parts.append("优秀应用标记")
            return "从上一版带入" + ("；".join(parts) or "评审")
        case _, "comment":
            return "评论"
    return event.action


_META_LABELS = (("city", "发文单位"), ("year", "年份"), ("period", "时段"), ("kind", "类型"))


def _meta_label(key: str, value) -> str:
    from extract.vocabulary import KIND_LABELS, PERIOD_LABELS

    if value in (None, ""):
        return "未识别"
    if key == "period":
        return PERIOD_LABELS.get(value, str(value))
    if key == "kind":
        return KIND_LABELS.get(value, str(value))
    if key == "confirmed":
        return "已确认" if value else "待确认"
    return str(value)


def _event(row: ReviewEvent) -> Event:
    return Event(
        id=row.id,
        at=row.at,
        user=row.user,
        entity=row.entity,
        entity_id=row.entity_id,
        action=row.action,
        before=row.before,
        after=row.after,
        comment=row.comment,
        summary=describe(row),
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


EVENT_SORTS = {
    "at": (ReviewEvent.id,),
    "user": (ReviewEvent.user,),
    "entity": (ReviewEvent.entity, ReviewEvent.entity_id),
}


def _event_order(sort: str) -> list:
    key = sort.removeprefix("-")
    if key not in EVENT_SORTS:
        key, sort = "at", "-at"
    columns = EVENT_SORTS[key]
    return [c.desc() for c in columns] if sort.startswith("-") else list(columns)


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
    )


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
    from .figures import FigureFilters, list_figures

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
