"""The store's own faults (reliability row 16, issue 15), through the real command.

Each must end with one line of Chinese saying what is wrong and what to do, never a traceback:
a full disk while copying or committing, a read-only data directory, a corrupt SQLite file
(which `status` must notice), a database from a newer version; a backup never leaves a partial
file; `restore` checks the backup, refuses while the store is in use, and never pairs the
restored file with an old `-wal`.

A full or read-only disk is a small tmpfs mounted for the test (root only: it fails in CI and
skips on a developer's machine without). PostgreSQL's full disk is a tablespace on such a tmpfs,
into which the store's tables and indexes are moved: the server then really cannot extend them
(SQLSTATE 53100), as with a full data directory, while its WAL and catalogs stay writable.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import uuid
from pathlib import Path

from sqlalchemy import text

from models.db import integrity_problems, make_engine
from tests import pg
from tests.conftest import require
from tests.test_crash import REPO, env_for

LINE = "全市新增光纤到户用户{i}户，新建4G基站{j}个，信息消费规模达到{k}亿元。"


def cli(env: dict, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line_failure(result: subprocess.CompletedProcess, *words: str) -> str:
    """The command failed with exit 1 and a one-line message holding `words`, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("✗")]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def report(folder: Path, name: str, n_lines: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [name.removesuffix(".txt")]
    lines += [LINE.format(i=i, j=i % 31, k=i % 97) * 3 for i in range(n_lines)]
    path = folder / name
    path.write_text("\n".join(lines), "utf-8")
    return path


@contextlib.contextmanager
def tiny_disk(where: Path, size: str = "1m", options: str = ""):
    """A tmpfs of `size` at `where`; unmounted afterwards."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}{options}", "tmpfs", str(where)],
        capture_output=True,
    )
    require(mounted.returncode == 0, f"mounting a tmpfs (root needed): {mounted.stderr.decode()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_disk_full_while_copying(db_url, tmp_path):
    """Disk full gave a traceback while copying into files/."""
    big = report(tmp_path / "报告", "宁波市2016年上半年进展.txt", 9_000)
    assert big.stat().st_size > 1_200_000
    with tiny_disk(tmp_path / "data") as data_dir:
        env = env_for(data_dir, db_url)
        one_line_failure(cli(env, "ingest", str(big)), "磁盘空间已满", "腾出")
        assert not list((data_dir / "files").rglob("*.tmp"))  # no half-copied file left
    engine = make_engine(db_url)
    try:
        assert integrity_problems(engine) == []
    finally:
        engine.dispose()


def test_disk_full_while_committing(tmp_path):
    """On SQLite a full disk during the commit said "connection lost, run again"."""
    folder = tmp_path / "报告"
    for i in range(4):
        report(folder, f"宁波市2016年上半年进展（第{i}稿）.txt", 1_500)
    with tiny_disk(tmp_path / "db", "1m") as db_dir:
        url = f"sqlite:///{db_dir / 'infocity.db'}"
        env = env_for(tmp_path / "data", url)
        one_line_failure(cli(env, "ingest", str(folder)), "磁盘空间已满")
        engine = make_engine(url)
        try:
            assert integrity_problems(engine) == []  # what was committed is whole
        finally:
            engine.dispose()


def _move_tables(url: str, source: str, target: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE ALL IN TABLESPACE {source} SET TABLESPACE {target}")
        conn.execute(f"ALTER INDEX ALL IN TABLESPACE {source} SET TABLESPACE {target}")


def _documents_in(url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT name, sha256, stored_path FROM document ORDER BY id"))
            return [tuple(r) for r in rows]
    finally:
        engine.dispose()


def test_disk_full_on_the_postgresql_server(pg_server, tmp_path):
    """PostgreSQL's full disk (SQLSTATE 53100) was mapped but never produced: here the server
    really runs out of space while the ingest writes a document's passages."""
    import psycopg

    server = pg_server
    host = server.split("@", 1)[1].split("/", 1)[0].split(":", 1)[0]
    require(host in ("127.0.0.1", "localhost"), "a PostgreSQL server on this machine")
    owner = pwd.getpwnam("postgres")
    # Outside pytest's private tmp folder, which the server's user cannot enter.
    mount_point = Path(tempfile.mkdtemp(prefix="infocity-pg-full-"))
    mount_point.chmod(0o755)
    space = f"infocity_full_{uuid.uuid4().hex[:10]}"
    with (
        tiny_disk(mount_point, "1400k", f",mode=0700,uid={owner.pw_uid},gid={owner.pw_gid}"),
        pg.database(server) as url,
    ):
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"CREATE TABLESPACE {space} LOCATION '{mount_point}'")
        try:
            env = env_for(tmp_path / "data", url)
            small = report(tmp_path / "一", "宁波市2016年上半年进展.txt", 40)
            first = cli(env, "ingest", str(small))
            assert first.returncode == 0, first.stderr
            _move_tables(url, "pg_default", space)
            free = os.statvfs(mount_point).f_bavail * os.statvfs(mount_point).f_frsize
            assert 0 < free < 1_000_000, free
            # Text alone about twice the free space (passages and their index take more).
            big = report(tmp_path / "二", "杭州市2016年全年总结.txt", max(1_000, 2 * free // 290))
            before = big.read_bytes()
            line = one_line_failure(cli(env, "ingest", str(big)), "磁盘空间已满", "腾出")
            assert "PostgreSQL" in line
            [kept] = _documents_in(url)  # nothing of the big document, the first one whole
            assert kept[0] == small.name
            engine = make_engine(url)
            try:
                assert integrity_problems(engine) == []
            finally:
                engine.dispose()
            original = tmp_path / "data" / kept[2]
            assert hashlib.sha256(original.read_bytes()).hexdigest() == kept[1]
            assert big.read_bytes() == before  # the evaluator's file untouched
            # Space freed: the same command completes the set, the new document with its original.
            _move_tables(url, space, "pg_default")
            again = cli(env, "ingest", str(big))
            assert again.returncode == 0, again.stderr
            docs = _documents_in(url)
            assert [d[0] for d in docs] == [small.name, big.name]
            for _name, sha, stored in docs:
                stored_bytes = (tmp_path / "data" / stored).read_bytes()
                assert hashlib.sha256(stored_bytes).hexdigest() == sha
        finally:
            with contextlib.suppress(Exception):
                _move_tables(url, space, "pg_default")
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
                conn.execute(f"DROP TABLESPACE IF EXISTS {space}")
    with contextlib.suppress(OSError):
        mount_point.rmdir()


def test_read_only_data_directory(db_url, tmp_path):
    """A traceback. On SQLite the database is in the read-only directory too; on PostgreSQL
    only the stored originals are."""
    with tiny_disk(tmp_path / "data", "8m") as data_dir:
        env = env_for(data_dir, None if db_url.startswith("sqlite") else db_url)
        first = cli(env, "ingest", str(report(tmp_path / "一", "宁波市2016年上半年进展.txt", 50)))
        assert first.returncode == 0, first.stderr
        subprocess.run(["mount", "-o", "remount,ro", str(data_dir)], check=True)
        second = report(tmp_path / "二", "杭州市2016年全年总结.txt", 50)
        one_line_failure(cli(env, "ingest", str(second)), "不可写")


def _corrupt_second_half(path: Path) -> None:
    """Overwrites every other page in the second half of an SQLite file (page 1 intact)."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    n = len(data) // page
    for p in range(n // 2, n, 2):
        data[p * page + 8 : (p + 1) * page] = bytes([0xA5]) * (page - 8)
    path.write_bytes(bytes(data))


def test_corrupt_sqlite_file(tmp_path):
    """A corrupt file showed a healthy `status` while search, ingest, backup and export crashed
    with tracebacks (and backup left a .partial)."""
    data_dir = tmp_path / "data"
    env = env_for(data_dir)
    folder = tmp_path / "报告"
    for i in range(6):
        report(folder, f"宁波市2016年上半年进展（第{i}稿）.txt", 300)
    assert cli(env, "ingest", str(folder)).returncode == 0
    db = data_dir / "infocity.db"
    assert not Path(str(db) + "-wal").exists()  # checkpointed when the ingest closed
    _corrupt_second_half(db)
    one_line_failure(cli(env, "status"), "已损坏", "infocity restore")
    for args in (
        ["search", "光纤到户"],
        ["ingest", str(report(tmp_path / "新", "杭州市2016年全年总结.txt", 50))],
        ["export", "figures", "--out", str(tmp_path / "数据.xlsx")],
    ):
        result = cli(env, *args)
        assert "Traceback" not in result.stderr, (args, result.stderr)
        if result.returncode != 0:
            one_line_failure(result)
    backup = tmp_path / "备份" / "infocity.db"
    one_line_failure(cli(env, "backup", str(backup)), "损坏")
    assert not backup.exists()
    assert list(backup.parent.iterdir()) == []  # no .partial left behind


def test_database_from_a_newer_version(db_url, tmp_path):
    """Every command crashed with an Alembic traceback."""
    env = env_for(tmp_path / "data", db_url)
    assert cli(env, "status").returncode == 0  # creates the schema
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    for args in (["status"], ["search", "光纤"]):
        one_line_failure(cli(env, *args), "更新版本", "升级")


# --- restore ------------------------------------------------------------------------------


def _documents(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM document").fetchone()[0]
    finally:
        conn.close()


def _leave_wal(db: Path) -> None:
    """A process that commits a write and dies without closing: its -wal file remains."""
    script = textwrap.dedent(
        f"""
        import os, sqlite3
        conn = sqlite3.connect({str(db)!r})
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("UPDATE document SET title = 'after the backup'")
        conn.commit()
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_restore_replaces_database_and_wal_safely(tmp_path):
    data_dir = tmp_path / "data"
    env = env_for(data_dir)
    db = data_dir / "infocity.db"
    assert (
        cli(
            env, "ingest", str(report(tmp_path / "一", "宁波市2016年上半年进展.txt", 80))
        ).returncode
        == 0
    )
    backup = tmp_path / f"备份-{uuid.uuid4().hex[:6]}.db"
    assert cli(env, "backup", str(backup)).returncode == 0
    assert (
        cli(env, "ingest", str(report(tmp_path / "二", "杭州市2016年全年总结.txt", 80))).returncode
        == 0
    )
    _leave_wal(db)
    assert Path(str(db) + "-wal").stat().st_size > 0
    result = cli(env, "restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert "1 个文档" in result.stderr
    assert _documents(db) == 1
    engine = make_engine(f"sqlite:///{db}")
    try:
        assert integrity_problems(engine) == []
    finally:
        engine.dispose()
    kept = next(data_dir.glob("before-restore-*"))
    assert _documents(kept / "infocity.db") == 2  # the replaced store, whole, kept aside
    assert cli(env, "search", "光纤到户").returncode == 0


def test_restore_refused_while_the_store_is_in_use(tmp_path):
    data_dir = tmp_path / "data"
    env = env_for(data_dir)
    assert (
        cli(
            env, "ingest", str(report(tmp_path / "一", "宁波市2016年上半年进展.txt", 30))
        ).returncode
        == 0
    )
    backup = tmp_path / "备份.db"
    assert cli(env, "backup", str(backup)).returncode == 0
    conn = sqlite3.connect(data_dir / "infocity.db")  # another process using the store
    try:
        conn.execute("SELECT COUNT(*) FROM document").fetchone()
        one_line_failure(cli(env, "restore", str(backup)), "正在被使用")
    finally:
        conn.close()
    assert not list(data_dir.glob("before-restore-*"))


def test_restore_refuses_a_damaged_backup(tmp_path):
    data_dir = tmp_path / "data"
    env = env_for(data_dir)
    assert (
        cli(
            env, "ingest", str(report(tmp_path / "一", "宁波市2016年上半年进展.txt", 300))
        ).returncode
        == 0
    )
    backup = tmp_path / "备份.db"
    assert cli(env, "backup", str(backup)).returncode == 0
    _corrupt_second_half(backup)
    one_line_failure(cli(env, "restore", str(backup)), "备份文件")
    assert _documents(data_dir / "infocity.db") == 1  # the store untouched
