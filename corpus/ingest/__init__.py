"""Ingest: files, folders and .zip archives into the store, one transaction per document.

Each file is hashed first: content already stored is reported as present without parsing.
The rest is extracted and analysed in parallel by isolated workers (extract.extract_files with
`step.AnalyseStep`: models load once per worker); the parent only writes each result in its own
transaction (`write.write`, bulk statements). The file is copied into the store before the transaction and
committed with it, so a kill at any moment leaves every document whole or absent, plus at most a
stored file without a row, which the next run sweeps away.

Two ingests may run at once (the web app and the command line, two evaluators): each holds a
lease (corpus/leases.py) so neither sweeps what the other has copied but not yet committed; a
document whose transaction loses a race for a new city or submission is written again, and a
file is reported as present only when its document is committed.

Modules, in the order a file goes through them: `sources` (folders and archives into files),
`triage` (already stored? a duplicate?), `step` (extract + analyse in a worker: the pure
per-file function), `rows` (one row builder per entity) and `write` (one transaction).
"""

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
from .step import AnalysedDocument, AnalyseStep, FailedDocument, analyse_file, attach
from .triage import Source, sweep, triage
from .write import (
    PERIODIC_KINDS,
    record_issuer,
    submission_for,
    unconfirmed_reasons,
    write,
)

__all__ = [
    "PERIODIC_KINDS",
    "AnalyseStep",
    "AnalysedDocument",
    "FailedDocument",
    "FileResult",
    "IngestSummary",
    "Overrides",
    "Source",
    "analyse_file",
    "analyse_step",
    "ingest",
    "record_issuer",
    "submission_for",
    "unconfirmed_reasons",
    "write",
]


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
            sources = {str(source.path): source for source in pending.values()}
            folders = {path: source.folders for path, source in sources.items()}
            if sources:
                pool = stack.enter_context(borrowed(max(1, jobs), limits, step))
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
