"""Ingest: files, folders and .zip archives into the store, one transaction per document.

Each file is hashed first: content already stored is reported as present without parsing.
The rest is extracted in parallel by isolated workers (extract.extract_files); the parent writes
each result in its own transaction. The file is copied into the store before the transaction and
committed with it, so a kill at any moment leaves every document whole or absent, plus at most a
stored file without a row, which the next run sweeps away.
"""

from __future__ import annotations

import contextlib
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session, select

from classify import AreaModel, When
from classify.tags import TagModel
from extract import (
    ACCEPTED_SUFFIXES,
    ExtractError,
    Failure,
    Limits,
    check_zip,
    city_named,
    extract_files,
    iter_files,
    sha256_of,
)
from extract import Document as Extracted
from models.db import session_scope
from models.tables import (
    Application,
    ApplicationTag,
    City,
    Document,
    Figure,
    Passage,
    Submission,
)

from .analysis import Analysis, Models, analyse
from .classifiers import area_model, tag_model
from .storage import store_file, sweep_orphans
from .store import StoreUnavailable

PERIODS = ("H1", "FY")
MAX_ZIP_MEMBERS = 5_000


@dataclass
class Overrides:
    """What the evaluator said on the command line; wins over what extraction recognised."""

    city: str | None = None
    year: int | None = None
    period: str | None = None


@dataclass
class FileResult:
    name: str
    status: str  # added | version | present | failed
    message: str = ""
    document_id: int | None = None
    pages: int = 0
    code: str | None = None
    needs_review: bool = False  # stored, but its city or period is for the evaluator to say


@dataclass
class IngestSummary:
    results: list[FileResult] = field(default_factory=list)
    swept: int = 0

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    def to_dict(self) -> dict:
        return {
            "added": self.count("added"),
            "versions": self.count("version"),
            "present": self.count("present"),
            "failed": self.count("failed"),
            "swept_orphans": self.swept,
            "files": [r.__dict__ for r in self.results],
        }


@dataclass
class _Job:
    path: Path  # where the bytes are now (a temp copy for zip members)
    name: str  # what the evaluator sees: the original name, NFC
    sha256: str
    origin: str = ""  # the archive a member came from


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name).replace("\x00", "")


def _expand(
    paths: Iterable[Path], tmp: Path, limits: Limits
) -> Iterator[tuple[Path, str, str] | FileResult]:
    """Yields (path, display name, origin) for every file, unpacking .zip archives safely; a
    FileResult for what cannot be unpacked."""
    for path in iter_files(paths):
        if path.suffix.lower() != ".zip":
            yield path, _nfc(path.name), ""
            continue
        yield from _unzip(path, tmp, limits)


def _unzip(path: Path, tmp: Path, limits: Limits) -> Iterator[tuple[Path, str, str] | FileResult]:
    name = _nfc(path.name)
    try:
        check_zip(
            path,
            Limits(max_zip_entries=MAX_ZIP_MEMBERS, max_zip_total_bytes=limits.max_file_bytes * 20),
        )
        zf = zipfile.ZipFile(path)
    except ExtractError as exc:
        yield FileResult(name, "failed", exc.message, code=exc.code)
        return
    except (zipfile.BadZipFile, OSError) as exc:
        yield FileResult(name, "failed", f"{name}: failed: parse error ({exc})", code="parse error")
        return
    folder = Path(tempfile.mkdtemp(dir=tmp))  # one per archive: members never collide
    with zf:
        for i, info in enumerate(zf.infolist()):
            if info.is_dir():
                continue
            member = _zip_member_name(info)
            base = member.rsplit("/", 1)[-1]
            if base.startswith(("~$", ".")) or "__MACOSX" in member:
                continue
            # Generated names on disk: the member's own name never touches the file system.
            suffix = Path(base).suffix.lower()
            target = folder / f"{i:05d}{suffix if suffix in ACCEPTED_SUFFIXES else '.bin'}"
            if info.file_size > limits.max_file_bytes:
                yield FileResult(
                    base, "failed", f"{base}: rejected: too large (in {name})", code="too large"
                )
                continue
            with zf.open(info) as src, target.open("wb") as out:
                while chunk := src.read(1 << 20):
                    out.write(chunk)
            yield target, base, name


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    raw = info.filename
    if not info.flag_bits & 0x800:  # not flagged UTF-8: Chinese Windows zips use GBK
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            raw = raw.encode("cp437").decode("gbk")
    return _nfc(raw.replace("\\", "/"))


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
    overrides = overrides or Overrides()
    models = Models(areas or area_model(data_dir), tags or tag_model(data_dir), review_threshold)
    summary = IngestSummary()
    report = on_result or (lambda _r: None)
    try:
        summary.swept = _sweep(engine, data_dir)
        (data_dir / "tmp").mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=data_dir / "tmp") as tmp:
            pending: dict[str, _Job] = {}
            for item in _expand([Path(p) for p in paths], Path(tmp), limits):
                result = item if isinstance(item, FileResult) else _triage(engine, item, pending)
                if result is not None:
                    summary.results.append(result)
                    report(result)
            jobs_by_path = {str(job.path): job for job in pending.values()}
            for outcome in extract_files(list(jobs_by_path), limits, jobs):
                result = _store(
                    engine,
                    data_dir,
                    jobs_by_path[outcome.path],
                    outcome,
                    overrides,
                    user,
                    models,
                )
                summary.results.append(result)
                report(result)
    except (OperationalError, InterfaceError) as exc:
        raise StoreUnavailable(
            f"数据库连接中断，已保存的文件完整无损；恢复后重新运行同一命令即可补齐：{exc.__class__.__name__}"
        ) from exc
    return summary


