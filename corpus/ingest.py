"""Ingest: files, folders and .zip archives into the store, one transaction per document.

Each file is hashed first: content already stored is reported as present without parsing.
The rest is extracted in parallel by isolated workers (extract.extract_files); the parent writes
each result in its own transaction. The file is copied into the store before the transaction and
committed with it, so a kill at any moment leaves every document whole or absent, plus at most a
stored file without a row, which the next run sweeps away.

Two ingests may run at once (the web app and the command line, two evaluators): each holds a
lease (corpus/leases.py) so neither sweeps what the other has copied but not yet committed; a
document whose transaction loses a race for a new city or submission is written again, and a
file is reported as present only when its document is committed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import unicodedata
import zipfile
import zlib
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
    NotRegular,
    check_zip,
    city_named,
    escape_controls,
    extract_files,
    sha256_regular,
    walk,
)
from extract import Document as Extracted
from extract.files import decode_name
from extract.vocabulary import Kind, Level
from models.db import session_scope
from models.tables import (
    Application,
    ApplicationTag,
    City,
    Document,
    Figure,
    Passage,
    ReviewEvent,
    Submission,
)

from . import leases
from .analysis import Analysis, Models, analyse
from .classifiers import area_model, tag_model
from .storage import store_file, sweep_orphans
from .store import StoreUnavailable, store_fault
from .versions import SYSTEM, carried_metadata, carry_forward, find_previous

PERIODS = ("H1", "FY")
MAX_ZIP_MEMBERS = 5_000
WRITE_ATTEMPTS = 5  # a document's transaction, when another ingest created its city meanwhile


@dataclass
class Overrides:
    """What the evaluator said on the command line; wins over what extraction recognised."""

    city: str | None = None
    year: int | None = None
    period: str | None = None


@dataclass
class FileResult:
    name: str
    status: str  # added | version | present | failed | skipped (not a file to read: said why)
    message: str = ""
    document_id: int | None = None
    pages: int = 0
    code: str | None = None
    needs_review: bool = False  # stored, but its city or period is for the evaluator to say
    unconfirmed: dict = field(default_factory=dict)  # field → Chinese reason, for the evaluator
    not_carried: list = field(default_factory=list)  # reviews of the previous version left behind


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
            "skipped": self.count("skipped"),
            "swept_orphans": self.swept,
            "files": [r.__dict__ for r in self.results],
        }


@dataclass
class _Job:
    path: Path  # where the bytes are now (a temp copy for zip members)
    name: str  # what the evaluator sees: the original name, NFC
    sha256: str
    origin: str = ""  # the archive a member came from
    note: str = ""  # a warning about the name (not UTF-8: its original bytes)
    folders: tuple[str, ...] = ()  # folder names from the ingest root down: issuer evidence


def _nfc(name: str) -> str:
    """A name for display and the store: NFC, control characters escaped, NUL removed."""
    return escape_controls(unicodedata.normalize("NFC", name))


_Item = tuple[Path, str, str, str, tuple[str, ...]]  # path, display name, origin, note, folders


def _folders_of(path: Path, roots: list[Path]) -> tuple[str, ...]:
    """The folder names between the ingest root and the file, the root folder's own name
    included (`杭州市/2016上半年/进展.docx` given as `杭州市` → 杭州市, 2016上半年): evaluators
    file submissions under the unit's name, which extract weighs as evidence of the issuer."""
    for root in roots:
        if root in path.parents:
            return tuple(path.relative_to(root.parent).parts[:-1])
    return ()


def _expand(paths: Iterable[Path], tmp: Path, limits: Limits) -> Iterator[_Item | FileResult]:
    """Yields (path, display name, origin, note) for every file, unpacking .zip archives safely;
    a FileResult for what is skipped or cannot be unpacked. Every entry is reported once."""
    paths = list(paths)
    roots = [p for p in paths if p.is_dir()]
    for n, found in enumerate(walk(paths)):
        if found.skipped == "not found":
            yield FileResult(
                found.name, "failed", f"{found.name}: failed: not found", code="not found"
            )
            continue
        if found.skipped is not None:
            yield FileResult(
                found.name,
                "skipped",
                f"{found.name}: skipped: {found.skipped}（{found.detail}）",
                code=found.skipped,
            )
            continue
        path, note = found.path, ""
        if found.raw is not None:
            note = f"文件名不是 UTF-8 编码，已按 GB18030 解读；原始字节：{found.raw}"
            path = _named_copy(found.path, found.name, tmp / f"name{n:05d}")
        folders = _folders_of(found.path, roots)
        if path.suffix.lower() != ".zip":
            yield path, found.name, "", note, folders
            continue
        yield from _unzip(path, found.name, tmp, limits, folders=(*folders, Path(found.name).stem))


