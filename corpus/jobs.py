"""Background jobs and their per-file results in the database (reliability row 18, issue 15).

A job row is written when an upload is queued and each file's result as it comes, so a server
killed mid-ingest leaves a record: on the next start the job is marked `interrupted`, the
evaluator sees what was stored, and can resume it. The table is generic (id, user, created,
state, params, results) so a task queue can run the same rows later.

A job belongs to the server process that runs it through its `serve` lease (corpus/leases.py):
a job whose lease is dead was interrupted; one whose lease is live belongs to another server
process on the same store and is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.db import session_scope
from models.tables import IngestLease, Job, JobResult

from .ingest import FileResult
from .leases import is_live

# Where a queued job's files wait for the workers: <data dir>/staging/<job id>/ (corpus/executor.py
# stages them, corpus/tasks.py removes the folder when the job is done).
STAGING = "staging"

ACTIVE = ("queued", "running")


@dataclass
class JobRecord:
    id: str
    user: str
    created: datetime
    state: str
    params: dict
    error: str | None = None
    results: list[FileResult] = field(default_factory=list)


def create_job(
    engine: Engine,
    job_id: str,
    user: str,
    params: dict,
    lease_id: int | None,
    kind: str = "upload",
) -> None:
    with session_scope(engine) as session:
        session.add(Job(id=job_id, kind=kind, user=user, params=params, lease_id=lease_id))


def set_state(
    engine: Engine,
    job_id: str,
    state: str,
    *,
    error: str | None = None,
    lease_id: int | None = None,
) -> None:
    with session_scope(engine) as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        job.state, job.error, job.updated = state, error, datetime.now(UTC)
        if lease_id is not None:
            job.lease_id = lease_id
        session.add(job)


def add_result(engine: Engine, job_id: str, seq: int, result: FileResult) -> None:
    """Records a file's result; a second record of the same (job, seq), from a queued task
    delivered twice, is ignored (the unique index keeps the first)."""
    try:
        _add_result(engine, job_id, seq, result)
    except IntegrityError:
        if not has_result(engine, job_id, seq):
            raise


def has_result(engine: Engine, job_id: str, seq: int) -> bool:
    with Session(engine) as session:
        return (
            session.exec(
                select(JobResult.id).where(JobResult.job_id == job_id, JobResult.seq == seq)
            ).first()
            is not None
        )


def _add_result(engine: Engine, job_id: str, seq: int, result: FileResult) -> None:
    with session_scope(engine) as session:
        session.add(
            JobResult(
                job_id=job_id,
                seq=seq,
                name=result.name,
                status=result.status,
                message=result.message,
                code=result.code,
                document_id=result.document_id,
                pages=result.pages,
                needs_review=result.needs_review,
            )
        )


def load_job(engine: Engine, job_id: str) -> JobRecord | None:
    with Session(engine) as session:
        job = session.get(Job, job_id)
        if job is None:
            return None
        rows = session.exec(
            select(JobResult).where(JobResult.job_id == job_id).order_by(JobResult.seq)
        ).all()
        return JobRecord(
            job.id,
            job.user,
            job.created,
            job.state,
            dict(job.params or {}),
            job.error,
            [
                FileResult(
                    r.name, r.status, r.message, r.document_id, r.pages, r.code, r.needs_review
                )
                for r in rows
            ],
        )


def result_count(engine: Engine, job_id: str) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count(JobResult.id)).where(JobResult.job_id == job_id)
        ).one()


def recent_jobs(engine: Engine, limit: int = 10, kind: str = "upload") -> list[str]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Job.id).where(Job.kind == kind).order_by(Job.created.desc()).limit(limit)  # type: ignore[attr-defined]
            ).all()
        )


def mark_interrupted(engine: Engine) -> list[str]:
    """Marks queued and running jobs whose server process is gone as interrupted; returns them."""
    with session_scope(engine) as session:
        leases = {lease.id: lease for lease in session.exec(select(IngestLease)).all()}
        found = []
        for job in session.exec(select(Job).where(Job.state.in_(ACTIVE))).all():  # type: ignore[attr-defined]
            if (job.params or {}).get("queued"):
                continue  # on the broker's workers: they finish it whatever became of its server
            lease = leases.get(job.lease_id) if job.lease_id is not None else None
            if lease is None or not is_live(lease):
                job.state, job.updated = "interrupted", datetime.now(UTC)
                session.add(job)
                found.append(job.id)
    return found


def update_params(engine: Engine, job_id: str, **params) -> None:
    with session_scope(engine) as session:
        job = session.get(Job, job_id)
        if job is not None:
            job.params = {**(job.params or {}), **params}
            job.updated = datetime.now(UTC)
            session.add(job)


def list_jobs(engine: Engine, limit: int = 20) -> list[dict]:
    """The latest jobs of every kind (uploads, queued ingests), with their counts per status."""
    with Session(engine) as session:
        rows = session.exec(select(Job).order_by(Job.created.desc()).limit(limit)).all()  # type: ignore[attr-defined]
        counts: dict[str, dict[str, int]] = {}
        if rows:
            found = session.exec(
                select(JobResult.job_id, JobResult.status, func.count(JobResult.id))
                .where(JobResult.job_id.in_([r.id for r in rows]))  # type: ignore[attr-defined]
                .group_by(JobResult.job_id, JobResult.status)
            ).all()
            for job_id, status, n in found:
                counts.setdefault(job_id, {})[status] = n
        return [
            {
                "id": r.id,
                "kind": r.kind,
                "user": r.user,
                "created": r.created,
                "state": r.state,
                "error": r.error,
                "expected": (r.params or {}).get("expected"),
                "queued": bool((r.params or {}).get("queued")),
                "counts": counts.get(r.id, {}),
            }
            for r in rows
        ]
