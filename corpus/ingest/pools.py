"""Extraction workers kept between the ingests of one process.

The analysis runs in the extraction workers, which load the models and jieba's dictionaries once
each (about 0.5 CPU-seconds, docs/ingest.md). A process that ingests again and again — the web app after each
upload, the test suite, a script — would pay that for every ingest of one file if each ingest
started its own workers. So an ingest borrows a pool of workers kept by the process for the same
(jobs, limits, step) and gives it back; a pool no ingest is using is kept (at most `KEEP_IDLE`
of them, the least recently used closed first), and the workers end with the process (they are
daemons, and their LibreOffice has a watchdog).

The pool is the executor, not shared state of the per-file step: each file is still extracted
and analysed alone in a worker, and two ingests borrowing one pool at once share its workers the
way one ingest's threads do.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from extract import Limits
from extract.isolate import WorkerPool

from .step import AnalyseStep

KEEP_IDLE = 2


@dataclass
class _Kept:
    pool: WorkerPool
    step: AnalyseStep  # held, so the ids of the models in the key are never reused meanwhile
    users: int = 0


_lock = threading.Lock()
_kept: dict[tuple, _Kept] = {}  # oldest use first


def _stamp(path: Path | None) -> tuple | None:
    """Which file is at `path` now: `infocity train` makes a new model current by replacing the
    file (a new inode), and workers holding the old one must not serve the next ingest."""
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _key(jobs: int, limits: Limits, step: AnalyseStep) -> tuple:
    # Models given as objects (tests, `infocity train`'s evaluation) count by identity; the rest
    # of the step by value, so every ingest with the same settings finds the same workers.
    return (
        jobs,
        repr(limits),
        str(step.areas_path),
        _stamp(step.areas_path),
        str(step.tags_path),
        _stamp(step.tags_path),
        step.review_threshold,
        repr(step.overrides),
        id(step.areas),
        id(step.tags),
    )


@contextlib.contextmanager
def borrowed(jobs: int, limits: Limits, step: AnalyseStep) -> Iterator[WorkerPool]:
    """A pool of `jobs` workers running `step`, kept for the next ingest when this one is done."""
    key = _key(jobs, limits, step)
    with _lock:
        kept = _kept.pop(key, None)
        if kept is None:
            kept = _Kept(WorkerPool(jobs, limits, then=step), step)
        _kept[key] = kept  # the most recently used last
        kept.users += 1
    try:
        yield kept.pool
    finally:
        with _lock:
            kept.users -= 1
            idle = [k for k, entry in _kept.items() if entry.users == 0]
            for k in idle[: max(0, len(idle) - KEEP_IDLE)]:
                _kept.pop(k).pool.close()


def close_all() -> None:
    """Ends every kept worker no ingest is using (a test that counts processes, a clean exit)."""
    with _lock:
        for k in [k for k, entry in _kept.items() if entry.users == 0]:
            _kept.pop(k).pool.close()
