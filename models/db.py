"""Database set-up: the engine (SQLite by default, PostgreSQL by URL), sessions and migrations.

SQLite runs in WAL mode with `synchronous=NORMAL`, foreign keys on and a busy timeout: a kill at
any moment leaves the last committed transaction and nothing half-written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def known_revisions() -> set[str]:
    """The schema revisions these migrations define."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return {s.revision for s in ScriptDirectory.from_config(config).walk_revisions()}


def unknown_revisions(engine: Engine) -> list[str]:
    """Schema revisions the database carries that these migrations do not know: written by a
    newer version. Empty for a new database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    known = known_revisions() if current else set()
    return [r for r in current if r not in known]


def migrate(engine: Engine) -> None:
    """Brings the schema to the newest migration (creates it on a new database)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config(engine)
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == set(ScriptDirectory.from_config(config).get_heads()):
        return  # up to date: no write lock taken, so opening a busy store never waits
    command.upgrade(config, "head")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on any exception."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def write_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work that reads and then writes the same rows (an evaluator's edit checked
    against its version). On SQLite the write lock is taken at the start (BEGIN IMMEDIATE), so
    a concurrent writer waits instead of failing with a stale snapshot; on PostgreSQL the rows
    are locked by the caller's SELECT … FOR UPDATE."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            if engine.dialect.name == "sqlite":
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def integrity_problems(engine: Engine) -> list[str]:
    """The checks run after a crash: the engine's own, and every document whole."""
    from sqlalchemy import text

    problems: list[str] = []
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            result = conn.execute(text("PRAGMA integrity_check")).scalar()
            if result != "ok":
                problems.append(f"sqlite integrity_check: {result}")
            for row in conn.execute(text("PRAGMA foreign_key_check")):
                problems.append(f"foreign key: {tuple(row)}")
        rows = conn.execute(
            text(
                "SELECT d.id, d.n_passages, COUNT(p.id) FROM document d "
                "LEFT JOIN passage p ON p.document_id = d.id GROUP BY d.id, d.n_passages "
                "HAVING d.n_passages != COUNT(p.id)"
            )
        )
        for doc_id, want, got in rows:
            problems.append(f"document {doc_id} has {got} of its {want} passages")
        for (doc_id,) in conn.execute(
            text("SELECT id FROM document WHERE status = 'ok' AND stored_path IS NULL")
        ):
            problems.append(f"document {doc_id} is stored without its original")
        if engine.dialect.name == "sqlite":
            missing = conn.execute(
                text("SELECT COUNT(*) FROM passage WHERE id NOT IN (SELECT rowid FROM passage_fts)")
            ).scalar()
            if missing:
                problems.append(f"{missing} passages missing from the search index")
    return problems
