"""Writing one analysed document: the file into the store, then the document and everything
analysis found in it in one transaction, with bulk statements (one multi-row INSERT per table on
SQLite, COPY on PostgreSQL), all or nothing.

A version replaces an earlier document only inside one submission (corpus.versions); the
evaluators' work on it then follows, recorded in the audit. A document whose transaction loses a
race for a new city or submission is written again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, select

from extract import Failure
from extract.divisions import division_named
from extract.vocabulary import PERIOD_LABELS, Kind, Level
from models.db import session_scope
from models.tables import (
    Application,
    ApplicationTag,
    City,
    Document,
    Figure,
    Passage,
    ReviewEvent,
    Submission,
)

from ..storage import store_file
from ..versions import SYSTEM, carried_metadata, carry_forward, find_previous
from .results import FileResult
from .rows import application_rows, block_dict, figure_rows, passage_rows, tag_rows
from .step import AnalysedDocument, FailedDocument
from .triage import Source, find_by_sha

WRITE_ATTEMPTS = 5  # a document's transaction, when another ingest created its city meanwhile


def write(
    engine: Engine, item: AnalysedDocument | FailedDocument, *, data_dir: Path, user: str = ""
) -> FileResult:
    """Stores one analysed file (or records its failure); returns what happened to it."""
    if isinstance(item, FailedDocument):
        return _store_failure(engine, item.source, item.failure, user)
    source = item.source
    assert source is not None, "an analysed document is written with its source"
    stored = store_file(data_dir, source.path, source.sha256)
    for _ in range(WRITE_ATTEMPTS):
        try:
            return _write(engine, source, item, stored, user)
        except IntegrityError:
            # Another ingest committed first: the same bytes (that document stands, and is
            # reported only once it is really there), or the same new city or submission (found
            # by the next attempt).
            if (already := present(engine, source)) is not None:
                return already
    return _conflict(source)


def present(
    engine: Engine, job: Source, said: str = "stored meanwhile by another ingest as", note: str = ""
) -> FileResult | None:
    """The file's bytes committed since it was triaged (another ingest, or an earlier delivery
    of the same queued task), reported as present; None when they are not stored."""
    existing = find_by_sha(engine, job.sha256)
    if existing is None or existing.status != "ok":
        return None
    return FileResult(
        job.name,
        "present",
        f"{job.name}: {said} document {existing.id}{note}",
        existing.id,
        existing.pages or 0,
    )


def _conflict(job: Source) -> FileResult:
    return FileResult(
        job.name,
        "failed",
        f"{job.name}: failed: conflict（与同时进行的另一次导入反复冲突，未保存；请重新运行同一命令）",
        code="conflict",
    )


def _write(
    engine: Engine, job: Source, item: AnalysedDocument, stored: str, user: str
) -> FileResult:
    """The document, its passages (and through triggers their index entries), figures,
    applications and tags in one transaction."""
    outcome, analysis = item.extracted, item.analysis
    city, year, period = item.city, item.year, item.period
    evidence = {k: list(v) for k, v in item.evidence.items()}  # a retry starts afresh
    warnings = list(outcome.warnings)
    if job.origin:
        warnings.append(f"from the archive {job.origin}")
    if job.note:
        warnings.append(job.note)
    meta = outcome.metadata
    kind = meta.kind
    unconfirmed = unconfirmed_reasons(meta, city, year, period, kind, evidence)
    recognised = {"city": city, "year": year, "period": period, "kind": kind}
    with session_scope(engine) as session:
        if not unconfirmed:
            lock_versions(session, (city, year, period, kind))
        previous = find_previous(
            session,
            name=job.name,
            key=(city, year, period, kind),
            confirmed=not unconfirmed,
            exclude_sha=job.sha256,
        )
        carried_meta = None
        if previous is not None:
            carried_meta = carried_metadata(previous)
            if carried_meta == recognised:
                carried_meta = None  # nothing the evaluators changed
            else:
                city, year = carried_meta["city"], carried_meta["year"]
                period, kind = carried_meta["period"], carried_meta["kind"]
                for key, value in carried_meta.items():
                    if recognised[key] != value:
                        evidence[key] = [
                            {
                                "value": str(value or ""),
                                "source": "evaluator",
                                "text": f"第 {previous.version} 版（文件 {previous.id}）确认的值",
                            },
                            *evidence.get(key, []),
                        ]
        # A failed attempt at the same bytes is replaced by the success.
        failed = session.exec(
            select(Document).where(Document.sha256 == job.sha256, Document.status == "failed")
        ).first()
        if failed is not None:
            session.delete(failed)
            session.flush()
        submission_id = submission_for(session, city, year, period)
        record_issuer(session, meta, city)
        doc = Document(
            sha256=job.sha256,
            name=job.name,
            stored_path=stored,
            size=outcome.size,
            format=outcome.format,
            pages=outcome.pages,
            kind=kind,
            status="ok",
            title=meta.title,
            submission_id=submission_id,
            city=city,
            year=year,
            period=period,
            needs_review=bool(unconfirmed),
            confirmed=not unconfirmed,
            unconfirmed=unconfirmed,
            recognised=recognised,
            metadata_evidence=evidence,
            warnings=warnings,
            structure=[block_dict(b) for b in outcome.blocks],
            page_info=[p.__dict__ for p in outcome.page_info],
            truncated=outcome.truncated,
            n_passages=len(analysis.passages),
            version=previous.version + 1 if previous else 1,
            previous_id=previous.id if previous else None,
            ingested_by=user,
        )
        if previous is not None:
            previous.is_current = False
            session.add(previous)
        session.add(doc)
        session.flush()
        _write_rows(session, doc.id, analysis, city, year, period)
        not_carried: list = []
        if previous is not None:
            session.flush()
            if carried_meta is not None:
                session.add(
                    ReviewEvent(
                        user=user or SYSTEM,
                        entity="document",
                        entity_id=doc.id,
                        action="carried_forward",
                        before=recognised,
                        after=carried_meta,
                        comment=f"从第 {previous.version} 版（文件 {previous.id}）带入",
                    )
                )
            not_carried = carry_forward(session, previous, doc, user).not_carried
            doc.not_carried = not_carried
            session.add(doc)
        doc_id = doc.id
    status = "version" if previous is not None else "added"
    message = f"{job.name}: {'new version ' + str(doc.version) + ' of' if previous else 'added as'} document {doc_id}"
    needs_review = bool(unconfirmed)
    if unconfirmed:
        message += "（待确认，请评估人员确认：" + "；".join(unconfirmed.values()) + "）"
    if not_carried:
        message += f"（上一版的 {len(not_carried)} 项评审未能带到新版本，请查看文件页面）"
    return FileResult(
        job.name,
        status,
        message,
        doc_id,
        outcome.pages or 0,
        needs_review=needs_review,
        unconfirmed=unconfirmed,
        not_carried=not_carried,
    )


def _write_rows(
    session: Session,
    document_id: int,
    analysis,
    city: str | None,
    year: int | None,
    period: str | None,
) -> None:
    passage_ids = _insert(session, Passage, passage_rows(document_id, analysis), ids=True)
    _insert(session, Figure, figure_rows(passage_ids, analysis))
    app_rows = application_rows(document_id, analysis, city, year, period)
    app_ids = _insert(session, Application, app_rows, ids=True)
    _insert(session, ApplicationTag, tag_rows(app_ids, analysis))


def _insert(session: Session, model: type, rows: list[dict], ids: bool = False) -> list[int]:
    """Inserts `rows` into `model`'s table in bulk, in the session's transaction; returns their
    ids in the rows' order when asked."""
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        return _copy(connection, table, rows, ids)
    if not ids:
        connection.execute(insert(table), rows)
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, rows).scalars())


