"""Backups of the SQLite store through SQLite's online backup API, safe while ingest writes, and
restoring one (reliability rows 9 and 16).

A file copy of a database in WAL mode taken during writes can be torn; the backup API copies a
consistent snapshot page by page. The copy is written as `<target>.partial` and renamed only once
it passes an integrity check; on any failure the partial file is removed.

Restoring is the reverse, and the obvious way (copying the backup over `infocity.db`) corrupts the
store when a `-wal` file of the old database remains: SQLite would apply the old log to the new
file. `restore_sqlite` checks the backup, refuses while any process uses the store, and swaps the
files in an order where every intermediate state is a valid database: the old log is moved away
first, then the old database, then the checked copy is renamed into place. The old files are kept
in `before-restore-<time>/` beside the database. PostgreSQL stores are backed up and restored with
the server's own tools.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from models.db import known_revisions, make_engine

from .errors import Invalid
from .leases import live_leases
from .store import corrupt_message, full_message, read_only_message


class BackupError(Invalid):
    """A backup or restore that cannot be done (missing, damaged, would overwrite)."""


def backup_sqlite(engine: Engine, target: Path) -> Path:
    if engine.dialect.name != "sqlite":
        raise BackupError(
            "PostgreSQL 数据库请用 pg_dump 备份（例如 pg_dump -Fc 库名 > infocity.dump）。"
        )
    source_path = engine.url.database
    if target.exists():
        raise BackupError(f"目标文件已存在，不会覆盖：{target}")
    partial = target.with_suffix(target.suffix + ".partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(source_path)
        try:
            dest = sqlite3.connect(partial)
            try:
                source.backup(dest, pages=1024)
                check = dest.execute("PRAGMA integrity_check").fetchone()[0]
                dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                dest.close()
        finally:
            source.close()
        if check != "ok":
            raise BackupError(
                f"备份校验失败，数据库可能已损坏（{check}）：{corrupt_message(source_path)}"
            )
        partial.rename(target)
    except sqlite3.DatabaseError as exc:
        raise BackupError(_sqlite_message(exc, source_path, target)) from exc
    except OSError as exc:
        raise BackupError(_os_message(exc, target)) from exc
    finally:
        partial.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(partial) + suffix).unlink(missing_ok=True)
    return target


def _sqlite_message(exc: sqlite3.Error, database: str | Path, target: Path) -> str:
    text = str(exc).lower()
    if "full" in text:
        return full_message(target.parent)
    if "readonly" in text or "unable to open" in text:
        return read_only_message(target.parent)
    return corrupt_message(database)


def _os_message(exc: OSError, where: Path) -> str:
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return full_message(where.parent)
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return read_only_message(where.parent)
    return f"无法写入备份（{where}）：{exc.strerror}"


# --- restore ---------------------------------------------------------------------------------


@dataclass
class Restored:
    database: Path
    documents: int
    kept: Path | None  # where the replaced files went
    missing_files: int  # stored originals the restored database names but files/ lacks


def check_backup(backup: Path) -> int:
    """Raises BackupError unless `backup` is a whole, readable infocity database this version
    understands; returns its document count."""

    if not backup.is_file():
        raise BackupError(f"备份文件不存在：{backup}")
    if Path(str(backup) + "-wal").exists():
        raise BackupError(
            f"备份文件旁边还有 {backup.name}-wal：这不是 infocity backup 写出的完整备份，"
            "请用 infocity backup 生成的文件恢复。"
        )
    try:
        conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            documents, versions = 0, []
            if {"document", "alembic_version"} <= tables:
                documents = conn.execute("SELECT COUNT(*) FROM document").fetchone()[0]
                versions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份文件不是可用的数据库（{backup}）：{exc}") from exc
    if check != "ok":
        raise BackupError(f"备份文件已损坏（{backup}）：{check}")
    if "alembic_version" not in tables or "document" not in tables:
        raise BackupError(f"备份文件不是 infocity 的数据库：{backup}")
    unknown = set(versions) - known_revisions()
    if unknown:
        raise BackupError(
            f"备份来自更新版本的 infocity（结构版本 {', '.join(sorted(unknown))}）：请先升级 infocity。"
        )
    return documents


def users_of(database: Path) -> list[int]:
    """Pids of other processes on this machine that have the database or its log open."""
    names = {str(database.resolve()) + s for s in ("", "-wal", "-shm")}
    me, found = os.getpid(), []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == me:
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in names:
                        found.append(int(proc.name))
                        break
    return found


def _live_leases(database: Path) -> int:
    """Running ingests and web servers recorded in the current database (0 when unreadable)."""

    if not database.exists():
        return 0
    engine = make_engine(f"sqlite:///{database}")
    try:
        return len(live_leases(engine))
    except Exception:  # a corrupt or old database: nothing to learn from it
        return 0
    finally:
        engine.dispose()


def restore_sqlite(backup: Path, database: Path, data_dir: Path) -> Restored:
    """Replaces `database` (and its -wal/-shm) by a checked copy of `backup`."""
    documents = check_backup(backup)
    if pids := users_of(database):
        raise BackupError(
            f"数据库正在被使用（进程 {', '.join(map(str, pids))}）：请先停止网页应用和正在进行的导入，再恢复。"
        )
    if _live_leases(database):
        raise BackupError("有导入或网页应用正在使用这个数据库：请等它结束或先停止，再恢复。")
    database.parent.mkdir(parents=True, exist_ok=True)
    restoring = database.with_name(database.name + ".restoring")
    try:
        src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            dest = sqlite3.connect(restoring)
            try:
                src.backup(dest)
                dest.execute("PRAGMA journal_mode=WAL")
                if dest.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError(f"恢复用的副本校验失败：{backup}")
            finally:
                dest.close()
        finally:
            src.close()
        with open(restoring, "rb") as fh:
            os.fsync(fh.fileno())
        kept = _move_aside(database)
        os.replace(restoring, database)
        _fsync_dir(database.parent)
    except sqlite3.DatabaseError as exc:
        raise BackupError(_sqlite_message(exc, backup, restoring)) from exc
    except OSError as exc:
        raise BackupError(_os_message(exc, database)) from exc
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(restoring) + suffix).unlink(missing_ok=True)
    return Restored(database, documents, kept, _missing_files(database, data_dir))


def _move_aside(database: Path) -> Path | None:
    """Moves the current database into before-restore-<time>/: the log first, so that the path
    never holds a database with a log that is not its own."""
    present = [p for p in (Path(str(database) + s) for s in ("-wal", "-shm", "")) if p.exists()]
    if not present:
        return None
    with contextlib.suppress(sqlite3.Error):  # a healthy database: fold its log in first
        conn = sqlite3.connect(database)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    kept = database.parent / time.strftime("before-restore-%Y%m%d-%H%M%S")
    kept.mkdir()
    for path in present:
        if path.exists():
            os.replace(path, kept / path.name)
            _fsync_dir(database.parent)
    return kept


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _missing_files(database: Path, data_dir: Path) -> int:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        paths = [
            r[0]
            for r in conn.execute("SELECT stored_path FROM document WHERE stored_path IS NOT NULL")
        ]
    finally:
        conn.close()
    return sum(not (data_dir / p).exists() for p in paths)
