"""Versions of a document inside one submission, the evaluators' work that follows a new version,
and the one-off repair of stores where the old rule (same file name) made one city's report a
"version" of another city's.

A new file is a version of an earlier one only when both are confirmed and agree on issuer,
year, period and kind; among those candidates the most similar file name (version noise such as
`_final`, `(1)`, `修改稿` ignored, the numbers in the name equal) decides which one it replaces.
Design notes: docs/versions.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher

from sqlalchemy import Engine, delete
from sqlmodel import Session, select

from extract.vocabulary import KIND_LABELS, PERIOD_LABELS
from models.db import write_scope
from models.tables import Application, ApplicationTag, Document, Passage, ReviewEvent
from models.tables import Figure as FigureRow

SYSTEM = "system"  # the audit's user for what the program did on its own
SIMILAR_NAMES = 0.6  # below this, two names in one submission are two documents
KEY_FIELDS = ("city", "year", "period", "kind")

Key = tuple[str | None, int | None, str | None, str | None]

_EXTENSION_RE = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_NOISE_RE = re.compile(
    r"[（(]\s*\d{1,2}\s*[)）]"  # 文件(1).docx, as mail clients and downloads rename copies
    r"|[（(【\[]?(?:最终版?|终稿|定稿|修改稿?|修订稿?|修订版?|送审稿|报送稿|正式版|新版|副本)[)）】\]]?"
    r"|[_\-\s]*(?:final|copy|new|v\d{1,2})\b",
    re.IGNORECASE,
)
_SPACE_RE = re.compile(r"[\s_\-—.·,，、]+")


def name_key(name: str) -> str:
    """A file name as compared for versions: NFKC, lower case, no extension, no version noise."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = _EXTENSION_RE.sub("", text)
    text = _NOISE_RE.sub("", text)
    return _SPACE_RE.sub("", text)


def name_similarity(a: str, b: str) -> float:
    """1.0 for the same name up to version noise; 0.0 when the numbers in the names differ
    (附件1 and 附件2 are two attachments, not two versions); else the ratio of common text."""
    ka, kb = name_key(a), name_key(b)
    if ka == kb:
        return 1.0
    if re.findall(r"\d+", ka) != re.findall(r"\d+", kb):
        return 0.0
    return SequenceMatcher(None, ka, kb).ratio()


def normal_text(text: str) -> str:
    """A passage's text as compared across versions: NFKC, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def key_of(doc: Document) -> Key:
    return (doc.city, doc.year, doc.period, doc.kind)


def complete(key: Key) -> bool:
    """Issuer and year known (the period may be None: a budget has none)."""
    return bool(key[0]) and key[1] is not None and bool(key[3])


def find_previous(
    session: Session, *, name: str, key: Key, confirmed: bool, exclude_sha: str | None = None
) -> Document | None:
    """The current document the new file replaces, or None.

    Only a confirmed new file with a known issuer and year can be a version. A candidate is a
    current, confirmed document whose issuer, year, period and kind equal the new file's, either
    as they stand now or as extraction recognised them (an evaluator's correction of v1 is
    carried to v2, which extraction reads the same way as v1). Among candidates with similar
    names the most similar wins; the newest on a tie."""
    if not confirmed or not complete(key):
        return None
    for _ in range(3):
        found = _best_candidate(session, name, key, exclude_sha)
        if found is None:
            return None
        # Locked (PostgreSQL), then checked: a concurrent ingest may have replaced it meanwhile.
        row = session.exec(select(Document).where(Document.id == found).with_for_update()).one()
        session.refresh(row)
        if row.is_current:
            return row
    return None


def _best_candidate(session: Session, name: str, key: Key, exclude_sha: str | None) -> int | None:
    # Only the columns compared: a document row also holds its whole block structure.
    rows = session.exec(
        select(
            Document.id,
            Document.name,
            Document.sha256,
            Document.city,
            Document.year,
            Document.period,
            Document.kind,
            Document.recognised,
        ).where(Document.is_current, Document.status == "ok", Document.confirmed)
    ).all()
    best: tuple[float, int] | None = None
    for doc_id, doc_name, sha, city, year, period, kind, recognised in rows:
        if sha == exclude_sha:
            continue
        seen = recognised or {}
        was = (seen.get("city"), seen.get("year"), seen.get("period"), seen.get("kind"))
        if (city, year, period, kind) != key and (not seen or was != key):
            continue
        score = name_similarity(name, doc_name)
        if score < SIMILAR_NAMES:
            continue
        if best is None or (score, doc_id) > best:
            best = (score, doc_id)
    return best[1] if best else None


# --- carrying reviews forward --------------------------------------------------------------------


@dataclass
class Carried:
    """What followed a new version from the previous one, and what could not."""

    carried: int = 0
    not_carried: list[dict] = field(default_factory=list)  # {entity, id, what, reason}


def _event(session: Session, user: str, entity: str, entity_id: int, before, after, note: str):
    session.add(
        ReviewEvent(
            user=user,
            entity=entity,
            entity_id=entity_id,
            action="carried_forward",
            before=before,
            after=after,
            comment=note,
        )
    )


def _short(text: str, n: int = 24) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n] + "…"


def carried_metadata(old: Document) -> dict:
    """The previous version's city, year, period and kind as they stand (confirmed)."""
    return {k: getattr(old, k) for k in KEY_FIELDS}


