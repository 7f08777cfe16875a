"""A document's recognised city, year and period, confirmed or corrected by an evaluator.

Extraction recognises them from the title, the file name and the first page; the evaluator who
uploaded the files confirms or corrects them. The correction moves the document (and its typical
applications) to the right submission, in one transaction with its ReviewEvent.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, select

from extract import city_named
from models.db import write_scope
from models.tables import Application, Document, ReviewEvent

from .ingest import PERIODS, submission_for
from .review import Actor, Conflict, InvalidValue, NotFound, actor_name, format_time

YEARS = range(2000, 2101)


@dataclass
class DocumentMetadata:
    id: int
    name: str
    title: str | None
    kind: str
    city: str | None
    year: int | None
    period: str | None
    needs_review: bool  # city, year or period still unknown
    evidence: dict  # where each value was found (extraction's evidence, or "evaluator")


def _meta(doc: Document) -> DocumentMetadata:
    return DocumentMetadata(
        doc.id,
        doc.name,
        doc.title,
        doc.kind,
        doc.city,
        doc.year,
        doc.period,
        doc.needs_review,
        dict(doc.metadata_evidence or {}),
    )


def documents_metadata(engine: Engine, ids: list[int]) -> list[DocumentMetadata]:
    """The stored documents among `ids` (failed files have none), in the order given."""
    with Session(engine) as session:
        rows = session.exec(
            select(Document).where(Document.id.in_(ids), Document.status == "ok")
        ).all()
    by_id = {d.id: d for d in rows}
    return [_meta(by_id[i]) for i in dict.fromkeys(ids) if i in by_id]


def _clean(city: str | None, year: int | None, period: str | None):
    city = (city or "").strip() or None
    if city is not None:
        known = city_named(city)
        city = known.name if known else city
        if len(city) > 40:
            raise InvalidValue("城市名称过长")
    if year is not None and year not in YEARS:
        raise InvalidValue(f"年份不在 {YEARS.start}–{YEARS.stop - 1} 之间：{year}")
    period = period or None
    if period is not None and period not in PERIODS:
        raise InvalidValue(f"未知时段：{period}（可选：H1 上半年、FY 全年）")
    return city, year, period


def set_document_metadata(
    engine: Engine,
    doc_id: int,
    city: str | None,
    year: int | None,
    period: str | None,
    *,
    user: Actor,
    expected: tuple[str | None, int | None, str | None] | None = None,
    comment: str | None = None,
) -> DocumentMetadata:
    """Sets a document's city, year and period (None: unknown) and files it under that
    submission; its typical applications follow it. `expected` is what the evaluator saw: when
    someone changed the document since, nothing is written and Conflict says who."""
    name = actor_name(user)
    city, year, period = _clean(city, year, period)
    with write_scope(engine) as session:
        doc = session.exec(select(Document).where(Document.id == doc_id).with_for_update()).first()
        if doc is None or doc.status != "ok":
            raise NotFound(f"没有编号为 {doc_id} 的文件")
        before = {"city": doc.city, "year": doc.year, "period": doc.period}
        if expected is not None and tuple(before.values()) != tuple(expected):
            last = session.exec(
                select(ReviewEvent)
                .where(ReviewEvent.entity == "document", ReviewEvent.entity_id == doc.id)
                .order_by(ReviewEvent.id.desc())
                .limit(1)
            ).first()
            who = f"已被 {last.user} 于 {format_time(last.at)} 修改" if last else "已被他人修改"
            raise Conflict(
                f"该文件（编号 {doc.id}）的城市、年份或时段{who}，现为 "
                f"{doc.city or '未识别'} {doc.year or '未识别'} {doc.period or '未识别'}。"
                "您的修改没有保存，请刷新页面查看后再修改。",
                entity="document",
                entity_id=doc.id,
                expected_version=doc.version,
                current_version=doc.version,
                by=last.user if last else None,
                at=last.at if last else None,
            )
        after = {"city": city, "year": year, "period": period}
        if before == after:
            return _meta(doc)
        doc.city, doc.year, doc.period = city, year, period
        doc.submission_id = submission_for(session, city, year, period)
        doc.needs_review = doc.submission_id is None
        evidence = dict(doc.metadata_evidence or {})
        for key, value in after.items():
            if before[key] != value:
                evidence[key] = [{"value": str(value or ""), "source": "evaluator", "text": name}]
        doc.metadata_evidence = evidence
        session.add(doc)
        for app in session.exec(select(Application).where(Application.document_id == doc.id)):
            app.city, app.year, app.period = city, year, period
            session.add(app)
        session.add(
            ReviewEvent(
                user=name,
                entity="document",
                entity_id=doc.id,
                action="set_metadata",
                before=before,
                after=after,
                comment=(comment or "").strip() or None,
            )
        )
        session.flush()
        return _meta(doc)


def submission_documents(engine: Engine, city: str, year: int, period: str) -> list[int]:
    """The current stored documents of one city's submission, applications attachments last."""
    with Session(engine) as session:
        return list(
            session.exec(
                select(Document.id)
                .where(
                    Document.is_current,
                    Document.status == "ok",
                    Document.city == city,
                    Document.year == year,
                    Document.period == period,
                )
                .order_by(Document.kind.desc(), Document.name)
            ).all()
        )