def _copy(connection, table, rows: list[dict], ids: bool) -> list[int]:
    """PostgreSQL: COPY FROM STDIN, ids drawn from the table's sequence first when needed."""
    import psycopg
    from psycopg.types.json import Json

    new_ids: list[int] = []
    if ids:
        new_ids = list(
            connection.execute(
                text(
                    f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": len(rows)},
            ).scalars()
        )
    columns = [c.key for c in table.columns if c.key != "id"]
    json_columns = {c.key for c in table.columns if c.type.__class__.__name__ == "JSON"}
    names = (["id"] if ids else []) + columns
    quoted = ", ".join(f'"{name}"' for name in names)
    statement = f'COPY "{table.name}" ({quoted}) FROM STDIN'
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for n, row in enumerate(rows):
                values = [Json(row[c]) if c in json_columns else row[c] for c in columns]
                copy.write_row([new_ids[n], *values] if ids else values)
    except psycopg.Error as exc:  # as SQLAlchemy's own statements raise it (IntegrityError...)
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc
    finally:
        cursor.close()
    return new_ids


VERSIONS_LOCK = 7270020  # the advisory lock space of lock_versions (7270015: rum's creation)


def lock_versions(session: Session, key: tuple) -> None:
    """On PostgreSQL, holds the transaction-level lock of one (city, year, period, kind) until it
    ends: two writers of documents that could be versions of one another (two ingests, two
    queue workers) then write one after the other, and the second finds the first as its
    previous version instead of both becoming version 1. SQLite writes one at a time anyway."""
    if session.connection().dialect.name != "postgresql":
        return
    session.connection().execute(
        text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))"),
        {"space": VERSIONS_LOCK, "key": "|".join(str(part) for part in key)},
    )