def carry_forward(session: Session, old: Document, new: Document, user: str) -> Carried:
    """Copies the evaluators' work on `old` to `new` (both in `session`, `new` written with its
    passages, figures and cases), one audit event per item; returns what could not be matched.
    `old` keeps everything it has."""
    user = user or SYSTEM
    note = f"从第 {old.version} 版（文件 {old.id}）带入"
    result = Carried()
    new_passages = session.exec(select(Passage).where(Passage.document_id == new.id)).all()
    old_passages = session.exec(select(Passage).where(Passage.document_id == old.id)).all()
    by_text: dict[str, list[Passage]] = defaultdict(list)
    for p in new_passages:
        by_text[normal_text(p.text)].append(p)

    for p in old_passages:
        if p.reviewed_area is None:
            continue
        targets = by_text.get(normal_text(p.text), [])
        if not targets:
            result.not_carried.append(
                {
                    "entity": "passage",
                    "id": p.id,
                    "what": f"段落“{_short(p.text)}”的领域（{p.reviewed_area}）",
                    "reason": "新版本中没有文字相同的段落",
                }
            )
            continue
        for target in targets:
            if target.reviewed_area is not None:
                continue
            target.reviewed_area = p.reviewed_area
            session.add(target)
            _event(
                session,
                user,
                "passage",
                target.id,
                {"reviewed_area": None, "predicted_area": target.area},
                {"reviewed_area": p.reviewed_area, "predicted_area": target.area, "from": p.id},
                note,
            )
            result.carried += 1

    _carry_figures(session, old_passages, new_passages, user, note, result)
    _carry_applications(session, old, new, user, note, result)
    return result


def _figure_keys(session: Session, passages: list[Passage]) -> dict[tuple, FigureRow]:
    """Each figure by (passage text, raw text, n-th such figure in the passage)."""
    text_of = {p.id: normal_text(p.text) for p in passages}
    if not text_of:
        return {}
    figures = session.exec(
        select(FigureRow)
        .where(FigureRow.passage_id.in_(list(text_of)))
        .order_by(FigureRow.passage_id, FigureRow.start, FigureRow.id)
    ).all()
    out: dict[tuple, FigureRow] = {}
    seen: dict[tuple, int] = defaultdict(int)
    for f in figures:
        base = (f.passage_id, f.raw)
        n = seen[base]
        seen[base] += 1
        out.setdefault((text_of[f.passage_id], f.raw, n), f)
    return out