def _named_copy(path: Path, name: str, folder: Path) -> Path:
    """The file under its decoded name (a hard link, else a copy), so the parser reads the city
    and period from the name as it does for any other file."""
    try:
        folder.mkdir(parents=True)
        target = folder / name
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
        return target
    except OSError:
        return path


# Methods Python's zipfile reads; anything else (Deflate64 = 9, PPMd = 98...) fails alone.
_ZIP_METHODS = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}
_ZIP_METHOD_NAMES = {9: "Deflate64", 98: "PPMd", 99: "AES", 93: "Zstandard", 95: "XZ"}


def _unzip(
    path: Path,
    name: str,
    tmp: Path,
    limits: Limits,
    depth: int = 1,
    folders: tuple[str, ...] = (),
) -> Iterator[_Item | FileResult]:
    """The members of an archive, each read alone: an encrypted, corrupt or unsupported member
    fails with its reason and the others are read; nested archives are opened to
    `limits.max_zip_depth`."""
    try:
        check_zip(
            path,
            Limits(max_zip_entries=MAX_ZIP_MEMBERS, max_zip_total_bytes=limits.max_file_bytes * 20),
        )
        zf = zipfile.ZipFile(path)
    except ExtractError as exc:
        yield FileResult(name, "failed", exc.message.replace(exc.name, name, 1), code=exc.code)
        return
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        yield FileResult(
            name,
            "failed",
            f"{name}: failed: parse error（压缩包已损坏：{exc}）",
            code="parse error",
        )
        return
    folder = Path(tempfile.mkdtemp(dir=tmp))  # one per archive: members never collide
    macos_junk = 0
    with zf:
        for i, info in enumerate(zf.infolist()):
            if info.is_dir():
                continue
            member = _zip_member_name(info)
            base = member.rsplit("/", 1)[-1]
            if "__MACOSX/" in member or member.startswith("__MACOSX"):
                macos_junk += 1
                continue
            if base.startswith(("~$", ".")):
                yield FileResult(
                    base,
                    "skipped",
                    f"{base}: skipped: hidden file（{name} 中的隐藏或临时文件，未导入）",
                    code="hidden file",
                )
                continue
            if failure := _member_problem(info, base, name, limits):
                yield failure
                continue
            # Generated names on disk: the member's own name never touches the file system.
            suffix = Path(base).suffix.lower()
            known = suffix in ACCEPTED_SUFFIXES or suffix == ".zip"
            target = folder / f"{i:05d}{suffix if known else '.bin'}"
            if (failure := _unpack_member(zf, info, target, base, name)) is not None:
                yield failure
                continue
            inner = (*folders, *(p for p in member.split("/")[:-1] if p))
            if suffix != ".zip":
                yield target, base, name, "", inner
            elif depth >= limits.max_zip_depth:
                yield FileResult(
                    base,
                    "failed",
                    f"{base}: rejected: zip bomb（压缩包嵌套超过 {limits.max_zip_depth} 层，在 {name} 中）",
                    code="zip bomb",
                )
            else:
                yield from _unzip(
                    target,
                    f"{name} › {base}",
                    tmp,
                    limits,
                    depth + 1,
                    folders=(*inner, Path(base).stem),
                )
    if macos_junk:
        yield FileResult(
            f"{name} › __MACOSX",
            "skipped",
            f"{name}: skipped: hidden file（{macos_junk} 个 macOS 附加信息文件，未导入）",
            code="hidden file",
        )


