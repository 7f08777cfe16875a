"""Background ingest of uploads, one at a time, with the progress the upload page polls.

An upload is saved under `<data dir>/uploads/<job id>/` and handed to `corpus.ingest` in a
worker thread (ingest itself parses in isolated processes). Each file's result is recorded as it
comes, so the page shows files done and failures with their reasons while the batch runs. The
upload folder is removed afterwards: ingest has copied every stored file into `files/`. Jobs are
kept in memory, the latest few hundred, until the server stops.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from corpus import FileResult, Overrides, Settings, ingest

from .errors import JobNotFound

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
    state: str = "queued"  # queued | running | done | error
    results: list[FileResult] = field(default_factory=list)
    error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, result: FileResult) -> None:
        with self._lock:
            self.results.append(result)

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
        from corpus.labels import REASONS

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
        return {
            "id": self.id,
            "state": self.state,
            "files": self.files,
            "skipped": len(self.skipped),
            "done": len(results),
            "added": count["added"],
            "versions": count["version"],
            "present": count["present"],
            "failed": len(failures),
            "failures": failures,
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
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="infocity-ingest")
        self._sweep()

    def _sweep(self, older_than_s: float = 6 * 3600) -> None:
        """Removes upload folders left by a server stopped mid-ingest (what was stored is in
        files/ already); recent ones may belong to another server on the same data directory."""
        import time

        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            try:
                if time.time() - folder.stat().st_mtime > older_than_s:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue

    def new_folder(self) -> tuple[str, Path]:
        job_id = secrets.token_urlsafe(12)
        return job_id, self.root / job_id

    def submit(self, job: Job) -> Job:
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS:
                self._jobs.popitem(last=False)
        self._pool.submit(self._run, job)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFound()
        return job

    def recent(self, limit: int = 10) -> list[Job]:
        with self._lock:
            return list(reversed(self._jobs.values()))[:limit]

    def _run(self, job: Job) -> None:
        from classify import ModelError
        from corpus import StoreUnavailable

        job.state = "running"
        settings = self.settings
        try:
            ingest(
                [job.folder],
                engine=self.engine,
                data_dir=settings.data_dir,
                limits=settings.limits(),
                jobs=settings.jobs,
                overrides=job.overrides,
                user=job.user,
                on_result=job.add,
                review_threshold=settings.review_threshold,
            )
            job.state = "done"
        except (StoreUnavailable, ModelError) as exc:
            job.error, job.state = str(exc), "error"
        except Exception:
            log.exception("ingest of upload %s failed", job.id)
            job.error = "入库时出现内部错误；已入库的文件完整无损，请重新上传其余文件或联系管理员。"
            job.state = "error"
        finally:
            shutil.rmtree(job.folder, ignore_errors=True)

    def wait(self, job_id: str, timeout: float = 60) -> Job:
        """For tests and scripts: blocks until the job has finished."""
        import time

        deadline = time.monotonic() + timeout
        job = self.get(job_id)
        while job.state in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.05)
        return job

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
