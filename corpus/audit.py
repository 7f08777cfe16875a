"""The audit in words: every ReviewEvent an evaluator's change (or an account change, an ingest
carrying reviews forward, a version repair) records, as one Chinese line (`describe`), and the
times as evaluators read them (Beijing time). The one place that words the audit: the pages,
the CLI and the queue's undo read it from here. Recording an event (`_record`) lives here too,
so an event and its wording cannot drift apart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta, timezone

from sqlmodel import Session

from classify import SHORT_NAMES
from models.tables import ReviewEvent

from .accounts import ROLES

BEIJING = timezone(timedelta(hours=8), "北京时间")  # evaluators read times in China's time

ENTITIES: dict[str, str] = {
    "passage": "段落",
    "figure": "数据",
    "application": "典型应用",
    "document": "文件",
    "user": "用户",
}


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


def format_time(at: datetime | None) -> str:
    """A stored (UTC) time as evaluators read it: Beijing time, to the minute."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _area_label(area) -> str:
    return "模型判断" if area is None else f"{area} {SHORT_NAMES.get(area, '')}".strip()


def _tag_names(tags: list[str]) -> list[str]:
    from classify.tags import taxonomy

    known = taxonomy()
    return [known[t].name if t in known else t for t in tags]


def _role(role) -> str:
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