def _member_problem(
    info: zipfile.ZipInfo, base: str, archive: str, limits: Limits
) -> FileResult | None:
    """What makes a member unreadable, from the central directory alone."""
    if info.flag_bits & 0x1:
        return FileResult(
            base,
            "failed",
            f"{base}: failed: encrypted（{archive} 中的这个文件有密码保护，不尝试密码；"
            "请发送未加密的文件）",
            code="encrypted",
        )
    if info.compress_type not in _ZIP_METHODS:
        method = _ZIP_METHOD_NAMES.get(info.compress_type, f"方法 {info.compress_type}")
        return FileResult(
            base,
            "failed",
            f"{base}: rejected: unsupported format（{archive} 用 {method} 压缩，无法读取；"
            "请用普通 zip（Deflate）重新打包）",
            code="unsupported format",
        )
    if info.file_size > limits.max_file_bytes:
        return FileResult(
            base, "failed", f"{base}: rejected: too large (in {archive})", code="too large"
        )
    return None


def _unpack_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, base: str, archive: str
) -> FileResult | None:
    """Copies one member to `target`; a member that cannot be read fails alone. Errors writing
    (a full disk) are the store's, and propagate."""
    with target.open("wb") as out:
        try:
            src = zf.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError) as exc:
            src = None
            error: Exception = exc
        if src is not None:
            with src:
                while True:
                    try:
                        chunk = src.read(1 << 20)
                    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as exc:
                        error = exc
                        break
                    if not chunk:
                        return None
                    out.write(chunk)
    target.unlink(missing_ok=True)
    return FileResult(
        base,
        "failed",
        f"{base}: failed: parse error（{archive} 中的这个文件已损坏，无法解压："
        f"{type(error).__name__}）",
        code="parse error",
    )


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    """The member's name: as flagged UTF-8; else its bytes as UTF-8 (Linux and macOS `zip` do
    not set the flag), else as GB18030 (Chinese Windows)."""
    raw = info.filename
    if not info.flag_bits & 0x800:
        with contextlib.suppress(UnicodeEncodeError):
            raw = decode_name(info.filename.encode("cp437"))[0]
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
        with contextlib.ExitStack() as stack:
            lease = stack.enter_context(leases.held(engine))
            summary.swept = _sweep(engine, data_dir, lease)
            (data_dir / "tmp").mkdir(parents=True, exist_ok=True)
            tmp = stack.enter_context(tempfile.TemporaryDirectory(dir=data_dir / "tmp"))
            pending: dict[str, _Job] = {}
            for item in _expand([Path(p) for p in paths], Path(tmp), limits):
                result = item if isinstance(item, FileResult) else _triage(engine, item, pending)
                if result is not None:
                    summary.results.append(result)
                    report(result)
            jobs_by_path = {str(job.path): job for job in pending.values()}
            folders = {path: job.folders for path, job in jobs_by_path.items()}
            for outcome in extract_files(list(jobs_by_path), limits, jobs, folders):
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


def _triage(engine: Engine, item: _Item, pending: dict[str, _Job]) -> FileResult | None:
    """Decides before parsing: missing, empty, already stored, a duplicate in this batch, or to
    parse (added to `pending` under its content key, returns None)."""
    path, name, origin, note, folders = item
    try:
        sha = sha256_regular(path)
        size = path.stat().st_size
    except NotRegular:
        return FileResult(
            name,
            "skipped",
            f"{name}: skipped: not a regular file（读取时已不是普通文件，未导入）",
            code="not a regular file",
        )
    except FileNotFoundError:
        return FileResult(name, "failed", f"{name}: failed: not found", code="not found")
    except OSError as exc:  # the submitted file cannot be read: that file fails alone
        return FileResult(
            name,
            "failed",
            f"{name}: failed: not found（无法读取：{exc.strerror}）",
            code="not found",
        )
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
    if size == 0:  # all empty files share one hash: each fails on its own, none is "the same"
        key += f"/{len(pending)}"
    if key in pending:
        return FileResult(name, "present", f"{name}: same content as another file in this batch")
    pending[key] = _Job(path, name, sha, origin, note, folders)
    return None


