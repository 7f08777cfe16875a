"""Ingest through the broker: stage the files in the shared data directory, queue one task per
file, and report the results as the workers record them (docs/office-server.md).

What the producer (`infocity ingest`, the web app's upload) does itself is what needs no
parsing, exactly as a local ingest does: walk folders, unpack archives safely, hash each file,
report hidden, missing and already stored files and duplicates within the batch. Every other
file becomes a task (corpus/tasks.py) with its place (`seq`) in the job; the producer writes
the job's expected number of results before queuing, so whoever records the last one closes
the job, and a producer that stops waiting (Ctrl+C, a web server restart) loses nothing.

Staging: a file outside the data directory is copied to `<data dir>/staging/<job id>/NNNNN/`
under its own name (extraction reads the city, year and period from the name); zip members
are unpacked to `<data dir>/staging/<job id>/unpacked/`. The web app's uploads are already
under `<data dir>/uploads/<job id>/` and are queued where they are. Tasks name files relative
to the data directory, so each machine may mount the shared directory at its own path.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from extract import Limits
from models.tables import JobResult

from . import jobs as job_rows
from . import leases
from .errors import Unavailable
from .ingest import FileResult, IngestSummary, Overrides, Source
from .ingest.sources import expand
from .ingest.triage import sweep, triage
from .jobs import STAGING
from .settings import Settings
from .store import StoreUnavailable, store_fault

POLL_S = 0.25
TASKS_FILE = "tasks.json"
STALL_HINT_S = 20.0  # no result for this long: tell the evaluator a worker must be running


def broker_configured(settings: Settings) -> bool:
    return bool(settings.broker_url)


@lru_cache(maxsize=4)
def _app(settings_json: str):
    from .tasks import make_app  # celery is imported only now

    return make_app(Settings.model_validate_json(settings_json))


def celery_app(settings: Settings):
    return _app(settings.model_dump_json())


def ingest_queued(
    paths: Iterable[str | Path],
    *,
    engine: Engine,
    settings: Settings,
    limits: Limits,
    overrides: Overrides | None = None,
    user: str = "",
    on_result: Callable[[FileResult], None] | None = None,
    on_stall: Callable[[], None] | None = None,
    review_threshold: float | None = None,
    job_id: str | None = None,
    kind: str = "ingest",
    stop: threading.Event | None = None,
) -> IngestSummary:
    """What `corpus.ingest` does, with the parsing on the broker's workers; returns when every
    file has its result. `job_id` names an existing job (an upload) to add the results to;
    `stop` set makes it stop waiting (raises Detached): the workers finish the job."""
    paths = list(paths)
    overrides = overrides or Overrides()
    report = on_result or (lambda _r: None)
    data_dir = Path(settings.data_dir)
    summary = IngestSummary()
    job_id = job_id or secrets.token_urlsafe(12)
    try:
        if job_rows.load_job(engine, job_id) is None:
            params = {"paths": [str(p) for p in paths], "overrides": overrides.__dict__}
            job_rows.create_job(engine, job_id, user, params, None, kind=kind)
        seq = job_rows.result_count(engine, job_id)
        tasks = _stage(
            paths, engine, data_dir, limits, job_id, summary, report, seq, overrides, user
        )
        first_task_seq = seq + len(summary.results)
        for i, payload in enumerate(tasks):
            payload["seq"] = first_task_seq + i
            payload["review_threshold"] = review_threshold
        expected = first_task_seq + len(tasks)
        job_rows.update_params(engine, job_id, expected=expected, queued=True, tasks=len(tasks))
        job_rows.set_state(engine, job_id, "running")
        if tasks:
            # Kept beside the staged files until the job is done: `infocity jobs JOB --requeue`
            # sends again the tasks a broker lost (a Redis restart without persistence).
            (data_dir / STAGING / job_id).mkdir(parents=True, exist_ok=True)
            (data_dir / STAGING / job_id / TASKS_FILE).write_text(json.dumps(tasks))
            _send(engine, settings, job_id, tasks)
        _wait(engine, job_id, first_task_seq, expected, summary, report, on_stall, stop)
        from .tasks import finish_if_complete

        finish_if_complete(engine, data_dir, job_id)
    except OSError as exc:
        fault = store_fault(exc, data_dir)
        if fault is None:
            raise
        raise fault from exc
    return summary


def requeue(engine: Engine, settings: Settings, job_id: str) -> int:
    """Sends again the tasks of a job's files that have no result yet; returns how many. Safe
    while they are still queued or running: a file is recorded once whatever the deliveries."""
    path = Path(settings.data_dir) / STAGING / job_id / TASKS_FILE
    if not path.is_file():
        return 0
    tasks = [
        t for t in json.loads(path.read_text()) if not job_rows.has_result(engine, job_id, t["seq"])
    ]
    if tasks:
        job_rows.set_state(engine, job_id, "running")
        _send(engine, settings, job_id, tasks)
    return len(tasks)


class Detached(Unavailable):
    """The producer stopped waiting; the job's files are queued and the workers finish it (its
    results are not available to this producer, only to `infocity jobs` and the job page)."""


class BrokerUnavailable(StoreUnavailable):
    """The broker cannot be reached: nothing of the job was parsed (the job is marked error)."""


def _send(engine: Engine, settings: Settings, job_id: str, tasks: list[dict]) -> None:
    from kombu.exceptions import OperationalError

    app = celery_app(settings)
    try:
        with app.producer_or_acquire() as producer:
            for payload in tasks:
                app.send_task(
                    "infocity.ingest_file",
                    args=[payload],
                    queue=settings.broker_queue,
                    producer=producer,
                    retry_policy={"max_retries": 3, "interval_start": 0.5, "interval_step": 1},
                )
    except (OperationalError, OSError) as exc:
        message = (
            f"无法连接任务队列（{_describe_broker(settings.broker_url or '')}）：{exc.__class__.__name__}；"
            "文件尚未入库，请确认 Redis/RabbitMQ 正在运行后重新运行同一命令。"
        )
        job_rows.set_state(engine, job_id, "error", error=message)
        shutil.rmtree(Path(settings.data_dir) / STAGING / job_id, ignore_errors=True)
        raise BrokerUnavailable(message) from exc


def _describe_broker(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.rsplit('@', 1)[1]}"
    return url


def _stage(
    paths: Iterable[str | Path],
    engine: Engine,
    data_dir: Path,
    limits: Limits,
    job_id: str,
    summary: IngestSummary,
    report: Callable[[FileResult], None],
    seq: int,
    overrides: Overrides,
    user: str,
) -> list[dict]:
    """Expands and triages the paths (recording at once what needs no parsing) and stages the
    rest in the data directory; returns one task payload per file to parse."""
    from .tasks import payload_for

    staging = data_dir / STAGING / job_id
    unpacked = staging / "unpacked"
    unpacked.mkdir(parents=True, exist_ok=True)
    pending: dict[str, Source] = {}
    with leases.held(engine) as lease:
        summary.swept = sweep(engine, data_dir, lease)
        _sweep_staging(engine, data_dir)
        for item in expand([Path(p) for p in paths], unpacked, limits):
            result = item if isinstance(item, FileResult) else triage(engine, item, pending)
            if result is not None:
                job_rows.add_result(engine, job_id, seq + len(summary.results), result)
                summary.results.append(result)
                report(result)
        root = data_dir.resolve()
        tasks = []
        for n, job in enumerate(pending.values()):
            path = job.path.resolve()
            if root not in path.parents:
                target = staging / f"{n:05d}" / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(path, target)
                except OSError:
                    shutil.copyfile(path, target)
                path = target.resolve()
            tasks.append(
                payload_for(
                    job_id=job_id,
                    seq=-1,
                    rel_path=path.relative_to(root).as_posix(),
                    name=job.name,
                    sha256=job.sha256,
                    origin=job.origin,
                    note=job.note,
                    folders=job.folders,
                    overrides=overrides,
                    user=user,
                    limits=limits,
                    review_threshold=None,
                )
            )
    return tasks


def _sweep_staging(engine: Engine, data_dir: Path) -> None:
    """Removes staged copies of jobs that are finished or unknown (a producer killed before
    queuing); an active job's are kept for its workers."""
    folder = data_dir / STAGING
    if not folder.is_dir():
        return
    active = set()
    for row in job_rows.list_jobs(engine, limit=1000):
        if row["state"] in job_rows.ACTIVE:
            active.add(row["id"])
    for child in folder.iterdir():
        if child.name in active:
            continue
        with contextlib.suppress(OSError):
            if time.time() - child.stat().st_mtime > 3600:
                shutil.rmtree(child, ignore_errors=True)