def _carry_figures(session, old_passages, new_passages, user, note, result: Carried) -> None:
    old_figures = _figure_keys(session, old_passages)
    if not any(f.review_status for f in old_figures.values()):
        return
    new_figures = _figure_keys(session, new_passages)
    for key, f in old_figures.items():
        if not f.review_status:
            continue
        target = new_figures.get(key)
        if target is None:
            result.not_carried.append(
                {
                    "entity": "figure",
                    "id": f.id,
                    "what": f"数据“{f.raw}”的审核（{f.review_status}）",
                    "reason": "新版本中没有同一段落里的同一数据",
                }
            )
            continue
        if target.review_status:
            continue
        target.review_status, target.corrected_value = f.review_status, f.corrected_value
        session.add(target)
        _event(
            session,
            user,
            "figure",
            target.id,
            {"review_status": None, "corrected_value": None},
            {
                "review_status": f.review_status,
                "corrected_value": f.corrected_value,
                "value": target.value,
                "unit": target.unit,
                "from": f.id,
            },
            note,
        )
        result.carried += 1


def _title_key(title: str) -> str:
    return normal_text(title)


def _carry_applications(session, old: Document, new: Document, user, note, result) -> None:
    old_apps = session.exec(
        select(Application).where(Application.document_id == old.id).order_by(Application.id)
    ).all()
    if not old_apps:
        return
    tags_of: dict[int, list[ApplicationTag]] = defaultdict(list)
    for t in session.exec(
        select(ApplicationTag).where(ApplicationTag.application_id.in_([a.id for a in old_apps]))
    ):
        tags_of[t.application_id].append(t)
    new_apps = session.exec(
        select(Application).where(Application.document_id == new.id).order_by(Application.id)
    ).all()
    by_title: dict[str, list[Application]] = defaultdict(list)
    for a in new_apps:
        by_title[_title_key(a.title)].append(a)
    for a in old_apps:
        tags = sorted(t.tag for t in tags_of[a.id] if t.source == "evaluator")
        if not tags and not a.outstanding:
            continue
        candidates = by_title.get(_title_key(a.title))
        if not candidates:
            what = "、".join(
                x
                for x in (
                    "评估人员设定的标签" if tags else "",
                    "优秀应用标记" if a.outstanding else "",
                )
                if x
            )
            result.not_carried.append(
                {
                    "entity": "application",
                    "id": a.id,
                    "what": f"典型应用“{_short(a.title)}”的{what}",
                    "reason": "新版本中没有标题相同的案例",
                }
            )
            continue
        target = candidates.pop(0)  # a title twice: the n-th takes the n-th
        before = {
            "tags": sorted(
                t.tag
                for t in session.exec(
                    select(ApplicationTag).where(ApplicationTag.application_id == target.id)
                )
            ),
            "outstanding": bool(target.outstanding),
        }
        after = {"tags": before["tags"], "outstanding": bool(target.outstanding or a.outstanding)}
        if tags:
            session.exec(delete(ApplicationTag).where(ApplicationTag.application_id == target.id))
            session.flush()
            session.add_all(
                ApplicationTag(application_id=target.id, tag=t, score=1.0, source="evaluator")
                for t in tags
            )
            after["tags"] = tags
            after["source"] = "evaluator"
        target.outstanding = after["outstanding"]
        session.add(target)
        after["from"] = a.id
        _event(session, user, "application", target.id, before, after, note)
        result.carried += 1


# --- the one-off repair ---------------------------------------------------------------------------


@dataclass
class Relink:
    """One document whose version link the repair changed."""

    id: int
    name: str
    city: str | None
    year: int | None
    period: str | None
    kind: str
    before: dict  # previous_id, version, is_current
    after: dict

    def describe(self) -> str:
        """One Chinese line naming the file and what changed."""
        when = f"{self.year or '?'}年{PERIOD_LABELS.get(self.period or '', '')}"
        who = f"{self.city or '未识别'} {when} {KIND_LABELS.get(self.kind, self.kind)}"
        b, a = self.before, self.after
        if a["previous_id"] is None:
            link = "不再是其他文件的新版本"
        else:
            link = f"是文件 {a['previous_id']} 的第 {a['version']} 版"
        was = (
            f"原为文件 {b['previous_id']} 的第 {b['version']} 版"
            if b["previous_id"]
            else f"原为第 {b['version']} 版"
        )
        state = "现行" if a["is_current"] else "已被新版本取代"
        return f"文件 {self.id}《{self.name}》（{who}）：{was}，现{link}，{state}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RepairReport:
    checked: int = 0
    wrong_links: list[int] = field(default_factory=list)  # documents wrongly made versions
    changes: list[Relink] = field(default_factory=list)
    dry_run: bool = False

    def to_dict(self) -> dict:
        return {
            "checked": self.checked,
            "wrong_links": self.wrong_links,
            "changes": [c.to_dict() for c in self.changes],
            "dry_run": self.dry_run,
        }


