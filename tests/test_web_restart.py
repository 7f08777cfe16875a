"""Server restarts (reliability row 18, the web part; issue 15).

After `kill -9` of the web server mid-ingest, the upload's job page was a 404 and no record of
the interrupted upload remained. Here a real `infocity serve` process receives an upload and is
killed while it ingests; a new server shows the upload as interrupted, with what was stored, and
resuming it stores the rest, each file once.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from corpus.settings import Settings
from models.tables import Document
from tests.accounts import add_evaluator
from tests.test_crash import REPO, env_for

PASSWORD = "eva-pass-12"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _token(client, page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert found
    return found.group(1)


def _login(client) -> None:
    response = client.post(
        "/login",
        data={"name": "eva", "password": PASSWORD, "csrf_token": _token(client, "/login")},
    )
    assert response.status_code == 303, response.text


def _reports(n: int) -> list[tuple[str, bytes, str]]:
    files = []
    for i in range(n):
        name = f"宁波市2016年上半年信息消费示范城市建设进展情况（第{i}稿）.txt"
        lines = [name.removesuffix(".txt")]
        lines += [f"第{j}段：全市新增光纤到户用户{i}{j}户，4G基站{j}个。" * 6 for j in range(400)]
        files.append((f"材料/{name}", "\n".join(lines).encode(), "text/plain"))
    return files


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_upload_interrupted_by_a_server_kill_can_be_resumed(db_url, tmp_path):
    data_dir = tmp_path / "data"
    url = None if db_url.startswith("sqlite") else db_url  # SQLite: the data directory's own
    env = env_for(data_dir, url)
    cli = [sys.executable, "-m", "cli"]
    add_evaluator(env, "eva", PASSWORD)
    port = _port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env={**env, "INFOCITY_JOBS": "1"},
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    files = _reports(12)
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
            _wait_for(lambda: _up(client), 60, "the server did not start")
            _login(client)
            response = client.post(
                "/upload",
                data={"csrf_token": _token(client, "/upload")},
                files=[("files", f) for f in files],
            )
            assert response.status_code == 303, response.text
            job_id = response.headers["location"].rsplit("/", 1)[-1]

            def some_done() -> bool:
                return client.get(f"/upload/{job_id}/progress.json").json()["added"] >= 2

            _wait_for(some_done, 120, "nothing was stored")
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # mid-ingest, and its parsing workers with it
        server.wait()

    from web import create_app

    app = create_app(Settings(data_dir=data_dir, database_url=url, jobs=1))
    try:
        client = TestClient(app, follow_redirects=False)
        _login(client)
        listing = client.get("/upload").text
        assert f"/upload/{job_id}" in listing and "已中断" in listing
        page = client.get(f"/upload/{job_id}")
        assert page.status_code == 200  # was a 404
        assert "已中断" in page.text and 'id="p-resume"' in page.text
        before = client.get(f"/upload/{job_id}/progress.json").json()
        assert before["state"] == "interrupted" and before["resumable"]
        assert 2 <= before["added"] < len(files)
        response = client.post(
            f"/upload/{job_id}/resume", data={"csrf_token": _token(client, f"/upload/{job_id}")}
        )
        assert response.status_code == 303
        job = app.state.jobs.wait(job_id, timeout=180)
        assert job.state == "done", job.error
        after = client.get(f"/upload/{job_id}/progress.json").json()
        assert after["added"] + after["present"] == len(files), after
        assert after["failed"] == 0
        names = [r.name for r in job.results]
        assert len(names) == len(set(names)) == len(files)  # each file reported once
        with Session(app.state.engine) as session:
            docs = session.exec(select(Document)).all()
        assert len(docs) == len(files) and all((data_dir / d.stored_path).exists() for d in docs)
        assert not (data_dir / "uploads" / job_id).exists()  # removed once finished
    finally:
        app.state.jobs.shutdown()
        app.state.engine.dispose()


def _up(client: httpx.Client) -> bool:
    try:
        return client.get("/login").status_code == 200
    except httpx.TransportError:
        return False