def _triage(
    engine: Engine, item: tuple[Path, str, str], pending: dict[str, _Job]
) -> FileResult | None:
    """Decides before parsing: missing, already stored, a duplicate in this batch, or to parse
    (added to `pending` under its content key, returns None)."""
    path, name, origin = item
    if not path.exists():
        return FileResult(name, "failed", f"{name}: failed: not found", code="not found")
    sha = sha256_of(path)
    existing = _find_by_sha(engine, sha)
    if existing is not None and existing.status == "ok":
        return FileResult(
            name,
            "present",
            f"{name}: already stored as document {existing.id}",
            existing.id,
            existing.pages or 0,
        )
    key = f"{sha}{path.suffix.lower()}"  # same bytes under another type fail on their own
    if key in pending:
        return FileResult(name, "present", f"{name}: same content as another file in this batch")
    pending[key] = _Job(path, name, sha, origin)
    return None


def _sweep(engine: Engine, data_dir: Path) -> int:
    with Session(engine) as session:
        referenced = session.exec(
            select(Document.stored_path).where(Document.stored_path.is_not(None))
        ).all()
    return len(sweep_orphans(data_dir, referenced))


def _find_by_sha(engine: Engine, sha: str) -> Document | None:
    with Session(engine) as session:
        return session.exec(select(Document).where(Document.sha256 == sha)).first()


def _store(
    engine: Engine,
    data_dir: Path,
    job: _Job,
    outcome: Extracted | Failure,
    overrides: Overrides,
    user: str,
    models: Models,
) -> FileResult:
    if isinstance(outcome, Failure):
        return _store_failure(engine, job, outcome, user)
    stored = store_file(data_dir, job.path, job.sha256)
    meta = outcome.metadata
    evidence = {k: [e.__dict__ for e in v] for k, v in meta.evidence.items()}
    city = meta.city
    if overrides.city:
        known = city_named(overrides.city)
        city = known.name if known else overrides.city
        evidence["city"] = [
            {"value": city, "source": "option", "text": overrides.city},
            *evidence.get("city", []),
        ]
    for key, value in (("year", overrides.year), ("period", overrides.period)):
        if value:
            evidence[key] = [{"value": str(value), "source": "option", "text": str(value)}]
    year = overrides.year or meta.year
    period = overrides.period or meta.period
    warnings = list(outcome.warnings)
    if job.origin:
        warnings.append(f"from the archive {job.origin}")
    # Tokenised and classified before the transaction opens, so the write lock is held only
    # for writing.
    analysis = analyse(outcome, models, When(year, period))
    try:
        return _write(
            engine, job, outcome, stored, city, year, period, evidence, warnings, analysis, user
        )
    except IntegrityError:
        # Another ingest stored the same bytes after this one looked: that document stands.
        return FileResult(job.name, "present", f"{job.name}: stored meanwhile by another ingest")


