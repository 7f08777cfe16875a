"""Opening the store named by the settings: the database (migrated) and the data root.

The store's own faults (reliability row 16) are told in one line of Chinese, saying what is wrong
and what to do, never as a traceback: a full disk, a read-only data directory, a corrupt SQLite
file, a database written by a newer infocity. The engine translates such database errors into
StoreUnavailable wherever they happen (search, export, backup, ingest), so every command and the
web app show the same line; `store_fault` does the same for file-system errors.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError

from models.db import make_engine, migrate, sqlite_url, unknown_revisions

from .errors import Unavailable
from .search import configure as configure_search
from .settings import Settings


class StoreUnavailable(Unavailable):
    """The database cannot be reached or written; the message says what to do."""


class StoreFull(StoreUnavailable):
    """No space left where the store writes."""


class StoreReadOnly(StoreUnavailable):
    """The data directory or the database cannot be written."""


class StoreCorrupt(StoreUnavailable):
    """The database file is damaged."""


class StoreTooNew(StoreUnavailable):
    """The database was written by a newer infocity."""


def full_message(where: Path | str) -> str:
    return (
        f"磁盘空间已满（{where}）：正在入库的文件没有保存，已入库的完整无损；"
        "请腾出磁盘空间后重新运行同一命令。"
    )


def read_only_message(where: Path | str) -> str:
    return (
        f"数据目录或数据库不可写（{where}，可能以只读方式挂载或没有写权限）："
        "请让管理员恢复写权限后重试；已入库的内容完整无损。"
    )


def corrupt_message(where: Path | str) -> str:
    return (
        f"数据库文件已损坏（{where}）：请停止使用，用 infocity restore 备份文件 "
        "从最近的备份恢复（见 docs/cli.md 的 infocity restore）。"
    )


def store_fault(exc: BaseException, where: Path | str) -> StoreUnavailable | None:
    """The store fault an exception is, with its one-line message; None for anything else."""
    if isinstance(exc, StoreUnavailable):
        return exc
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StoreFull(full_message(where))
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return StoreReadOnly(read_only_message(where))
        return None
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) == "53100":  # PostgreSQL: disk full
        return StoreFull(full_message("PostgreSQL 服务器的数据目录"))
    text = str(orig or exc).lower()
    if "database or disk is full" in text or "no space left" in text:
        return StoreFull(full_message(where))
    if "readonly database" in text or "read-only file system" in text:
        return StoreReadOnly(read_only_message(where))
    if "malformed" in text or "file is not a database" in text:
        return StoreCorrupt(corrupt_message(where))
    if "unable to open database file" in text and _read_only(Path(str(where))):
        return StoreReadOnly(read_only_message(where))
    return None


def _read_only(path: Path) -> bool:
    folder = path if path.is_dir() else path.parent
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY) or not os.access(folder, os.W_OK)
    except OSError:
        return False


def _translate_faults(engine: Engine, where: str) -> None:
    """Database errors that are store faults are raised as StoreUnavailable, wherever they
    happen; a lost connection keeps its own path (SQLAlchemy's pool handles it)."""

    @event.listens_for(engine, "handle_error")
    def _fault(context) -> StoreUnavailable | None:
        if context.is_disconnect:
            return None
        return store_fault(context.sqlalchemy_exception or context.original_exception, where)


def open_store(settings: Settings) -> Engine:
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fault = store_fault(exc, settings.data_dir)
        raise fault or StoreUnavailable(
            f"数据目录无法创建（{settings.data_dir}）：{exc.strerror}"
        ) from exc
    url = settings.database_url or sqlite_url(settings.data_dir / "infocity.db")
    engine = make_engine(url)
    where = engine.url.database if engine.dialect.name == "sqlite" else _describe(url)
    _translate_faults(engine, str(where))
    try:
        if unknown := unknown_revisions(engine):
            raise StoreTooNew(
                f"数据库来自更新版本的 infocity（结构版本 {', '.join(unknown)}，本程序不认识）："
                "请升级 infocity 后再使用；不要用旧版本写入这个数据库。"
            )
        migrate(engine)
        configure_search(engine, rum=settings.search_rum)
    except (SQLAlchemyError, OSError) as exc:
        fault = store_fault(exc, where)
        raise fault or StoreUnavailable(
            f"数据库无法打开（{_describe(url)}）：{exc.__class__.__name__}"
        ) from exc
    return engine


def _describe(url: str) -> str:
    """The URL without a password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url
