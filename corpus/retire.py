"""Retiring a document: an evaluator withdraws a file that should not count (sent by mistake, a
duplicate under another name); an admin can bring it back.

A retired document is marked `retired` and is no longer current, so every view that counts only
current documents (search, the submissions grid, the city view, compare, exports, training)
leaves it out without each of them learning a new condition. Its rows stay: the audit, its
versions and the evaluators' work on it are kept, and restoring it makes it current again
unless a newer version has superseded it meanwhile. Both are audited.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from models.db import write_scope
from models.tables import Document

from .accounts import UserInfo
from .review import Actor, Forbidden, InvalidValue, _locked, _record, actor_name


def retire_document(engine: Engine, doc_id: int, *, user: Actor, comment: str | None = None):
    """Withdraws the document from every view; refused when it is already retired."""
    name = actor_name(user)
    with write_scope(engine) as session:
        doc = _locked(session, "document", doc_id)
        if doc.retired:
            raise InvalidValue(f"文件 {doc.name} 已撤回")
        before = {"retired": False, "is_current": doc.is_current}
        doc.retired, doc.is_current = True, False
        session.add(doc)
        return _record(
            session,
            user=name,
            entity="document",
            entity_id=doc.id,
            action="retire",
            before=before,
            after={"retired": True, "is_current": False},
            comment=(comment or "").strip() or None,
        )


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
        newer = session.exec(select(Document.id).where(Document.previous_id == doc.id)).first()
        doc.retired, doc.is_current = False, newer is None
        session.add(doc)
        return _record(
            session,
            user=name,
            entity="document",
            entity_id=doc.id,
            action="restore",
            before={"retired": True, "is_current": False},
            after={"retired": False, "is_current": doc.is_current},
            comment=None,
        )


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
