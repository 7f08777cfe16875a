"""`ingest`, the batch: triage every file, then extract and analyse the new ones in the kept
worker pool and write each in its own transaction (see the package's docstring)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from classify import AreaModel
from classify.tags import TagModel
from extract import Limits, extract_files

from .. import leases
from ..classifiers import CURRENT, CURRENT_TAGS, models_dir
from ..store import StoreUnavailable, store_fault
from .pools import borrowed
from .results import FileResult, IngestSummary, Overrides
from .sources import expand
from .step import AnalyseStep, attach
from .triage import Source, sweep, triage
from .write import write


def analyse_step(
    data_dir: Path,
    overrides: Overrides | None = None,
    review_threshold: float | None = None,
    areas: AreaModel | None = None,
    tags: TagModel | None = None,
) -> AnalyseStep:
    """The step the workers run: the data directory's current models (else the shipped ones)."""
    folder = models_dir(data_dir)
    areas_path, tags_path = folder / CURRENT, folder / CURRENT_TAGS
    return AnalyseStep(
        areas_path if areas is None and areas_path.exists() else None,
        tags_path if tags is None and tags_path.exists() else None,
        review_threshold,
        overrides or Overrides(),
        areas,
        tags,
    )


def ingest(
    paths: Iterable[str | Path],
    *,
    engine: Engine,
    data_dir: Path,
    limits: Limits,
    jobs: int = 1,
    overrides: Overrides | None = None,
    user: str = "",
    on_result: Callable[[FileResult], None] | None = None,
    areas: AreaModel | None = None,
    tags: TagModel | None = None,
    review_threshold: float | None = None,
) -> IngestSummary:
    """Ingests files, folders and zips; returns what happened to each file.

    `areas` and `tags` are the models (default: the data directory's current ones, else the
    shipped ones); `review_threshold` overrides the area model's own threshold for review."""
    step = analyse_step(data_dir, overrides, review_threshold, areas, tags)
    summary = IngestSummary()
    report = on_result or (lambda _r: None)
    try:
        with contextlib.ExitStack() as stack:
            # Borrowed first and started as files to read are found (one worker per file, up to
            # `jobs`): the workers load their models while the batch is still being triaged
            # (hashed and looked up), instead of after.
            jobs = max(1, jobs)
            pool = stack.enter_context(borrowed(jobs, limits, step))
            lease = stack.enter_context(leases.held(engine))
            summary.swept = sweep(engine, data_dir, lease)
            (data_dir / "tmp").mkdir(parents=True, exist_ok=True)
            tmp = stack.enter_context(tempfile.TemporaryDirectory(dir=data_dir / "tmp"))
            pending: dict[str, Source] = {}
            for item in expand([Path(p) for p in paths], Path(tmp), limits):
                result = item if isinstance(item, FileResult) else triage(engine, item, pending)
                if result is not None:
                    summary.results.append(result)
                    report(result)
                elif len(pending) <= jobs:
                    pool.start(len(pending))
            sources = {str(source.path): source for source in pending.values()}
            folders = {path: source.folders for path, source in sources.items()}
            if sources:
                for outcome in extract_files(list(sources), limits, jobs, folders, pool=pool):
                    analysed = attach(sources[outcome.path], outcome)
                    result = write(engine, analysed, data_dir=data_dir, user=user)
                    summary.results.append(result)
                    report(result)
    except OSError as exc:  # writing to the data directory: a full disk, a read-only mount
        fault = store_fault(exc, data_dir)
        if fault is None:
            raise
        raise fault from exc
    except (OperationalError, InterfaceError) as exc:
        if (fault := store_fault(exc, data_dir)) is not None:
            raise fault from exc
        raise StoreUnavailable(
            f"数据库连接中断，已保存的文件完整无损；恢复后重新运行同一命令即可补齐：{exc.__class__.__name__}"
        ) from exc
    return summary
