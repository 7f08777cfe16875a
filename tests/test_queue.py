"""Ingest on Celery workers (issue 20): real brokers, real PostgreSQL, real `infocity worker`
processes, one of them killed with SIGKILL while it holds a file.

The files are queued from the command line and from the web app at once, the same 60 files
from both; each must be stored exactly once, with its original bytes, and each job must report
every file with its document."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from corpus.settings import Settings
from corpus.store import open_store
from models.tables import Document, IngestLease, JobResult
from tests import brokers, pg, procs
from tests.accounts import add_evaluator
from tests.test_crash import REPO, env_for
from tests.test_web_restart import PASSWORD, _login, _token, _wait_for

CLI = [sys.executable, "-m", "cli"]


def _reports(folder: Path, n: int) -> dict[str, bytes]:
    """n small progress reports, each different; name → bytes."""
    folder.mkdir(parents=True)
    files = {}
    for i in range(n):
        name = f"温州市2017年上半年信息消费示范城市建设进展情况（附件{i}）.txt"
        lines = [name.removesuffix(".txt")]
        lines += [
            f"第{j}项：新增光纤到户用户{i * 100 + j}户，建成4G基站{j}个。" * 3 for j in range(60)
        ]
        data = "\n".join(lines).encode()
        (folder / name).write_bytes(data)
        files[name] = data
    return files


def _start_worker(env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [*CLI, "worker", "--concurrency", "1"],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed with its children
        )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with_signal(proc, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            with_signal(proc, signal.SIGKILL)
            proc.wait()


def with_signal(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def _descendants(pid: int) -> set[int]:
    """The pids under `pid` (Celery's pool processes, their parsers)."""
    return procs.descendants(pid)


def _kill_mid_task(engine, victim: subprocess.Popen, timeout: float = 240) -> None:
    """SIGKILLs the worker (and its pool and parsers) at a moment its pool process holds an
    ingest lease, i.e. is parsing or writing a file."""

    def busy() -> bool:
        pids = _descendants(victim.pid)
        with Session(engine) as session:
            holders = session.exec(select(IngestLease.pid).where(IngestLease.kind == "ingest"))
            return any(pid in pids for pid in holders.all())

    _wait_for(busy, timeout, "the worker to be killed never took a file")
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()


def _broker_env(data_dir: Path, db_url: str, broker: str, queue: str) -> dict:
    return {
        **env_for(data_dir, db_url),
        "INFOCITY_BROKER_URL": broker,
        "INFOCITY_BROKER_QUEUE": queue,
        # A killed worker's file goes to the other one after this long (Redis).
        "INFOCITY_BROKER_VISIBILITY_TIMEOUT_S": "8",
        "INFOCITY_JOBS": "1",
    }


def _check_stored_once(engine, data_dir: Path, originals: dict[str, bytes]) -> list[Document]:
    by_sha = {hashlib.sha256(b).hexdigest(): b for b in originals.values()}
    with Session(engine) as session:
        docs = session.exec(select(Document)).all()
    assert len(docs) == len(originals), [(d.name, d.status, d.error) for d in docs]
    assert {d.sha256 for d in docs} == set(by_sha)  # every file, none twice
    for doc in docs:
        assert doc.status == "ok", doc.error
        assert (data_dir / doc.stored_path).read_bytes() == by_sha[doc.sha256]  # its original
    return docs


def _job_results(engine, job_id: str) -> list[JobResult]:
    with Session(engine) as session:
        return list(session.exec(select(JobResult).where(JobResult.job_id == job_id)).all())


@pytest.mark.slow
def test_two_workers_one_killed_mid_task_store_each_file_once(tmp_path, redis_server, pg_server):
    originals = _reports(tmp_path / "folder", 60)
    queue = f"infocity-test-{uuid.uuid4().hex[:8]}"
    broker = redis_server.rsplit("/", 1)[0] + f"/{random.randint(1, 15)}"
    data_dir = tmp_path / "data"
    with pg.database(pg_server) as db_url:
        env = _broker_env(data_dir, db_url, broker, queue)
        settings = Settings(
            data_dir=data_dir,
            database_url=db_url,
            broker_url=broker,
            broker_queue=queue,
            broker_visibility_timeout_s=8,
            jobs=1,
        )
        engine = open_store(settings)
        add_evaluator(env, "eva", PASSWORD)
        logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
        workers = [_start_worker(env, log) for log in logs]
        from web import create_app

        app = create_app(settings)
        cli = subprocess.Popen(
            [*CLI, "ingest", str(tmp_path / "folder"), "--json", "--user", "cli"],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            client = TestClient(app, follow_redirects=False)
            _login(client)
            response = client.post(
                "/upload",
                data={"csrf_token": _token(client, "/upload")},
                files=[("files", (f"材料/{n}", b, "text/plain")) for n, b in originals.items()],
            )
            assert response.status_code == 303, response.text
            upload_id = response.headers["location"].rsplit("/", 1)[-1]

            _kill_mid_task(engine, workers[0])

            stdout, stderr = cli.communicate(timeout=600)
            assert cli.returncode == 0, stderr
            job = app.state.jobs.wait(upload_id, timeout=600)
            assert job.state == "done", job.error
        finally:
            if cli.poll() is None:
                cli.kill()
            for proc in workers:
                _stop(proc)
            app.state.jobs.shutdown()
            brokers.drop_queue(broker, queue)

        summary = json.loads(stdout)
        assert summary["failed"] == 0, summary
        assert summary["added"] + summary["versions"] + summary["present"] == 60, summary
        progress = job.progress()
        assert progress["failed"] == 0
        assert progress["added"] + progress["versions"] + progress["present"] == 60

        docs = _check_stored_once(engine, data_dir, originals)
        doc_ids = {d.id for d in docs}
        jobs_json = subprocess.run(
            [*CLI, "jobs", "--json"], env=env, cwd=REPO, capture_output=True, text=True
        )
        listed = {row["id"]: row for row in json.loads(jobs_json.stdout)}
        assert upload_id in listed and listed[upload_id]["state"] == "done"
        cli_jobs = [row for row in listed.values() if row["kind"] == "ingest"]
        assert len(cli_jobs) == 1 and cli_jobs[0]["state"] == "done"
        added = Counter()
        for job_id in (upload_id, cli_jobs[0]["id"]):
            rows = _job_results(engine, job_id)
            assert sorted(r.seq for r in rows) == list(range(60))  # one result per file
            assert {r.document_id for r in rows} == doc_ids  # every file with its document
            added.update(r.document_id for r in rows if r.status in ("added", "version"))
        assert all(n == 1 for n in added.values()), added  # no document added twice
        assert not any((data_dir / "staging").glob("*/*"))  # staged copies removed
        assert not (data_dir / "uploads" / upload_id).exists()
        survivor = logs[1].read_text(errors="replace")
        assert "succeeded" in survivor  # the survivor took tasks (and the killed one's file)
        engine.dispose()


@pytest.mark.slow
def test_ingest_over_rabbitmq_survives_a_killed_worker(tmp_path, amqp_server, pg_server):
    originals = _reports(tmp_path / "folder", 16)
    queue = f"infocity-test-{uuid.uuid4().hex[:8]}"
    data_dir = tmp_path / "data"
    with pg.database(pg_server) as db_url:
        env = _broker_env(data_dir, db_url, amqp_server, queue)
        engine = open_store(Settings(data_dir=data_dir, database_url=db_url))
        workers = [_start_worker(env, tmp_path / f"worker-{i}.log") for i in range(2)]
        cli = subprocess.Popen(
            [*CLI, "ingest", str(tmp_path / "folder"), "--json"],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _kill_mid_task(engine, workers[0])  # RabbitMQ hands its file back at once
            stdout, stderr = cli.communicate(timeout=600)
        finally:
            if cli.poll() is None:
                cli.kill()
            for proc in workers:
                _stop(proc)
            brokers.drop_queue(amqp_server, queue)
        assert cli.returncode == 0, stderr
        summary = json.loads(stdout)
        assert summary["failed"] == 0, summary
        assert summary["added"] + summary["versions"] + summary["present"] == 16, summary
        docs = _check_stored_once(engine, data_dir, originals)
        assert {r["document_id"] for r in summary["files"]} == {d.id for d in docs}
        engine.dispose()


def test_without_a_broker_nothing_imports_celery(tmp_path):
    """`make demo` needs no Redis: the CLI, the web app and the queue modules load without
    Celery, and `infocity worker` says what is missing."""
    env = env_for(tmp_path / "data")
    env.pop("INFOCITY_BROKER_URL", None)
    probe = (
        "import sys, cli, web.app, corpus.executor, corpus.jobs\n"
        "print('celery' in sys.modules, 'kombu' in sys.modules)"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert loaded.stdout.split() == ["False", "False"], loaded.stderr
    worker = subprocess.run(
        [*CLI, "worker"], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert worker.returncode == 2 and "INFOCITY_BROKER_URL" in worker.stderr


def test_an_unreachable_broker_fails_the_ingest_with_its_reason(tmp_path):
    folder = tmp_path / "folder"
    _reports(folder, 2)
    env = {**env_for(tmp_path / "data"), "INFOCITY_BROKER_URL": "redis://:pw@127.0.0.1:1/0"}
    result = subprocess.run(
        [*CLI, "ingest", str(folder)], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "无法连接任务队列（redis://…@127.0.0.1:1/0）" in result.stderr, result.stderr
    assert "pw" not in result.stderr and "Traceback" not in result.stderr
    listed = subprocess.run(
        [*CLI, "jobs", "--json"], env=env, cwd=REPO, capture_output=True, text=True
    )
    (job,) = json.loads(listed.stdout)
    assert job["state"] == "error" and "无法连接任务队列" in job["error"]
    assert not any((tmp_path / "data" / "staging").glob("*"))  # nothing left staged


@pytest.mark.slow
def test_tasks_lost_by_the_broker_are_requeued(tmp_path, redis_server, pg_server):
    """A broker restarted without persistence forgets the waiting files: `infocity jobs JOB
    --requeue` sends them again, and the waiting `infocity ingest` completes."""
    originals = _reports(tmp_path / "folder", 3)
    queue = f"infocity-test-{uuid.uuid4().hex[:8]}"
    broker = redis_server.rsplit("/", 1)[0] + f"/{random.randint(1, 15)}"
    data_dir = tmp_path / "data"
    with pg.database(pg_server) as db_url:
        env = _broker_env(data_dir, db_url, broker, queue)
        engine = open_store(Settings(data_dir=data_dir, database_url=db_url))
        cli = subprocess.Popen(
            [*CLI, "ingest", str(tmp_path / "folder"), "--json"],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        worker = None
        try:

            def queued() -> list:
                listed = subprocess.run(
                    [*CLI, "jobs", "--json"], env=env, cwd=REPO, capture_output=True, text=True
                )
                return [r for r in json.loads(listed.stdout or "[]") if r["state"] == "running"]

            _wait_for(queued, 120, "the ingest never queued its files")
            (job,) = queued()
            waiting = redis.Redis.from_url(broker)
            assert waiting.llen(queue) == 3  # one task per file, no worker yet
            brokers.drop_queue(broker, queue)  # the broker forgets them
            assert waiting.llen(queue) == 0
            again = subprocess.run(
                [*CLI, "jobs", job["id"], "--requeue"],
                env=env,
                cwd=REPO,
                capture_output=True,
                text=True,
            )
            assert again.returncode == 0 and "3 个还没有结果的文件重新排队" in again.stderr
            assert waiting.llen(queue) == 3
            worker = _start_worker(env, tmp_path / "worker.log")
            stdout, stderr = cli.communicate(timeout=300)
        finally:
            if cli.poll() is None:
                cli.kill()
            if worker is not None:
                _stop(worker)
            brokers.drop_queue(broker, queue)
        assert cli.returncode == 0, stderr
        assert json.loads(stdout)["added"] == 3
        _check_stored_once(engine, data_dir, originals)
        engine.dispose()


@pytest.mark.slow
def test_a_stopped_web_server_leaves_its_upload_to_the_workers(tmp_path, redis_server, pg_server):
    """The web server stops while its upload is queued: the job is not marked interrupted, a
    worker started later finishes it and removes its folder, and a new server shows it done."""
    from corpus.jobs import load_job
    from web import create_app

    originals = _reports(tmp_path / "folder", 6)
    queue = f"infocity-test-{uuid.uuid4().hex[:8]}"
    broker = redis_server.rsplit("/", 1)[0] + f"/{random.randint(1, 15)}"
    data_dir = tmp_path / "data"
    with pg.database(pg_server) as db_url:
        env = _broker_env(data_dir, db_url, broker, queue)
        settings = Settings(
            data_dir=data_dir, database_url=db_url, broker_url=broker, broker_queue=queue, jobs=1
        )
        add_evaluator(env, "eva", PASSWORD)
        app = create_app(settings)
        worker = None
        try:
            client = TestClient(app, follow_redirects=False)
            _login(client)
            response = client.post(
                "/upload",
                data={"csrf_token": _token(client, "/upload")},
                files=[("files", (n, b, "text/plain")) for n, b in originals.items()],
            )
            assert response.status_code == 303, response.text
            job_id = response.headers["location"].rsplit("/", 1)[-1]
            engine = app.state.engine
            _wait_for(lambda: load_job(engine, job_id).params.get("queued"), 120, "never queued")
            app.state.jobs.shutdown()  # the server stops; no worker has run yet
            assert load_job(engine, job_id).state == "running"
            assert (data_dir / "uploads" / job_id).is_dir()  # kept for the workers

            worker = _start_worker(env, tmp_path / "worker.log")
            _wait_for(lambda: load_job(engine, job_id).state == "done", 300, "never finished")
            assert not (data_dir / "uploads" / job_id).exists()  # removed by the last task
        finally:
            if worker is not None:
                _stop(worker)
            brokers.drop_queue(broker, queue)

        again = create_app(settings)  # a new server on the same store
        try:
            client = TestClient(again, follow_redirects=False)
            _login(client)
            progress = client.get(f"/upload/{job_id}/progress.json").json()
            assert progress["state"] == "done" and progress["added"] == 6, progress
        finally:
            again.state.jobs.shutdown()
            again.state.engine.dispose()
        _check_stored_once(app.state.engine, data_dir, originals)
        app.state.engine.dispose()
