"""What the store holds: cities × periods, document counts, failures, documents to check."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from models.tables import Document, Passage


@dataclass
class StoreStatus:
    cells: list[dict] = field(
        default_factory=list
    )  # city, year, period, documents, pages, passages
    failed: list[dict] = field(default_factory=list)
    unassigned: list[dict] = field(default_factory=list)  # stored, city or period unknown
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
    from .store import StoreCorrupt, corrupt_message

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
            }
            for c, y, p, n, pages, passages in rows
        ]
        for doc in session.exec(
            select(Document).where(Document.status == "failed").order_by(Document.name)
        ):
            status.failed.append(
                {"id": doc.id, "name": doc.name, "code": doc.error_code, "error": doc.error}
            )
        for doc in session.exec(
            select(Document).where(ok, Document.submission_id.is_(None)).order_by(Document.name)
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
        status.documents = session.exec(select(func.count(Document.id)).where(ok)).one()
        status.passages = session.exec(select(func.count(Passage.id))).one()
    return status
