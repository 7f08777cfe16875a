"""A document's recognised issuer, year, period and kind, confirmed or corrected by an evaluator.

Extraction recognises them from the title, the issuing organ, the file name and the first page,
and says which it is unsure of (the document is then *unconfirmed*); the evaluator confirms or
corrects them. The correction moves the document (and its typical applications) to the right
submission, through the one edit path of corpus.review (locked, versioned, audited).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from extract import canonical_city
from extract.vocabulary import KIND_LABELS, PERIOD_LABELS, period_choices
from models.tables import Application, City, Document

from .ingest import PERIODIC_KINDS, submission_for
from .review import Actor, InvalidValue, NotFound, _edit, actor_name, conflict

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
    needs_review: bool  # unconfirmed, or city, year or period still unknown
    evidence: dict  # where each value was found (extraction's evidence, or "evaluator")
    confirmed: bool = True
    unconfirmed: dict = field(default_factory=dict)  # field → Chinese reason
    revision: int = 1  # send back with an edit
    level: str | None = None  # the issuer's level (vocabulary.Level), when known
    parent: str | None = None  # a county's city
    province: str | None = None


def _meta(doc: Document, issuer: City | None = None) -> DocumentMetadata:
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
        confirmed=doc.confirmed,
        unconfirmed=dict(doc.unconfirmed or {}),
        revision=doc.revision,
        level=issuer.level if issuer else None,
        parent=issuer.parent if issuer else None,
        province=issuer.province if issuer else None,
    )


def documents_metadata(engine: Engine, ids: list[int]) -> list[DocumentMetadata]:
    """The stored documents among `ids` (failed files have none), in the order given."""
    with Session(engine) as session:
        rows = session.exec(
            select(Document).where(Document.id.in_(ids), Document.status == "ok")
        ).all()
        names = {d.city for d in rows if d.city}
        issuers = {c.name: c for c in session.exec(select(City).where(City.name.in_(names))).all()}
    by_id = {d.id: d for d in rows}
    return [_meta(by_id[i], issuers.get(by_id[i].city)) for i in dict.fromkeys(ids) if i in by_id]


def unconfirmed_documents(engine: Engine) -> list[DocumentMetadata]:
    """Current documents waiting for an evaluator to confirm city, year, period or kind."""
    with Session(engine) as session:
        ids = session.exec(
            select(Document.id)
            .where(Document.status == "ok", Document.is_current, Document.needs_review)
            .order_by(Document.name, Document.id)
        ).all()
    return documents_metadata(engine, list(ids))


def count_unconfirmed(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count(Document.id)).where(
                Document.status == "ok", Document.is_current, Document.needs_review
            )
        ).one()


def _clean(city: str | None, year: int | None, period: str | None, kind: str | None):
    city = canonical_city(city)
    if city is not None and len(city) > 40:
        raise InvalidValue("城市名称过长")
    if year is not None and year not in YEARS:
        raise InvalidValue(f"年份不在 {YEARS.start}–{YEARS.stop - 1} 之间：{year}")
    period = period or None
    if period is not None and period not in PERIOD_LABELS:
        raise InvalidValue(f"未知时段：{period}（可选：{period_choices()}）")
    if kind is not None and kind not in KIND_LABELS:
        choices = "、".join(f"{k} {v}" for k, v in KIND_LABELS.items())
        raise InvalidValue(f"未知文件类型：{kind}（可选：{choices}）")
    return city, year, period, kind


_FIELDS = ("city", "year", "period", "kind")


def set_document_metadata(
    engine: Engine,
    doc_id: int,
    city: str | None,
    year: int | None,
    period: str | None,
    *,
    kind: str | None = None,
    user: Actor,
    expected: tuple | None = None,
    expected_revision: int | None = None,
    comment: str | None = None,
) -> DocumentMetadata:
    """Sets a document's city, year and period (None: unknown) and, when given, its kind, and
    files it under that submission; its typical applications follow it. Saving confirms the
    document: what the evaluator says is no longer a suggestion (a value still missing stays
    unconfirmed). `expected` is (city, year, period[, kind]) as the evaluator saw them, or
    `expected_revision` the revision: when someone changed the document since, nothing is
    written and Conflict says who. Goes through the one edit path (corpus.review), audited."""
    city, year, period, kind = _clean(city, year, period, kind)
    name = actor_name(user)

    def apply(session: Session, doc: Document):
        if doc.status != "ok":
            raise NotFound(f"没有编号为 {doc_id} 的文件")
        now = {k: getattr(doc, k) for k in _FIELDS}
        if expected is not None and tuple(now[k] for k in _FIELDS[: len(expected)]) != tuple(
            expected
        ):
            _stale(session, doc)
        before = {**now, "confirmed": doc.confirmed}
        after = {"city": city, "year": year, "period": period, "kind": kind or doc.kind}
        reasons = _still_missing(after)
        after["confirmed"] = not reasons
        if before == after and dict(doc.unconfirmed or {}) == reasons:
            return before, after
        doc.city, doc.year, doc.period, doc.kind = city, year, period, after["kind"]
        doc.unconfirmed, doc.confirmed = reasons, not reasons
        doc.submission_id = submission_for(session, city, year, period)
        doc.needs_review = bool(reasons)
        evidence = dict(doc.metadata_evidence or {})
        for key in _FIELDS:
            if before[key] != after[key] or not before["confirmed"]:
                evidence[key] = [
                    {"value": str(after[key] or ""), "source": "evaluator", "text": name},
                    *[e for e in evidence.get(key, []) if e.get("source") != "evaluator"],
                ]
        doc.metadata_evidence = evidence
        session.add(doc)
        for app in session.exec(select(Application).where(Application.document_id == doc.id)):
            app.city, app.year, app.period = city, year, period
            session.add(app)
        return before, after

    def action(before: dict, after: dict) -> str:
        same = all(before[k] == after[k] for k in _FIELDS)
        return "confirm" if same else "set_metadata"

    _edit(
        engine,
        "document",
        doc_id,
        user=user,
        expected_version=expected_revision,
        action=action,
        comment=comment,
        apply=apply,
    )
    return documents_metadata(engine, [doc_id])[0]


def _still_missing(values: dict) -> dict[str, str]:
    """The reasons a document stays unconfirmed after the evaluator's word: values missing."""
    reasons = {}
    if not values["city"]:
        reasons["city"] = "未填写发文单位"
    if values["year"] is None:
        reasons["year"] = "未填写年份"
    if values["period"] is None and values["kind"] in PERIODIC_KINDS:
        reasons["period"] = "未填写时段（上半年或全年）"
    return reasons


def _stale(session: Session, doc: Document) -> None:
    raise conflict(
        session,
        "document",
        doc,
        None,
        f"该文件（编号 {doc.id}，{doc.name}）的发文单位、年份、时段或类型{{who}}，现为 "
        f"{doc.city or '未识别'} {doc.year or '未识别'} {PERIOD_LABELS.get(doc.period or '', '未识别')} "
        f"{KIND_LABELS.get(doc.kind, doc.kind)}",
    )


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