def _write(
    engine: Engine,
    job: _Job,
    outcome: Extracted,
    stored: str,
    city: str | None,
    year: int | None,
    period: str | None,
    evidence: dict,
    warnings: list[str],
    analysis: Analysis,
    user: str,
) -> FileResult:
    """The document, its passages (and through triggers their index entries) in one transaction."""
    meta = outcome.metadata
    with session_scope(engine) as session:
        previous = session.exec(
            select(Document).where(
                Document.name == job.name, Document.is_current, Document.status == "ok"
            )
        ).first()
        # A failed attempt at the same bytes is replaced by the success.
        failed = session.exec(
            select(Document).where(Document.sha256 == job.sha256, Document.status == "failed")
        ).first()
        if failed is not None:
            session.delete(failed)
            session.flush()
        submission_id = submission_for(session, city, year, period)
        doc = Document(
            sha256=job.sha256,
            name=job.name,
            stored_path=stored,
            size=outcome.size,
            format=outcome.format,
            pages=outcome.pages,
            kind=meta.kind,
            status="ok",
            title=meta.title,
            submission_id=submission_id,
            city=city,
            year=year,
            period=period,
            needs_review=submission_id is None,
            metadata_evidence=evidence,
            warnings=warnings,
            structure=[_block_dict(b) for b in outcome.blocks],
            page_info=[p.__dict__ for p in outcome.page_info],
            truncated=outcome.truncated,
            n_passages=len(analysis.passages),
            version=previous.version + 1 if previous else 1,
            previous_id=previous.id if previous else None,
            ingested_by=user,
        )
        if previous is not None:
            previous.is_current = False
            session.add(previous)
        session.add(doc)
        session.flush()
        for item in analysis.passages:
            p, pred = item.passage, item.prediction
            row = Passage(
                document_id=doc.id,
                order=p.order,
                page=p.page,
                heading_path=list(p.heading_path),
                text=p.text,
                words=item.words,
                extra=item.extra,
                area=pred.area,
                area_confidence=pred.confidence,
                second_area=pred.second_area,
                second_confidence=pred.second_confidence,
                needs_review=pred.needs_review,
            )
            session.add(row)
            if item.figures:
                session.flush()
                session.add_all(
                    Figure(
                        passage_id=row.id,
                        raw=f.raw,
                        value=f.value,
                        unit=f.unit,
                        approx=f.approx,
                        cmp=f.cmp,
                        kind=f.kind,
                        period=f.period,
                        indicator=f.indicator,
                        target_check=check,
                        start=f.start,
                        end=f.end,
                        row=f.row,
                        col=f.col,
                        role=f.role,
                        as_of=f.as_of,
                        as_of_precision=f.precision,
                        as_of_source=f.as_of_source,
                        pair_start=f.pair_start,
                    )
                    for f, check in item.figures
                )
        for found in analysis.cases:
            case = found.case
            app = Application(
                document_id=doc.id,
                title=case.title,
                body=case.body,
                city=city,
                year=year,
                period=period,
                page=case.page,
                organisations=list(case.organisations),
                places=list(case.places),
                figures=[
                    {"raw": f.raw, "value": f.value, "unit": f.unit, "indicator": f.indicator}
                    for f in found.figures
                ],
                area=found.area.area,
                area_confidence=found.area.confidence,
            )
            session.add(app)
            session.flush()
            session.add_all(
                ApplicationTag(application_id=app.id, tag=t.tag, score=t.score) for t in found.tags
            )
        doc_id = doc.id
    status = "version" if previous is not None else "added"
    message = f"{job.name}: {'new version ' + str(doc.version) + ' of' if previous else 'added as'} document {doc_id}"
    if submission_id is None:
        message += "（城市或时段未识别，请评估人员确认）"
    return FileResult(
        job.name, status, message, doc_id, outcome.pages or 0, needs_review=submission_id is None
    )


def _store_failure(engine: Engine, job: _Job, failure: Failure, user: str) -> FileResult:
    message = failure.message.replace(Path(failure.path).name, job.name, 1)
    with session_scope(engine) as session:
        row = session.exec(select(Document).where(Document.sha256 == job.sha256)).first()
        if row is not None and row.status == "ok":
            # The same bytes were read under another name: that document stands.
            return FileResult(job.name, "failed", message, code=failure.code)
        if row is None:
            row = Document(sha256=job.sha256, name=job.name, status="failed", ingested_by=user)
        row.error_code, row.error = failure.code, message
        row.format = job.path.suffix.lower().lstrip(".")
        row.size = job.path.stat().st_size
        session.add(row)
        session.flush()
        doc_id = row.id
    return FileResult(job.name, "failed", message, doc_id, code=failure.code)


def submission_for(
    session: Session, city: str | None, year: int | None, period: str | None
) -> int | None:
    if not (city and year and period in PERIODS):
        return None
    row = session.exec(select(City).where(City.name == city)).first()
    if row is None:
        known = city_named(city)
        row = City(name=city, province=known.province if known else None)
        session.add(row)
        session.flush()
    sub = session.exec(
        select(Submission).where(
            Submission.city_id == row.id, Submission.year == year, Submission.period == period
        )
    ).first()
    if sub is None:
        sub = Submission(city_id=row.id, year=year, period=period)
        session.add(sub)
        session.flush()
    return sub.id


def _block_dict(block) -> dict:
    data = {"kind": block.kind, "text": block.text, "page": block.page, "level": block.level}
    if block.rows:
        data["rows"] = block.rows
    if block.original:
        data["original"] = block.original
    return data
