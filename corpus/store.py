"""Opening the store named by the settings: the database (migrated) and the data root."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from models.db import make_engine, migrate, sqlite_url

from .settings import Settings


class StoreUnavailable(Exception):
    """The database cannot be reached or written; the message says what to do."""


def open_store(settings: Settings) -> Engine:
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(f"数据目录无法创建（{settings.data_dir}）：{exc.strerror}") from exc
    url = settings.database_url or sqlite_url(settings.data_dir / "infocity.db")
    engine = make_engine(url)
    try:
        migrate(engine)
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailable(
            f"数据库无法打开（{_describe(url)}）：{exc.__class__.__name__}"
        ) from exc
    return engine


def _describe(url: str) -> str:
    """The URL without a password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url