def _same_submission(a: Document, b: Document) -> bool:
    return a.confirmed and b.confirmed and complete(key_of(a)) and key_of(a) == key_of(b)


def _components(docs: dict[int, Document], starts: list[int]) -> list[list[int]]:
    """The version chains (connected by previous_id) that hold any of `starts`, ids in order."""
    links: dict[int, set[int]] = defaultdict(set)
    for d in docs.values():
        if d.previous_id in docs:
            links[d.id].add(d.previous_id)
            links[d.previous_id].add(d.id)
    seen: set[int] = set()
    out = []
    for start in starts:
        if start in seen:
            continue
        stack, group = [start], []
        while stack:
            i = stack.pop()
            if i in seen:
                continue
            seen.add(i)
            group.append(i)
            stack.extend(links[i] - seen)
        out.append(sorted(group))
    return out


def _rebuild(chain: list[Document]) -> dict[int, dict]:
    """The links the current rule gives a group of documents taken in the order they arrived."""
    current: list[Document] = []
    state: dict[int, dict] = {}
    for d in chain:
        prev = None
        if d.confirmed and complete(key_of(d)):
            scored = [
                (name_similarity(d.name, c.name), c.id, c)
                for c in current
                if _same_submission(d, c)
            ]
            scored = [s for s in scored if s[0] >= SIMILAR_NAMES]
            if scored:
                prev = max(scored, key=lambda s: (s[0], s[1]))[2]
        if prev is not None:
            current.remove(prev)
            state[prev.id]["is_current"] = False
        state[d.id] = {
            "previous_id": prev.id if prev else None,
            "version": state[prev.id]["version"] + 1 if prev else 1,
            "is_current": True,
        }
        current.append(d)
    return state


def repair_versions(engine: Engine, *, dry_run: bool = False, user: str = SYSTEM) -> RepairReport:
    """Finds documents wrongly made versions (issuer, year, period or kind differ from the
    document they replaced, or either was unconfirmed), makes them current again and re-links
    only true versions, in one transaction with an audit event ("repair_version") per changed
    document. Rows, files and reviews are never deleted. `dry_run` reports without writing."""
    report = RepairReport(dry_run=dry_run)
    with write_scope(engine) as session:
        docs = {
            d.id: d
            for d in session.exec(
                select(Document).where(Document.status == "ok").order_by(Document.id)
            ).all()
        }
        report.checked = len(docs)
        for d in docs.values():
            prev = docs.get(d.previous_id) if d.previous_id else None
            if d.previous_id and (prev is None or not _same_submission(d, prev)):
                report.wrong_links.append(d.id)
        for group in _components(docs, report.wrong_links):
            rebuilt = _rebuild([docs[i] for i in group])
            for i in group:
                d = docs[i]
                before = {
                    "previous_id": d.previous_id,
                    "version": d.version,
                    "is_current": d.is_current,
                }
                after = rebuilt[i]
                if before == after:
                    continue
                report.changes.append(
                    Relink(d.id, d.name, d.city, d.year, d.period, d.kind, before, after)
                )
                if dry_run:
                    continue
                d.previous_id, d.version, d.is_current = (
                    after["previous_id"],
                    after["version"],
                    after["is_current"],
                )
                session.add(d)
                session.add(
                    ReviewEvent(
                        user=user or SYSTEM,
                        entity="document",
                        entity_id=d.id,
                        action="repair_version",
                        before=before,
                        after=after,
                        comment="版本关系修复：只有同一发文单位、年份、时段和类型的文件才是新版本",
                    )
                )
        if dry_run:
            session.rollback()
    return report
