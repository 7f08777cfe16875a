"""The ingest task that `infocity worker` runs: one file, the same step as a local ingest.

A task names a file staged in the shared data directory (its path relative to the data
directory, so each machine may mount it where it likes), the job it belongs to and its place in
that job. The worker parses it in an isolated process with the limits the producer sent
(extract/isolate.py), analyses it and writes it in one transaction through the same code as a
local ingest (corpus/ingest.py), then records the file's result in the job's `jobresult` rows.
Results go to the database, not to a Celery result backend: the producer, the web app and
`infocity jobs` read them there.

Delivery is at least once (acks_late, reject_on_worker_lost, a visibility timeout on Redis): a
worker killed mid-task hands the file to another. Nothing is stored twice: a delivery whose
result is already recorded does nothing; one whose bytes are already stored reports them
present; two deliveries racing on the same bytes meet the unique content hash (ingest's
IntegrityError path); the unique (job, seq) index records one result per file.

Celery is imported only here and only when a broker is configured (corpus/executor.py imports
this module lazily), so a store without a broker never needs it.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing.process
import os
import shutil
from dataclasses import asdict, fields
from pathlib import Path

from celery import Celery
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from extract import Limits
from models.tables import Job

from . import jobs as job_rows
from . import leases
from .ingest import FileResult, Overrides, Source, analyse_step, write
from .ingest.pools import borrowed
from .ingest.step import attach
from .ingest.write import present as store_present
from .jobs import STAGING
from .settings import Settings, get_settings
from .store import StoreUnavailable, open_store

log = logging.getLogger("infocity.worker")
TASK = "infocity.ingest_file"
UPLOADS = "uploads"  # <data dir>/uploads/<job id>/: the web app's uploads (web/jobs.py)


def make_app(settings: Settings) -> Celery:
    """The Celery app for this store's broker: late acknowledgement, one task prefetched per
    worker process, results in the database (no result backend)."""
    if not settings.broker_url:
        raise ValueError("INFOCITY_BROKER_URL is not set")
    app = Celery("infocity", broker=settings.broker_url, set_as_current=False)
    transport: dict = {}
    if settings.broker_url.startswith(("redis://", "rediss://", "redis+socket://")):
        transport["visibility_timeout"] = settings.broker_visibility_timeout_s
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_store_errors_even_if_ignored=False,
        task_default_queue=settings.broker_queue,
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options=transport,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )

    @app.task(
        name=TASK,
        acks_late=True,
        reject_on_worker_lost=True,
        autoretry_for=(StoreUnavailable, OperationalError, InterfaceError),
        retry_backoff=5,
        retry_backoff_max=300,
        max_retries=50,
    )
    def ingest_file(payload: dict) -> str:
        return run_task(payload)

    return app


# One store, one parsing pool and one set of models per worker process, made on first use
# (after Celery has forked the process: connections and pipes are never shared across a fork).
_process: dict = {}


def _engine() -> tuple[Engine, Path]:
    pid = os.getpid()
    if _process.get("pid") != pid:
        settings = get_settings()
        _process.clear()
        _process.update(pid=pid, engine=open_store(settings), data_dir=settings.data_dir)
    return _process["engine"], _process["data_dir"]


class _StdProcess(multiprocessing.process.BaseProcess):
    """What the standard library's own main-process object is (it deletes that class)."""

    def __init__(self, name: str) -> None:
        self._identity = ()
        self._name = name
        self._parent_pid = None
        self._popen = None
        self._closed = False
        key = multiprocessing.process.AuthenticationString(os.urandom(32))
        self._config = {"authkey": key, "semprefix": "/mp"}

    def close(self) -> None:
        pass


def _own_multiprocessing() -> None:
    """Celery's prefork pool (billiard) puts its own process object in the standard library's
    place: daemonic (multiprocessing refuses children to a daemon) and with an authentication
    key the forkserver cannot pickle. The parsing workers are ours to start and stop
    (extract/isolate.py) and end with this process (their pipe closes), so the standard
    library gets a process object of its own, under the same name for the logs."""
    from multiprocessing import process

    current = process._current_process  # type: ignore[attr-defined]
    if isinstance(current, _StdProcess) or type(current).__module__.startswith("multiprocessing"):
        return  # done already, or not in a billiard child (a solo pool, a test)
    process._current_process = _StdProcess(current.name)  # type: ignore[attr-defined]


def limits_from(data: dict) -> Limits:
    known = {f.name for f in fields(Limits)}
    return Limits(**{k: v for k, v in data.items() if k in known})