def _sweep(engine: Engine, data_dir: Path, lease: leases.Lease) -> int:
    """Removes stored files without a row that no running ingest may still commit."""

    def referenced() -> list[str]:
        with Session(engine) as session:
            return list(
                session.exec(
                    select(Document.stored_path).where(Document.stored_path.is_not(None))
                ).all()
            )

    cutoff = leases.sweep_cutoff(engine, lease)
    _sweep_temp(data_dir / "tmp", cutoff)
    return len(sweep_orphans(data_dir, referenced, older_than=cutoff))


def _sweep_temp(tmp: Path, cutoff: float) -> None:
    """Removes unpacking folders left by killed ingests (older than every running one)."""
    if not tmp.is_dir():
        return
    for folder in tmp.iterdir():
        with contextlib.suppress(OSError):
            if folder.lstat().st_mtime < cutoff:
                if folder.is_dir() and not folder.is_symlink():
                    shutil.rmtree(folder, ignore_errors=True)
                else:
                    folder.unlink()


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
    if job.note:
        warnings.append(job.note)
    # Tokenised and classified before the transaction opens, so the write lock is held only
    # for writing.
    analysis = analyse(outcome, models, When(year, period))
    for _ in range(WRITE_ATTEMPTS):
        try:
            return _write(
                engine, job, outcome, stored, city, year, period, evidence, warnings, analysis, user
            )
        except IntegrityError:
            # Another ingest committed first: the same bytes (that document stands, and is
            # reported only once it is really there), or the same new city or submission (found
            # by the next attempt).
            if (present := _present(engine, job)) is not None:
                return present
    return _conflict(job)


def _present(engine: Engine, job: _Job) -> FileResult | None:
    existing = _find_by_sha(engine, job.sha256)
    if existing is None or existing.status != "ok":
        return None
    return FileResult(
        job.name,
        "present",
        f"{job.name}: stored meanwhile by another ingest as document {existing.id}",
        existing.id,
        existing.pages or 0,
    )


