"""Retiring a document or a whole upload: an evaluator withdraws a file that should not count (sent by mistake, a
duplicate under another name); an admin can bring it back.

A retired document is marked `retired` and is no longer current, so every view that counts only
current documents (search, the submissions grid, the city view, compare, exports, training)
leaves it out without each of them learning a new condition. Its rows stay: the audit, its
versions and the evaluators' work on it are kept, and restoring it makes it current again
unless a newer version has superseded it meanwhile. Both are audited.

An upload (a web upload job) is retired as its documents: each one the upload added (new or a
new version) is retired in one transaction, with an audit event per document whose comment
names the upload; restoring the upload (admins only) restores the documents that upload's
retirement withdrew, and no others.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from models.db import write_scope
from models.tables import Document, Job, JobResult, ReviewEvent

from .accounts import UserInfo
from .review import Actor, Forbidden, InvalidValue, NotFound, _locked, _record, actor_name


def _retire(session: Session, doc: Document, name: str, comment: str | None, upload: str | None):
    """The one state change and its audit event, for a document or each of an upload's."""
    before = {"retired": False, "is_current": doc.is_current}
    doc.retired, doc.is_current = True, False
    session.add(doc)
    after = {"retired": True, "is_current": False} | ({"upload": upload} if upload else {})
    return _record(
        session,
        user=name,
        entity="document",
        entity_id=doc.id,
        action="retire",
        before=before,
        after=after,
        comment=comment,
    )


def _restore(session: Session, doc: Document, name: str, comment: str | None, upload: str | None):
    """Current again unless a newer version of it has come in since; audited."""
    newer = session.exec(select(Document.id).where(Document.previous_id == doc.id)).first()
    doc.retired, doc.is_current = False, newer is None
    session.add(doc)
    after = {"retired": False, "is_current": doc.is_current} | (
        {"upload": upload} if upload else {}
    )
    return _record(
        session,
        user=name,
        entity="document",
        entity_id=doc.id,
        action="restore",
        before={"retired": True, "is_current": False},
        after=after,
        comment=comment,
    )


def retire_document(engine: Engine, doc_id: int, *, user: Actor, comment: str | None = None):
    """Withdraws the document from every view; refused when it is already retired."""
    name = actor_name(user)
    with write_scope(engine) as session:
        doc = _locked(session, "document", doc_id)
        if doc.retired:
            raise InvalidValue(f"文件 {doc.name} 已撤回")
        return _retire(session, doc, name, (comment or "").strip() or None, None)


def _upload_documents(session: Session, job_id: str) -> list[int]:
    if session.get(Job, job_id) is None:
        raise NotFound(f"没有编号为 {job_id} 的上传")
    rows = session.exec(
        select(JobResult.document_id)
        .where(JobResult.job_id == job_id, JobResult.status.in_(("added", "version")))
        .where(JobResult.document_id.is_not(None))
        .order_by(JobResult.seq)
    ).all()
    return list(dict.fromkeys(rows))


def _upload_note(job_id: str) -> str:
    return f"撤回上传 {job_id}"


def retire_upload(
    engine: Engine, job_id: str, *, user: Actor, comment: str | None = None
) -> list[int]:
    """Retires every document an upload added that is not retired yet, in one transaction,
    each audited (the comment names the upload); returns their ids. InvalidValue when the
    upload has nothing left to retire."""
    name = actor_name(user)
    note = _upload_note(job_id)
    extra = (comment or "").strip()
    done = []
    with write_scope(engine) as session:
        for doc_id in _upload_documents(session, job_id):
            doc = _locked(session, "document", doc_id)
            if doc.retired:
                continue
            _retire(session, doc, name, f"{note}：{extra}" if extra else note, job_id)
            done.append(doc.id)
        if not done:
            raise InvalidValue(f"上传 {job_id} 没有可撤回的文件（没有新入库的文件，或已全部撤回）")
    return done


def restore_upload(engine: Engine, job_id: str, *, user: Actor) -> list[int]:
    """Brings back (admins only) the documents the retirement of this upload withdrew and
    that are still retired; each current again unless a newer version has come in."""
    if isinstance(user, UserInfo) and not user.is_admin:
        raise Forbidden(f"只有管理员可以恢复已撤回的上传（{user.name} 不是管理员）")
    name = actor_name(user)
    done = []
    with write_scope(engine) as session:
        for doc_id in _upload_documents(session, job_id):
            doc = _locked(session, "document", doc_id)
            last = session.exec(
                select(ReviewEvent)
                .where(ReviewEvent.entity == "document", ReviewEvent.entity_id == doc_id)
                .where(ReviewEvent.action.in_(("retire", "restore")))
                .order_by(ReviewEvent.id.desc())
                .limit(1)
            ).first()
            by_upload = last is not None and (last.after or {}).get("upload") == job_id
            if not (doc.retired and by_upload and last.action == "retire"):
                continue
            _restore(session, doc, name, f"恢复上传 {job_id}", job_id)
            done.append(doc.id)
        if not done:
            raise InvalidValue(f"上传 {job_id} 没有因撤回上传而撤回的文件可恢复")
    return done


def restore_document(engine: Engine, doc_id: int, *, user: Actor):
    """Brings a retired document back (admins only): current again unless a newer version of
    it has come in since."""
    if isinstance(user, UserInfo) and not user.is_admin:
        raise Forbidden(f"只有管理员可以恢复已撤回的文件（{user.name} 不是管理员）")
    name = actor_name(user)
    with write_scope(engine) as session:
        doc = _locked(session, "document", doc_id)
        if not doc.retired:
            raise InvalidValue(f"文件 {doc.name} 没有被撤回")
        return _restore(session, doc, name, None, None)


def versions(engine: Engine, doc_id: int) -> list[dict]:
    """Every version of the document, oldest first: `previous_id` followed back, and the
    documents naming this one as their previous followed forward."""
    with Session(engine) as session:
        chain = [doc_id]
        doc = session.get(Document, doc_id)
        while doc is not None and doc.previous_id is not None and doc.previous_id not in chain:
            chain.insert(0, doc.previous_id)
            doc = session.get(Document, doc.previous_id)
        child = session.exec(select(Document.id).where(Document.previous_id == doc_id)).first()
        while child is not None and child not in chain:
            chain.append(child)
            child = session.exec(select(Document.id).where(Document.previous_id == child)).first()
        rows = {d.id: d for d in session.exec(select(Document).where(Document.id.in_(chain)))}
    return [
        {
            "id": i,
            "version": rows[i].version,
            "ingested_at": rows[i].ingested_at,
            "is_current": rows[i].is_current,
            "retired": rows[i].retired,
        }
        for i in chain
        if i in rows
    ]
