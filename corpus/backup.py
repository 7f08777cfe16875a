"""Backups of the SQLite store through SQLite's online backup API, safe while ingest writes.

A file copy of a database in WAL mode taken during writes can be torn; the backup API copies a
consistent snapshot page by page. PostgreSQL stores are backed up with the server's own tools.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine


class BackupError(Exception):
    pass


def backup_sqlite(engine: Engine, target: Path) -> Path:
    if engine.dialect.name != "sqlite":
        raise BackupError(
            "PostgreSQL 数据库请用 pg_dump 备份（例如 pg_dump -Fc 库名 > infocity.dump）。"
        )
    source_path = engine.url.database
    if target.exists():
        raise BackupError(f"目标文件已存在，不会覆盖：{target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    source = sqlite3.connect(source_path)
    try:
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest, pages=1024)
            check = dest.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dest.close()
    finally:
        source.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"备份校验失败：{check}")
    partial.rename(target)
    return target