# Kinds sent for a reporting period: without one they cannot be filed under a submission.
PERIODIC_KINDS = (Kind.progress, Kind.applications)
_MISSING = {
    "city": "未能识别发文单位",
    "year": "未能识别年份",
    "period": "未能识别时段（上半年或全年）",
}


def unconfirmed_reasons(
    meta, city: str | None, year: int | None, period: str | None, kind: str, evidence: dict
) -> dict[str, str]:
    """Why each of city, year, period and kind is for the evaluator to confirm: extraction's
    reasons, less the fields the evaluator gave on the command line, plus the values missing."""
    given = {k for k, v in evidence.items() if v and v[0].get("source") in ("option", "evaluator")}
    reasons = {k: v for k, v in dict(meta.unconfirmed or {}).items() if k not in given}
    missing = {"city": city is None, "year": year is None}
    missing["period"] = period is None and kind in PERIODIC_KINDS
    for key, absent in missing.items():
        if absent and key not in given:
            reasons.setdefault(key, _MISSING[key])
    return reasons


def record_issuer(session: Session, meta, city: str | None) -> None:
    """The issuer's level, parent city, province and code on its City row (created when
    missing), from extraction when it speaks of this issuer, else from the gazetteer."""
    if not city:
        return
    level = parent = province = code = None
    if meta.city == city:
        level, parent, province, code = meta.level, meta.parent, meta.province, meta.code
    known = division_named(city)  # the evaluator named another issuer, or extraction left gaps
    if known is not None:
        if level is None:
            level = Level.province if known.level in ("municipality", "sar") else Level.city
        province = province or known.province
    row = session.exec(select(City).where(City.name == city)).first()
    if row is None:
        try:
            with session.begin_nested():
                row = City(name=city)
                session.add(row)
        except IntegrityError:  # another ingest created it meanwhile
            row = session.exec(select(City).where(City.name == city)).one()
    for attr, value in (
        ("level", level),
        ("parent", parent),
        ("province", province),
        ("code", code),
    ):
        if value and getattr(row, attr) != value:
            setattr(row, attr, value)
    session.add(row)


def _store_failure(engine: Engine, job: Source, failure: Failure, user: str) -> FileResult:
    for _ in range(WRITE_ATTEMPTS):
        try:
            return _record_failure(engine, job, failure, user)
        except IntegrityError:  # another ingest recorded the same bytes first: read it again
            continue
    return _conflict(job)


def _record_failure(engine: Engine, job: Source, failure: Failure, user: str) -> FileResult:
    message = failure.message.replace(failure.name, job.name, 1)
    shown_suffix = Path(job.name).suffix.lower()
    if failure.code == "unsupported format" and job.path.suffix != shown_suffix:
        # A zip member is unpacked under a generated name (`.bin` for an unknown type): the
        # reason names the member's own extension.
        message = message.replace(
            f"extension {job.path.suffix}", f"extension {shown_suffix or '(none)'}", 1
        )
    with session_scope(engine) as session:
        row = session.exec(select(Document).where(Document.sha256 == job.sha256)).first()
        if row is not None and row.status == "ok":
            # The same bytes were read under another name: that document stands.
            return FileResult(job.name, "failed", message, code=failure.code)
        if row is None:
            row = Document(sha256=job.sha256, name=job.name, status="failed", ingested_by=user)
        row.error_code, row.error = failure.code, message
        row.format = job.path.suffix.lower().lstrip(".")
        row.size = job.path.stat().st_size
        session.add(row)
        session.flush()
        doc_id = row.id
    return FileResult(job.name, "failed", message, doc_id, code=failure.code)


def submission_for(
    session: Session, city: str | None, year: int | None, period: str | None
) -> int | None:
    if not (city and year and period in PERIOD_LABELS):
        return None
    row = session.exec(select(City).where(City.name == city)).first()
    if row is None:
        known = division_named(city)
        row = City(name=city, province=known.province if known else None)
        session.add(row)
        session.flush()
    sub = session.exec(
        select(Submission).where(
            Submission.city_id == row.id, Submission.year == year, Submission.period == period
        )
    ).first()
    if sub is None:
        sub = Submission(city_id=row.id, year=year, period=period)
        session.add(sub)
        session.flush()
    return sub.id