def _conflict(job: _Job) -> FileResult:
    return FileResult(
        job.name,
        "failed",
        f"{job.name}: failed: conflict（与同时进行的另一次导入反复冲突，未保存；请重新运行同一命令）",
        code="conflict",
    )


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
    """The document, its passages (and through triggers their index entries) in one transaction.

    A version replaces an earlier document only inside one submission (corpus.versions); the
    evaluators' work on it then follows, recorded in the audit."""
    meta = outcome.metadata
    kind = meta.kind
    unconfirmed = unconfirmed_reasons(meta, city, year, period, kind, evidence)
    recognised = {"city": city, "year": year, "period": period, "kind": kind}
    with session_scope(engine) as session:
        previous = find_previous(
            session,
            name=job.name,
            key=(city, year, period, kind),
            confirmed=not unconfirmed,
            exclude_sha=job.sha256,
        )
        carried_meta = None
        if previous is not None:
            carried_meta = carried_metadata(previous)
            if carried_meta == recognised:
                carried_meta = None  # nothing the evaluators changed
            else:
                city, year = carried_meta["city"], carried_meta["year"]
                period, kind = carried_meta["period"], carried_meta["kind"]
                for key, value in carried_meta.items():
                    if recognised[key] != value:
                        evidence[key] = [
                            {
                                "value": str(value or ""),
                                "source": "evaluator",
                                "text": f"第 {previous.version} 版（文件 {previous.id}）确认的值",
                            },
                            *evidence.get(key, []),
                        ]
        # A failed attempt at the same bytes is replaced by the success.
        failed = session.exec(
            select(Document).where(Document.sha256 == job.sha256, Document.status == "failed")
        ).first()
        if failed is not None:
            session.delete(failed)
            session.flush()
        submission_id = submission_for(session, city, year, period)
        record_issuer(session, meta, city)
        doc = Document(
            sha256=job.sha256,
            name=job.name,
            stored_path=stored,
            size=outcome.size,
            format=outcome.format,
            pages=outcome.pages,
            kind=kind,
            status="ok",
            title=meta.title,
            submission_id=submission_id,
            city=city,
            year=year,
            period=period,
            needs_review=bool(unconfirmed),
            confirmed=not unconfirmed,
            unconfirmed=unconfirmed,
            recognised=recognised,
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
        not_carried: list = []
        if previous is not None:
            session.flush()
            if carried_meta is not None:
                session.add(
                    ReviewEvent(
                        user=user or SYSTEM,
                        entity="document",
                        entity_id=doc.id,
                        action="carried_forward",
                        before=recognised,
                        after=carried_meta,
                        comment=f"从第 {previous.version} 版（文件 {previous.id}）带入",
                    )
                )
            not_carried = carry_forward(session, previous, doc, user).not_carried
            doc.not_carried = not_carried
            session.add(doc)
        doc_id = doc.id
    status = "version" if previous is not None else "added"
    message = f"{job.name}: {'new version ' + str(doc.version) + ' of' if previous else 'added as'} document {doc_id}"
    needs_review = bool(unconfirmed)
    if unconfirmed:
        message += "（待确认，请评估人员确认：" + "；".join(unconfirmed.values()) + "）"
    if not_carried:
        message += f"（上一版的 {len(not_carried)} 项评审未能带到新版本，请查看文件页面）"
    return FileResult(
        job.name,
        status,
        message,
        doc_id,
        outcome.pages or 0,
        needs_review=needs_review,
        unconfirmed=unconfirmed,
        not_carried=not_carried,
    )


# Kinds sent for a reporting period: without one they cannot be filed under a submission.
PERIODIC_KINDS = (Kind.progress, Kind.applications)
_MISSING = {
    "city": "未能识别发文单位",
    "year": "未能识别年份",
    "period": "未能识别时段（上半年或全年）",
}


def unconfirmed_reasons(
    meta, city: str | None, year: int | None, period: str | None, kind: str, evidence: dict
) -> dict[str, str]:
    """Why each of city, year, period and kind is for the evaluator to confirm: extraction's
    reasons, less the fields the evaluator gave on the command line, plus the values missing."""
    given = {k for k, v in evidence.items() if v and v[0].get("source") in ("option", "evaluator")}
    reasons = {k: v for k, v in dict(meta.unconfirmed or {}).items() if k not in given}
    missing = {"city": city is None, "year": year is None}
    missing["period"] = period is None and kind in PERIODIC_KINDS
    for key, absent in missing.items():
        if absent and key not in given:
            reasons.setdefault(key, _MISSING[key])
    return reasons


def record_issuer(session: Session, meta, city: str | None) -> None:
    """The issuer's level, parent city, province and code on its City row (created when
    missing), from extraction when it speaks of this issuer, else from the gazetteer."""
    if not city:
        return
    level = parent = province = code = None
    if meta.city == city:
        level, parent, province, code = meta.level, meta.parent, meta.province, meta.code
    known = city_named(city)  # the evaluator named another issuer, or extraction left gaps
    if known is not None:
        if level is None:
            level = Level.province if known.level in ("municipality", "sar") else Level.city
        province = province or known.province
    row = session.exec(select(City).where(City.name == city)).first()
    if row is None:
        try:
            with session.begin_nested():
                row = City(name=city)
                session.add(row)
        except IntegrityError:  # another ingest created it meanwhile
            row = session.exec(select(City).where(City.name == city)).one()
    for attr, value in (
        ("level", level),
        ("parent", parent),
        ("province", province),
        ("code", code),
    ):
        if value and getattr(row, attr) != value:
            setattr(row, attr, value)
    session.add(row)


def _store_failure(engine: Engine, job: _Job, failure: Failure, user: str) -> FileResult:
    for _ in range(WRITE_ATTEMPTS):
        try:
            return _record_failure(engine, job, failure, user)
        except IntegrityError:  # another ingest recorded the same bytes first: read it again
            continue
    return _conflict(job)


def _record_failure(engine: Engine, job: _Job, failure: Failure, user: str) -> FileResult:
    message = failure.message.replace(failure.name, job.name, 1)
    shown_suffix = Path(job.name).suffix.lower()
    if failure.code == "unsupported format" and job.path.suffix != shown_suffix:
        # A zip member is unpacked under a generated name (`.bin` for an unknown type): the
        # reason names the member's own extension.
        message = message.replace(
            f"extension {job.path.suffix}", f"extension {shown_suffix or '(none)'}", 1
        )
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
