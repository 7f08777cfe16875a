"""What the store holds: cities × periods, document counts, failures, documents to check."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, case, func
from sqlmodel import Session, select

from extract.vocabulary import SOURCE_LABELS
from models.tables import Document, Passage

from .store import StoreCorrupt, corrupt_message


def sources_of(evidence: dict, fields) -> dict[str, list[str]]:
    """For each field, where its value was read, as evaluators read it: "标题：杭州市…"."""
    return {
        key: [
            f"{SOURCE_LABELS.get(e.get('source'), e.get('source'))}：{e.get('text') or e.get('value')}"
            for e in evidence.get(key, [])
        ]
        for key in fields
    }


@dataclass
class StoreStatus:
    cells: list[dict] = field(
        default_factory=list
    )  # city, year, period, documents, pages, passages
    failed: list[dict] = field(default_factory=list)
    # Confirmed, but under no half-year/full-year submission (a budget, a plan: no period).
    unassigned: list[dict] = field(default_factory=list)
    # Current documents waiting for an evaluator to confirm city, year, period or kind: id,
    # name, the suggested values, `reasons` (field → Chinese reason) and `sources` (field →
    # "标题：…" lines naming where each value was read).
    unconfirmed: list[dict] = field(default_factory=list)
    # New versions with reviews of the previous version that could not be carried over.
    not_carried: list[dict] = field(default_factory=list)
    documents: int = 0
    passages: int = 0

    def to_dict(self) -> dict:
        return self.__dict__


def quick_check(engine: Engine) -> list[str]:
    """SQLite's quick integrity check (seconds even for a large file); PostgreSQL checks its own
    pages. Empty when healthy."""
    if engine.dialect.name != "sqlite":
        return []
    with engine.connect() as conn:
        rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check(5)")]
    return [] if rows == ["ok"] else rows


def store_status(engine: Engine) -> StoreStatus:
    """What the store holds; raises StoreCorrupt first when the database file is damaged, so a
    broken store never looks healthy."""

    if problems := quick_check(engine):
        raise StoreCorrupt(f"{corrupt_message(engine.url.database)}（检查结果：{problems[0]}）")
    status = StoreStatus()
    with Session(engine) as session:
        ok = (Document.status == "ok") & Document.is_current
        rows = session.exec(
            select(
                Document.city,
                Document.year,
                Document.period,
                func.count(Document.id),
                func.coalesce(func.sum(Document.pages), 0),
                func.coalesce(func.sum(Document.n_passages), 0),
                func.sum(case((Document.confirmed, 0), else_=1)),
            )
            .where(ok, Document.submission_id.is_not(None))
            .group_by(Document.city, Document.year, Document.period)
            .order_by(Document.city, Document.year, Document.period)
        ).all()
        status.cells = [
            {
                "city": c,
                "year": y,
                "period": p,
                "documents": n,
                "pages": pages,
                "passages": passages,
                "unconfirmed": int(unsure or 0),  # shown 待确认: the values are suggestions
            }
            for c, y, p, n, pages, passages, unsure in rows
        ]
        for doc in session.exec(
            select(Document).where(Document.status == "failed").order_by(Document.name)
        ):
            status.failed.append(
                {"id": doc.id, "name": doc.name, "code": doc.error_code, "error": doc.error}
            )
        for doc in session.exec(
            select(Document)
            .where(ok, Document.submission_id.is_(None), Document.confirmed)
            .order_by(Document.name)
        ):
            status.unassigned.append(
                {
                    "id": doc.id,
                    "name": doc.name,
                    "city": doc.city,
                    "year": doc.year,
                    "period": doc.period,
                }
            )
        for doc in session.exec(
            select(Document).where(ok, Document.needs_review).order_by(Document.name, Document.id)
        ):
            status.unconfirmed.append(
                {
                    "id": doc.id,
                    "name": doc.name,
                    "city": doc.city,
                    "year": doc.year,
                    "period": doc.period,
                    "kind": doc.kind,
                    "reasons": dict(doc.unconfirmed or {}),
                    "sources": sources_of(doc.metadata_evidence or {}, doc.unconfirmed or {}),
                }
            )
        versions = select(
            Document.id, Document.name, Document.version, Document.previous_id, Document.not_carried
        ).where(ok, Document.previous_id.is_not(None))
        for doc_id, name, version, previous_id, items in session.exec(
            versions.order_by(Document.id)
        ):
            if items:
                status.not_carried.append(
                    {
                        "id": doc_id,
                        "name": name,
                        "version": version,
                        "previous_id": previous_id,
                        "items": list(items),
                    }
                )
        status.documents = session.exec(select(func.count(Document.id)).where(ok)).one()
        status.passages = session.exec(select(func.count(Passage.id))).one()
    return status
