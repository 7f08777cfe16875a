"""Several server processes over one PostgreSQL store (issue 20, part 2): real `infocity serve`
processes, driven over HTTP.

Two servers on two ports stand for two machines behind a proxy (or two workers of one): a login
made through one is valid on the other, a logout through one ends the cookie on the other, the
failed-login limit counts attempts made through both, an upload run by one is followed from the
other, and a restarted server still shows the finished upload, the live session and the limit.
`infocity serve --workers 2` is then checked the same way through one port.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest

from tests import pg
from tests.test_crash import REPO, env_for
from tests.test_web_restart import _port, _up, _wait_for

PASSWORDS = {"eva": "eva-pass-12", "eve": "eve-pass-12"}


@pytest.fixture
def shared_store(tmp_path, pg_server):
    """(env, data_dir): a PostgreSQL store with two evaluators, and the environment of every
    server on it (same database, same data directory, hence the same signing key)."""
    from corpus.accounts import add_user
    from corpus.settings import Settings
    from corpus.store import open_store

    data_dir = tmp_path / "data"
    with pg.database(pg_server) as url:
        engine = open_store(Settings(data_dir=data_dir, database_url=url))
        for name, password in PASSWORDS.items():
            add_user(engine, name, password, "evaluator")
        engine.dispose()
        yield {**env_for(data_dir, url), "INFOCITY_JOBS": "1"}, data_dir


@contextmanager
def serving_process(env: dict, port: int, *extra: str):
    """`infocity serve` in its own process group on `port`; stopped with SIGTERM (a clean stop)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port), *extra],
        env=env,
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as probe:
            _wait_for(lambda: server.poll() is None and _up(probe), 90, "the server did not start")
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _client(port: int, cookies: httpx.Cookies | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        follow_redirects=False,
        timeout=30,
        cookies=cookies,
    )


def _token(client: httpx.Client, page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert found, page
    return found.group(1)


def _login(client: httpx.Client, name: str, password: str | None = None) -> httpx.Response:
    token = _token(client, "/login")
    return client.post(
        "/login",
        data={"name": name, "password": password or PASSWORDS[name], "csrf_token": token},
    )


def _logged_in(client: httpx.Client) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 303), response.status_code
    return response.status_code == 200


def _cookie(client: httpx.Client) -> httpx.Cookies:
    return httpx.Cookies({"infocity_session": client.cookies["infocity_session"]})


def _upload(client: httpx.Client, n: int) -> str:
    files = [
        (
            "files",
            (
                f"材料/宁波市2016年上半年进展（第{i}稿）.txt",
                f"宁波市2016年上半年信息消费示范城市建设进展情况\n\n全市新增光纤到户用户{i}万户。".encode(),
                "text/plain",
            ),
        )
        for i in range(n)
    ]
    response = client.post("/upload", data={"csrf_token": _token(client, "/upload")}, files=files)
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[-1]


def test_two_servers_share_sessions_the_login_limit_and_jobs(shared_store):
    env, _ = shared_store
    port_a, port_b = _port(), _port()
    with serving_process(env, port_b):
        with serving_process(env, port_a):
            with _client(port_a) as a:
                assert _login(a, "eva").status_code == 303
                session = _cookie(a)
            with _client(port_b, session) as b:
                assert _logged_in(b)  # a login made through A is valid on B
                job_id = _upload(b, 3)  # run by B ...
            with _client(port_a, session) as a:  # ... followed through A, from the database
                progress = {}

                def finished() -> bool:
                    progress.update(a.get(f"/upload/{job_id}/progress.json").json())
                    return progress["state"] not in ("queued", "running")

                _wait_for(finished, 120, "the upload did not finish")
                assert progress["state"] == "done" and progress["added"] == 3, progress

            # Logout through B ends the same cookie on A.
            with _client(port_b, session) as b:
                response = b.post("/logout", data={"csrf_token": _token(b, "/upload")})
                assert response.status_code == 303
            with _client(port_a, session) as a:
                assert not _logged_in(a)

            # The limit counts failures made through both servers: 3 on A, 2 on B.
            for port, times in ((port_a, 3), (port_b, 2)):
                with _client(port) as c:
                    for _ in range(times):
                        assert _login(c, "eva", "wrong-password").status_code == 401
            for port in (port_a, port_b):
                with _client(port) as c:
                    assert _login(c, "eva").status_code == 429  # even the right password
            with _client(port_a) as a:
                assert _login(a, "eve").status_code == 303  # another name is not affected
                kept = _cookie(a)

        # A restarted server has lost nothing: the finished job, eve's session, eva's failures.
        with serving_process(env, port_a):
            with _client(port_a, kept) as a:
                assert _logged_in(a)
                page = a.get(f"/upload/{job_id}")
                assert page.status_code == 200
                progress = a.get(f"/upload/{job_id}/progress.json").json()
                assert progress["state"] == "done" and progress["added"] == 3, progress
                assert f"/upload/{job_id}" in a.get("/upload").text
            with _client(port_a) as c:
                assert _login(c, "eva").status_code == 429


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry))
    return out


def test_serve_with_two_worker_processes_shares_state_between_them(shared_store):
    env, _ = shared_store
    port = _port()
    with serving_process(env, port, "--workers", "2") as server:
        # uvicorn's supervisor and its two worker processes (multiprocessing also starts a
        # resource tracker: count the children that hold the listening socket).
        deadline = time.monotonic() + 60
        while len(_serving_children(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_serving_children(server.pid)) == 2
        with _client(port) as c:
            assert _login(c, "eva").status_code == 303
            session = _cookie(c)
        # Every request, whichever process takes it, knows the session ...
        for _ in range(12):
            with _client(port, session) as c:
                assert _logged_in(c)
        with _client(port, session) as c:
            job_id = _upload(c, 2)
            _wait_for(
                lambda: c.get(f"/upload/{job_id}/progress.json").json()["state"] == "done",
                120,
                "the upload did not finish",
            )
            assert c.post("/logout", data={"csrf_token": _token(c, "/upload")}).status_code == 303
        # ... and after the logout none accepts it.
        for _ in range(12):
            with _client(port, session) as c:
                assert not _logged_in(c)
        for _ in range(5):
            with _client(port) as c:
                assert _login(c, "eve", "wrong-password").status_code == 401
        for _ in range(4):
            with _client(port) as c:
                assert _login(c, "eve").status_code == 429


def _serving_children(pid: int) -> list[int]:
    """Children of `pid` holding a socket on `port` (the uvicorn workers)."""
    return [child for child in _children(pid) if _holds_socket(child)]


def _holds_socket(pid: int) -> bool:
    try:
        return any(
            os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
            for fd in os.listdir(f"/proc/{pid}/fd")
        )
    except OSError:
        return False


def test_a_job_another_process_resumes_is_read_again(tmp_path):
    """A server that showed a job as interrupted must not keep that view once another server
    process has resumed and finished it."""
    from corpus.jobs import create_job, set_state
    from corpus.settings import Settings
    from web import create_app

    app = create_app(Settings(data_dir=tmp_path / "data", database_url=None, jobs=1))
    try:
        engine = app.state.engine
        create_job(engine, "job-1", "eva", {"folder": "job-1", "files": 1}, lease_id=None)
        set_state(engine, "job-1", "interrupted")
        assert app.state.jobs.get("job-1").state == "interrupted"
        set_state(engine, "job-1", "running")  # resumed by another process
        assert app.state.jobs.get("job-1").state == "running"
        set_state(engine, "job-1", "done")
        assert app.state.jobs.get("job-1").state == "done"
    finally:
        app.state.jobs.shutdown()
        engine.dispose()