def payload_for(
    *,
    job_id: str,
    seq: int,
    rel_path: str,
    name: str,
    sha256: str,
    origin: str,
    note: str,
    folders: tuple[str, ...],
    overrides: Overrides,
    user: str,
    limits: Limits,
    review_threshold: float | None,
) -> dict:
    return {
        "job_id": job_id,
        "seq": seq,
        "path": rel_path,
        "name": name,
        "sha256": sha256,
        "origin": origin,
        "note": note,
        "folders": list(folders),
        "overrides": asdict(overrides),
        "user": user,
        "limits": asdict(limits),
        "review_threshold": review_threshold,
    }


def run_task(payload: dict) -> str:
    """Runs one task in this process; returns the file's status ("done" when a previous delivery
    already recorded it)."""
    engine, data_dir = _engine()
    try:
        result = process_file(engine, data_dir, payload)
    except (StoreUnavailable, OperationalError, InterfaceError):
        raise  # retried: the database or the data directory is back soon
    except Exception as exc:  # a bug: the file fails alone, the job still completes
        log.exception("task %s/%s (%s) failed", payload["job_id"], payload["seq"], payload["name"])
        name = payload["name"]
        result = FileResult(
            name,
            "failed",
            f"{name}: failed: internal error（worker 处理时出现内部错误：{type(exc).__name__}；"
            "请联系管理员）",
            code="internal error",
        )
    if result is None:
        return "done"
    job_rows.add_result(engine, payload["job_id"], payload["seq"], result)
    finish_if_complete(engine, data_dir, payload["job_id"])
    return result.status


def process_file(engine: Engine, data_dir: Path, payload: dict) -> FileResult | None:
    """The per-file step: None when this file's result is already recorded (a second delivery),
    else its result, the document written in one transaction."""
    job_id, seq = payload["job_id"], payload["seq"]
    if job_rows.has_result(engine, job_id, seq):
        return None
    path = _resolve(data_dir, payload["path"])
    job = Source(
        path,
        payload["name"],
        payload["sha256"],
        payload.get("origin", ""),
        payload.get("note", ""),
        tuple(payload.get("folders", ())),
    )
    # The same bytes stored since the producer looked: by an earlier delivery of this very task
    # (its worker died after the commit, before recording the result) or by another ingest.
    note = "（由本文件中断前的一次处理或同时进行的另一次导入保存）"
    if (present := store_present(engine, job, "already stored as", note)) is not None:
        return present
    if not path.is_file():
        return FileResult(
            job.name,
            "failed",
            f"{job.name}: failed: not found（暂存在数据目录的文件已不存在：{payload['path']}；"
            "请重新导入）",
            code="not found",
        )
    limits = limits_from(payload.get("limits", {}))
    overrides = Overrides(**payload.get("overrides", {}))
    step = analyse_step(data_dir, overrides, payload.get("review_threshold"))
    _own_multiprocessing()  # before this Celery child starts its first parsing worker
    # One parsing process per Celery process, kept between tasks with its models loaded (the
    # same kept pools as a local ingest's: corpus/ingest/pools.py).
    with leases.held(engine), borrowed(1, limits, step) as pool:  # held until the row commits
        outcome = attach(job, pool.run(path, job.folders))
        return write(engine, outcome, data_dir=data_dir, user=payload.get("user", ""))


def _resolve(data_dir: Path, rel: str) -> Path:
    path = (data_dir / rel).resolve()
    root = data_dir.resolve()
    if root not in path.parents:
        raise ValueError(f"task path outside the data directory: {rel!r}")
    return path


def finish_if_complete(engine: Engine, data_dir: Path, job_id: str) -> bool:
    """Marks the job done once every file has its result, and removes its staged copies;
    whoever records the last result does it (a worker, or the producer)."""
    with Session(engine) as session:
        job = session.get(Job, job_id)
        if job is None:
            return False
        expected = (job.params or {}).get("expected")
        state = job.state
    if expected is None or job_rows.result_count(engine, job_id) < expected:
        return False
    # The files first, so whoever sees the job done finds them gone.
    with contextlib.suppress(OSError):
        shutil.rmtree(data_dir / STAGING / job_id, ignore_errors=True)
        # An upload's folder too (web/jobs.py's UPLOADS), when its server stopped waiting.
        shutil.rmtree(data_dir / UPLOADS / job_id, ignore_errors=True)
    if state in job_rows.ACTIVE:
        job_rows.set_state(engine, job_id, "done")
    return True
