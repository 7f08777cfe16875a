"""Deciding before parsing: what is already stored, duplicated in the batch, or to be read; and
sweeping what killed ingests left behind."""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from extract import NotRegular, sha256_regular
from models.tables import Document

from .. import leases
from ..storage import sweep_orphans
from .results import FileResult
from .sources import Item


@dataclass
class Source:
    """A file to read: where its bytes are, what the evaluator sees, and where it came from."""

    path: Path  # where the bytes are now (a temp copy for zip members)
    name: str  # what the evaluator sees: the original name, NFC
    sha256: str
    origin: str = ""  # the archive a member came from
    note: str = ""  # a warning about the name (not UTF-8: its original bytes)
    folders: tuple[str, ...] = ()  # folder names from the ingest root down: issuer evidence


def triage(engine: Engine, item: Item, pending: dict[str, Source]) -> FileResult | None:
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
    existing = find_by_sha(engine, sha)
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
    pending[key] = Source(path, name, sha, origin, note, folders)
    return None


def sweep(engine: Engine, data_dir: Path, lease: leases.Lease) -> int:
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


def find_by_sha(engine: Engine, sha: str) -> Document | None:
    with Session(engine) as session:
        return session.exec(select(Document).where(Document.sha256 == sha)).first()
