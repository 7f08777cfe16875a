"""Two at once (reliability row 12, issue 15): two real ingest processes of overlapping folders.

Issue 15 found two ways to lose documents: on PostgreSQL the loser of the race to create a new
city's submission was rolled back yet reported as `present` (exit 0), and each ingest began by
sweeping "orphan" files, including those another running ingest had copied but not committed,
leaving documents without their original. Here two `infocity ingest` processes start together
on overlapping folders of a city new to the store, several times, on SQLite and PostgreSQL;
afterwards every file is stored exactly once, with its original file, and everything reported
as stored is in the database.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import time
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

from models.db import integrity_problems, make_engine
from models.tables import Document, IngestLease, Submission
from tests.test_crash import REPO, env_for

CITIES = ("宁波市", "成都市", "郑州市")


def _folders(root: Path, city: str, trial: int) -> tuple[Path, Path, dict[str, str]]:
    """Two folders sharing half their files; returns them and {sha256: name} of all files."""
    made: dict[str, str] = {}
    src = root / f"all{trial}"
    src.mkdir()
    for i in range(12):
        name = f"{city}2016年上半年信息消费示范城市建设进展情况（第{trial}-{i}稿）.txt"
        lines = [name.removesuffix(".txt")]
        lines += [f"第{j}段：新增光纤到户用户{trial}{i:02d}{j}户。" * 6 for j in range(150)]
        data = "\n".join(lines).encode()
        (src / name).write_bytes(data)
        made[hashlib.sha256(data).hexdigest()] = name
    names = sorted(p.name for p in src.iterdir())
    a, b = root / f"甲{trial}", root / f"乙{trial}"
    a.mkdir()
    b.mkdir()
    for n in names[:8]:
        shutil.copy(src / n, a / n)
    for n in names[4:]:
        shutil.copy(src / n, b / n)
    return a, b, made


def _ingest(folder: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [REPO / ".venv/bin/python", "-m", "cli", "ingest", str(folder), "--json", "-j", "1"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_ingests_of_overlapping_folders_store_every_file_once(db_url, tmp_path):
    data_dir = tmp_path / "data"
    env = env_for(data_dir, db_url)
    rng = random.Random(12)
    expected: dict[str, str] = {}
    for trial, city in enumerate(CITIES):
        a, b, made = _folders(tmp_path, city, trial)
        expected |= made
        first = _ingest(a, env)
        time.sleep(rng.uniform(0.0, 1.5))  # the second starts while the first copies and commits
        second = _ingest(b, env)
        outputs = []
        for proc in (first, second):
            stdout, stderr = proc.communicate(timeout=300)
            assert proc.returncode == 0, stderr
            assert "Traceback" not in stderr
            outputs.append(json.loads(stdout))
        engine = make_engine(db_url)
        try:
            assert integrity_problems(engine) == []
            with Session(engine) as session:
                docs = session.exec(select(Document)).all()
                by_id = {d.id: d for d in docs}
                # Nothing reported as stored that is not.
                for out in outputs:
                    for r in out["files"]:
                        assert r["status"] in ("added", "present"), r
                        assert r["document_id"] in by_id, r
                # Every file exactly once, each with its original.
                assert sorted(d.sha256 for d in docs) == sorted(expected)
                for doc in docs:
                    assert doc.status == "ok" and doc.name == expected[doc.sha256]
                    assert doc.stored_path, f"{doc.name}: stored without its original"
                    original = data_dir / doc.stored_path
                    assert original.is_file(), f"{doc.name}: the original file is gone"
                    assert hashlib.sha256(original.read_bytes()).hexdigest() == doc.sha256
                    assert doc.submission_id is not None
                assert len(session.exec(select(Submission)).all()) == trial + 1
                assert session.exec(select(IngestLease)).all() == []  # both released theirs
        finally:
            engine.dispose()


def test_sweep_spares_what_a_running_ingest_copied(store, tmp_path):
    """Every ingest began by deleting "orphan" files, including those another running ingest
    had copied and not yet committed; temp folders of killed ingests were never removed."""
    import os

    from corpus import ingest, leases
    from corpus.storage import storage_path, store_file

    engine, data_dir, limits = store
    src = tmp_path / "在途.txt"
    src.write_text("另一次导入刚复制、尚未提交的文件", "utf-8")
    other = leases.acquire(engine)  # another ingest, running (this process is alive)
    try:
        in_flight = data_dir / store_file(
            data_dir, src, hashlib.sha256(src.read_bytes()).hexdigest()
        )
        crashed = storage_path(data_dir, "cd" * 32, ".pdf")
        crashed.parent.mkdir(parents=True, exist_ok=True)
        crashed.write_bytes(b"left by a crash long ago")
        old_tmp = data_dir / "tmp" / "tmp_killed"
        old_tmp.mkdir(parents=True)
        (old_tmp / "00001.docx").write_bytes(b"member")
        for path in (crashed, old_tmp):
            os.utime(path, (other.started - 3600, other.started - 3600))
        summary = ingest([], engine=engine, data_dir=data_dir, limits=limits)
        assert in_flight.exists()  # newer than the running ingest's start: kept
        assert not crashed.exists() and summary.swept == 1
        assert not old_tmp.exists()
    finally:
        leases.release(engine, other)
    assert ingest([], engine=engine, data_dir=data_dir, limits=limits).swept == 1  # now an orphan


def test_two_processes_opening_a_new_store_at_once(db_url, tmp_path):
    """Both ran the migrations: one failed with "数据库无法打开" (table exists on SQLite, a
    unique violation on PostgreSQL)."""
    code = (
        "import sys; from pathlib import Path; from corpus.settings import Settings; "
        "from corpus.store import open_store; "
        "open_store(Settings(data_dir=Path(sys.argv[1]), database_url=sys.argv[2]))"
    )
    procs = [
        subprocess.Popen(
            [REPO / ".venv/bin/python", "-c", code, str(tmp_path / "data"), db_url],
            cwd=REPO,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr


def _write_in_thread(engine, analysed, data_dir, user: str, results: list):
    """`write` of one analysed document in a thread of its own, its result appended to `results`."""
    import threading

    from corpus.ingest import write

    writer = threading.Thread(
        target=lambda: results.append(write(engine, analysed, data_dir=data_dir, user=user))
    )
    writer.start()
    return writer


def _result_of(writer, results: list):
    """The one result of a `_write_in_thread` writer, once it has finished."""
    writer.join(60)
    assert not writer.is_alive(), "the writer did not finish"
    (result,) = results
    return result


def _wait_for_a_lock_wait(engine, event: str | None, failure: str) -> None:
    """Returns once a backend of the engine's database waits for a lock (of kind `event`, such as
    'advisory'), else fails with `failure` after a minute. pg_stat_activity is read in
    autocommit: PostgreSQL reads it once per transaction, so a watcher inside one transaction
    would see its first answer for ever."""
    sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'" + (" AND wait_event = :event" if event else "")
    )
    deadline = time.monotonic() + 60
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watch:
        while time.monotonic() < deadline:
            if watch.execute(text(sql), {"event": event} if event else {}).scalar():
                return
            time.sleep(0.05)
    raise AssertionError(failure)


def test_two_writers_of_versions_of_one_report_write_one_after_the_other(pg_server, tmp_path):
    """Two files that are versions of one report, written at the same time (two ingests, two
    queue workers): another transaction has written the first and not committed when the second
    is written. The second waits for it (the per-key lock of `lock_versions`) and becomes its
    version 2, instead of both standing as version 1."""
    from corpus.ingest import analyse_file, analyse_step
    from corpus.ingest.triage import Source
    from corpus.ingest.write import lock_versions
    from corpus.settings import Settings
    from corpus.store import open_store
    from tests import pg

    name = "宁波市2016年上半年信息消费示范城市建设进展情况.txt"
    with pg.database(pg_server) as url:
        settings = Settings(data_dir=tmp_path / "data", database_url=url)
        engine = open_store(settings)
        try:
            src = tmp_path / "v2" / name
            src.parent.mkdir()
            src.write_text(
                "宁波市2016年上半年信息消费示范城市建设进展情况\n"
                + "全市新增光纤到户用户12.8万户，4G基站新增1300个。\n" * 20,
                "utf-8",
            )
            source = Source(src, src.name, hashlib.sha256(src.read_bytes()).hexdigest())
            analysed = analyse_file(source, analyse_step(settings.data_dir), settings.limits())
            key = (analysed.city, analysed.year, analysed.period, analysed.extracted.metadata.kind)
            assert key[:3] == ("宁波市", 2016, "H1") and not analysed.extracted.metadata.unconfirmed

            # The other writer: version 1 of the same report, written and not yet committed.
            other = Session(engine)
            lock_versions(other, key)
            first = Document(
                sha256="0" * 64, name=name, status="ok", city=key[0], year=key[1],
                period=key[2], kind=key[3], confirmed=True, recognised=dict(
                    zip(("city", "year", "period", "kind"), key, strict=True)
                ),
            )  # fmt: skip
            other.add(first)
            other.flush()
            results: list = []
            writer = _write_in_thread(engine, analysed, settings.data_dir, "乙", results)
            _wait_for_a_lock_wait(
                engine, "advisory", "the second writer did not wait for the first"
            )
            other.commit()
            first_id = first.id
            other.close()
            result = _result_of(writer, results)
            assert result.status == "version", result
            with Session(engine) as session:
                second = session.get(Document, result.document_id)
                assert (second.version, second.previous_id) == (2, first_id)
                current = session.exec(
                    select(Document).where(Document.is_current, Document.city == "宁波市")
                ).all()
                assert [d.id for d in current] == [second.id]
        finally:
            engine.dispose()


def test_a_document_written_again_after_losing_the_race_for_its_city_keeps_its_original(
    pg_server, tmp_path
):
    """After losing the race for a new city, the retry overwrote the stored file's path with the
    answer to "stored meanwhile by the other ingest?" (None), so the document written again had
    no original (stored_path NULL) and its file was later swept as an orphan. Here another transaction holds the new city and submission
    uncommitted while the document is written, then commits: the write loses, retries, and keeps
    its original."""

    import psycopg

    from corpus.ingest import analyse_file, analyse_step
    from corpus.ingest.triage import Source
    from corpus.settings import Settings
    from corpus.store import open_store
    from tests import pg

    with pg.database(pg_server) as url:
        settings = Settings(data_dir=tmp_path / "data", database_url=url)
        engine = open_store(settings)
        try:
            src = tmp_path / "宁波市2016年上半年信息消费示范城市建设进展情况.txt"
            src.write_text(
                "宁波市2016年上半年信息消费示范城市建设进展情况\n"
                + "全市新增光纤到户用户12.6万户，4G基站新增1200个。\n" * 20,
                "utf-8",
            )
            data = src.read_bytes()
            source = Source(src, src.name, hashlib.sha256(data).hexdigest())
            analysed = analyse_file(source, analyse_step(settings.data_dir), settings.limits())
            assert analysed.city == "宁波市" and analysed.period == "H1", analysed

            other = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
            other.execute("INSERT INTO city (name) VALUES ('宁波市')")
            other.execute(
                "INSERT INTO submission (city_id, year, period) "
                "SELECT id, 2016, 'H1' FROM city WHERE name = '宁波市'"
            )
            results: list = []
            writer = _write_in_thread(engine, analysed, settings.data_dir, "甲", results)
            # the writer waits on the city's unique key
            _wait_for_a_lock_wait(engine, None, "the writer never waited for the other transaction")
            other.commit()
            other.close()
            result = _result_of(writer, results)
            assert result.status == "added", result
            with Session(engine) as session:
                doc = session.get(Document, result.document_id)
                assert doc is not None and doc.status == "ok"
                assert doc.stored_path, "the document was written without its original"
                original = settings.data_dir / doc.stored_path
                assert hashlib.sha256(original.read_bytes()).hexdigest() == doc.sha256
                sub = session.get(Submission, doc.submission_id)
                assert (sub.year, sub.period) == (2016, "H1")
        finally:
            engine.dispose()
