"""Background ingest of uploads, one at a time, with the progress the upload page polls.

An upload is saved under `<data dir>/uploads/<job id>/` and handed to `corpus.ingest` in a
worker thread (ingest itself parses in isolated processes). Each file's result is recorded as it
comes, in memory for the page and in the database (corpus/jobs.py), so a server killed mid-ingest
leaves a record: on the next start the job shows as interrupted, with what was stored, and can be
resumed from its upload folder, which is kept until the job has finished. The folder is removed
afterwards: ingest has copied every stored file into `files/`.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
from collections import Counter, OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from classify import ModelError
from corpus import FileResult, Overrides, Settings, StoreUnavailable, ingest, leases
from corpus.jobs import (
    add_result,
    create_job,
    load_job,
    mark_interrupted,
    recent_jobs,
    result_count,
    set_state,
)
from corpus.labels import REASONS
from models.tables import Job as JobRow

from .errors import JobNotFound, UploadRejected

log = logging.getLogger("infocity.web")
KEEP_JOBS = 200
UPLOADS = "uploads"


@dataclass
class Job:
    id: str
    user: str
    folder: Path
    files: int  # files uploaded (a .zip counts as one; its members are results of their own)
    skipped: list[str] = field(default_factory=list)
    overrides: Overrides = field(default_factory=Overrides)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    state: str = "queued"  # queued | running | done | error | interrupted
    results: list[FileResult] = field(default_factory=list)
    error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _earlier: Counter = field(default_factory=Counter, repr=False)
    _earlier_docs: Counter = field(default_factory=Counter, repr=False)

    def begin_run(self) -> None:
        """Called as a run starts: what earlier runs reported is what a resumed run may find
        again (stored files as present, failures failing again), each match to be reported only
        once. Within one run every file is reported, even one with another's name."""
        with self._lock:
            self._earlier_docs = Counter(
                r.document_id for r in self.results if r.document_id is not None
            )
            self._earlier = Counter(
                (r.name, r.status, r.code)
                for r in self.results
                if r.status in ("failed", "skipped")
                or (r.status == "present" and r.document_id is None)  # a copy within the batch
            )

    def add(self, result: FileResult) -> bool:
        """Records a result; False for a file already reported by an earlier run of this job
        (a resumed job finds what the interrupted run stored: it is reported once)."""
        with self._lock:
            key = (result.name, result.status, result.code)
            if result.status == "present" and self._earlier_docs[result.document_id] > 0:
                self._earlier_docs[result.document_id] -= 1
                return False
            if result.status == "present" and self._earlier[(result.name, "present", None)] > 0:
                self._earlier[(result.name, "present", None)] -= 1
                return False
            if result.status in ("failed", "skipped") and self._earlier[key] > 0:
                self._earlier[key] -= 1
                return False
            self.results.append(result)
            return True

    @property
    def resumable(self) -> bool:
        return self.state == "interrupted" and self.folder.is_dir()

    def snapshot(self) -> list[FileResult]:
        with self._lock:
            return list(self.results)

    @property
    def document_ids(self) -> list[int]:
        return [
            r.document_id
            for r in self.snapshot()
            if r.status != "failed" and r.document_id is not None
        ]

    def progress(self) -> dict:
        """What the progress page shows; plain data for the JSON endpoint."""

        results = self.snapshot()
        count = {s: sum(r.status == s for r in results) for s in ("added", "version", "present")}
        failures = [
            {
                "name": r.name,
                "code": r.code or "",
                "reason": REASONS.get(r.code or "", ""),
                "message": r.message,
            }
            for r in results
            if r.status == "failed"
        ]
        # Every file is named once: the hidden and temporary files the upload left out, and
        # what the ingest skipped (links, special files, hidden files inside a .zip).
        skipped = [{"name": n, "message": "隐藏或临时文件，未上传"} for n in self.skipped]
        skipped += [
            {"name": r.name, "message": r.message} for r in results if r.status == "skipped"
        ]
        return {
            "id": self.id,
            "state": self.state,
            "resumable": self.resumable,
            "skipped_files": sum(r.status == "skipped" for r in results),
            "files": self.files,
            "skipped": len(self.skipped),
            "done": len(results),
            "added": count["added"],
            "versions": count["version"],
            "present": count["present"],
            "failed": len(failures),
            "failures": failures,
            "skipped_list": skipped,
            "needs_review": sum(r.needs_review for r in results),
            "error": self.error,
        }