def _wait(
    engine: Engine,
    job_id: str,
    start: int,
    expected: int,
    summary: IngestSummary,
    report: Callable[[FileResult], None],
    on_stall: Callable[[], None] | None,
    stop: threading.Event | None = None,
) -> None:
    """Reports each task's result as it is recorded, in the order they arrive."""
    seen: set[int] = set()
    last = time.monotonic()
    hinted = False
    while len(seen) < expected - start:
        with Session(engine) as session:
            rows = session.exec(
                select(JobResult)
                .where(JobResult.job_id == job_id, JobResult.seq >= start)
                .order_by(JobResult.id)
            ).all()
        for r in rows:
            if r.seq in seen:
                continue
            seen.add(r.seq)
            result = FileResult(
                r.name, r.status, r.message, r.document_id, r.pages, r.code, r.needs_review
            )
            summary.results.append(result)
            report(result)
            last = time.monotonic()
        if len(seen) >= expected - start:
            break
        if stop is not None and stop.is_set():
            raise Detached(job_id)
        if not hinted and on_stall is not None and time.monotonic() - last > STALL_HINT_S:
            on_stall()
            hinted = True
        time.sleep(POLL_S)


def run_worker(settings: Settings, concurrency: int | None, loglevel: str = "INFO") -> None:
    """Starts a Celery worker consuming this store's queue until it is stopped."""
    import socket

    app = celery_app(settings)
    from .tasks import TASK  # registers nothing more: make_app did

    assert TASK in app.tasks
    argv = [
        "worker",
        f"--concurrency={concurrency or settings.jobs}",
        f"--queues={settings.broker_queue}",
        f"--loglevel={loglevel}",
        f"--hostname=infocity-{os.getpid()}@{socket.gethostname()}",
        "--without-gossip",
        "--without-mingle",
        "--pool=prefork",
    ]
    app.worker_main(argv)