class Jobs:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.root = Path(settings.data_dir) / UPLOADS
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        # With a broker the threads only queue and wait (workers parse): several uploads at once.
        threads = 4 if settings.broker_url else 1
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="infocity-ingest")
        self._stopping = threading.Event()
        self._lease_cm = leases.held(engine, kind="serve")
        self.lease = self._lease_cm.__enter__()
        interrupted = mark_interrupted(engine)
        if interrupted:
            log.warning("uploads interrupted by a server stop: %s", ", ".join(interrupted))
        self._sweep(keep=set(interrupted) | self._unfinished())

    def _unfinished(self) -> set[str]:
        from sqlmodel import Session, select

        with Session(self.engine) as session:
            return set(
                session.exec(
                    select(JobRow.id).where(JobRow.state.in_(("queued", "running", "interrupted")))  # type: ignore[attr-defined]
                ).all()
            )

    def _sweep(self, older_than_s: float = 6 * 3600, keep: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        """Removes upload folders left without a job to finish (a refused or finished upload
        whose removal was cut short); an interrupted job keeps its folder to be resumed, and
        recent ones may belong to another server on the same data directory."""
        import time

        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if folder.name in keep:
                continue
            try:
                if time.time() - folder.stat().st_mtime > older_than_s:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue

    def new_folder(self) -> tuple[str, Path]:
        job_id = secrets.token_urlsafe(12)
        return job_id, self.root / job_id

    def submit(self, job: Job) -> Job:
        params = {
            "folder": job.folder.name,
            "files": job.files,
            "skipped": job.skipped,
            "overrides": job.overrides.__dict__,
        }
        create_job(self.engine, job.id, job.user, params, self.lease.id)
        self._remember(job)
        self._pool.submit(self._run, job)
        return job

    def _remember(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS:
                self._jobs.popitem(last=False)

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            job = self._load(job_id)
        if job is None:
            raise JobNotFound()
        return job

    def _load(self, job_id: str) -> Job | None:
        """A job this process does not hold: finished before a restart, interrupted, or run by
        another server process."""

        record = load_job(self.engine, job_id)
        if record is None:
            return None
        params = record.params
        job = Job(
            id=record.id,
            user=record.user,
            folder=self.root / params.get("folder", record.id),
            files=int(params.get("files", 0)),
            skipped=list(params.get("skipped", [])),
            overrides=Overrides(**params.get("overrides", {})),
            created=record.created,
            state=record.state,
            results=record.results,
            error=record.error,
        )
        if job.state in ("done", "error"):
            self._remember(job)  # final: no need to read it again (an interrupted job is not:
            # another server process may resume it)
        return job

    def recent(self, limit: int = 10) -> list[Job]:
        return [job for i in recent_jobs(self.engine, limit) if (job := self._safe_get(i))]

    def _safe_get(self, job_id: str) -> Job | None:
        try:
            return self.get(job_id)
        except JobNotFound:
            return None

    def resume(self, job_id: str, user: str) -> Job:
        """Runs an interrupted upload again from its folder: files stored before the stop are
        found present (and not reported twice), the rest are ingested."""

        job = self.get(job_id)
        if not job.resumable:
            reason = (
                "上传的文件已被清理，请重新上传。"
                if job.state == "interrupted"
                else "这次上传没有中断，无需继续。"
            )
            raise UploadRejected(reason, status=409)
        job.state, job.error = "queued", None
        set_state(self.engine, job.id, "queued", lease_id=self.lease.id)
        log.info("upload %s resumed by %s", job.id, user)
        self._remember(job)
        self._pool.submit(self._run, job)
        return job

    def _run(self, job: Job) -> None:
        if self.settings.broker_url:  # one task per file on the workers (issue 20)
            self._run_queued(job)
            return
        job.state = "running"
        job.begin_run()
        settings = self.settings
        seq = [result_count(self.engine, job.id)]

        def record(result: FileResult) -> None:
            if job.add(result):
                add_result(self.engine, job.id, seq[0], result)
                seq[0] += 1

        state, error = "error", None
        try:
            set_state(self.engine, job.id, "running", lease_id=self.lease.id)
            ingest(
                [job.folder],
                engine=self.engine,
                data_dir=settings.data_dir,
                limits=settings.limits(),
                jobs=settings.jobs,
                overrides=job.overrides,
                user=job.user,
                on_result=record,
                review_threshold=settings.review_threshold,
            )
            state = "done"
        except (StoreUnavailable, ModelError) as exc:
            error = str(exc)
        except Exception:
            log.exception("ingest of upload %s failed", job.id)
            error = "入库时出现内部错误；已入库的文件完整无损，请重新上传其余文件或联系管理员。"
        finally:
            try:
                set_state(self.engine, job.id, state, error=error)
            except Exception:  # the store itself failed: the page still shows the error
                log.exception("recording the end of upload %s", job.id)
            shutil.rmtree(job.folder, ignore_errors=True)
            job.error, job.state = error, state  # last: whoever waits sees everything done

    def _run_queued(self, job: Job) -> None:
        """The upload's files are already in the data directory: queued where they are, the
        results recorded by the workers (and read back here for the progress page). A server
        stopping meanwhile leaves the job to the workers, who finish it and remove its folder."""
        from corpus.executor import Detached, ingest_queued

        job.state = "running"
        state, error = "error", None
        try:
            set_state(self.engine, job.id, "running", lease_id=self.lease.id)
            ingest_queued(
                [job.folder],
                engine=self.engine,
                settings=self.settings,
                limits=self.settings.limits(),
                overrides=job.overrides,
                user=job.user,
                on_result=job.add,
                review_threshold=self.settings.review_threshold,
                job_id=job.id,
                kind="upload",
                stop=self._stopping,
            )
            state = "done"
        except Detached:
            return
        except StoreUnavailable as exc:
            error = str(exc)
        except Exception:
            log.exception("queuing upload %s failed", job.id)
            error = "排队入库时出现内部错误；已入库的文件完整无损，请重新上传其余文件或联系管理员。"
        if state == "error":
            try:
                set_state(self.engine, job.id, state, error=error)
            except Exception:
                log.exception("recording the end of upload %s", job.id)
        shutil.rmtree(job.folder, ignore_errors=True)
        job.error, job.state = error, state

    def wait(self, job_id: str, timeout: float = 60) -> Job:
        """For tests and scripts: blocks until the job has finished."""
        import time

        deadline = time.monotonic() + timeout
        job = self.get(job_id)
        while job.state in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.05)
        return job

    def shutdown(self) -> None:
        self._stopping.set()  # queued uploads stop waiting: their workers go on
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._lease_cm.__exit__(None, None, None)
