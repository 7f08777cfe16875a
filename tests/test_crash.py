"""Crash consistency (reliability row 9): kill -9 mid-ingest, PostgreSQL stopped mid-batch.

The ingest runs as the real command in a child process; afterwards the store must pass its
integrity checks, every document must be whole or absent, and re-running the same command must
complete the set with no duplicates and no stray stored files.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import Session, func, select

from models.db import integrity_problems, make_engine
from models.tables import Document

REPO = Path(__file__).resolve().parents[1]


def make_batch(folder: Path, samples: Path) -> int:
    folder.mkdir()
    for path in samples.iterdir():
        if path.suffix != ".doc":  # LibreOffice is slow; the crash windows are elsewhere
            shutil.copy(path, folder)
    for i in range(20):
        lines = [f"宁波市2016年上半年信息消费示范城市建设进展情况（第{i}稿）"]
        lines += [
            f"第{j}段：全市新增光纤到户用户{i * 100 + j}户，4G基站{j}个。" * 8 for j in range(300)
        ]
        (folder / f"进展{i:02d}.txt").write_text("\n".join(lines), "utf-8")
    return len(list(folder.iterdir()))


def ingest_cmd(folder: Path) -> list[str]:
    return [sys.executable, "-m", "cli", "ingest", str(folder), "--jobs", "2"]


def start_ingest(folder: Path, env: dict, **popen) -> subprocess.Popen:
    """The real command in its own process group, to be killed or left to fail."""
    return subprocess.Popen(ingest_cmd(folder), env=env, cwd=REPO, start_new_session=True, **popen)


def ingest_to_end(folder: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ingest_cmd(folder), env=env, cwd=REPO, capture_output=True, text=True, timeout=300
    )


def count_documents(url: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.exec(select(func.count(Document.id))).one()
    except Exception:
        return 0
    finally:
        engine.dispose()


def wait_for_more(url: str, than: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Waits until the ingest has committed more documents than `than`: the kill then lands in
    the middle of the batch on a fast machine and on a slow one alike."""
    deadline = time.monotonic() + timeout
    while count_documents(url) <= than:
        assert proc.poll() is None, "the ingest ended before the kill"
        assert time.monotonic() < deadline, "no document was committed in time"
        time.sleep(0.05)


def env_for(data_dir: Path, url: str | None = None) -> dict:
    env = {**os.environ, "INFOCITY_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    if url:
        env["INFOCITY_DATABASE_URL"] = url
    else:
        env.pop("INFOCITY_DATABASE_URL", None)
    return env


def check_whole(url: str, data_dir: Path) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        assert integrity_problems(engine) == []
        with Session(engine) as session:
            n_docs = session.exec(select(func.count(Document.id))).one()
            n_distinct = session.exec(select(func.count(func.distinct(Document.sha256)))).one()
            stored = session.exec(
                select(Document.stored_path).where(Document.stored_path.is_not(None))
            ).all()
        assert n_docs == n_distinct
        files = (
            [p for p in (data_dir / "files").rglob("*") if p.is_file()]
            if (data_dir / "files").exists()
            else []
        )
        # At most files written just before a kill, not yet committed: swept on the next run.
        assert {str(data_dir / s) for s in stored} <= {str(p) for p in files}
        return n_docs, len(files) - len(stored)
    finally:
        engine.dispose()


def kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def test_kill_minus_nine_mid_ingest(tmp_path, samples):
    total = make_batch(tmp_path / "批次", samples)
    data_dir = tmp_path / "data"
    url = f"sqlite:///{data_dir / 'infocity.db'}"
    env = env_for(data_dir)
    rng = random.Random(9)
    after_kills = [0]
    for _ in range(3):
        proc = start_ingest(
            tmp_path / "批次", env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_more(url, after_kills[-1], proc)
        time.sleep(rng.uniform(0.0, 0.3))  # anywhere: parsing, copying, inside a commit
        proc.send_signal(signal.SIGKILL)  # the ingest process itself, mid-work
        kill_group(proc)
        after_kills.append(check_whole(url, data_dir)[0])
    # The kills landed mid-batch: some documents in, not all (else the test proved nothing).
    assert all(0 < n < total for n in after_kills[1:]), after_kills
    done = ingest_to_end(tmp_path / "批次", env)
    assert done.returncode == 0, done.stderr
    n_docs, strays = check_whole(url, data_dir)
    assert (n_docs, strays) == (total, 0)
    again = ingest_to_end(tmp_path / "批次", env)
    assert f"已存在 {total}" in again.stderr


def test_postgres_stopped_mid_batch(tmp_path, samples):
    from tests import pg

    if pg.pg_bin() is None:
        from tests.conftest import require

        require(False, "PostgreSQL server binaries (Debian package postgresql)")
    server = pg.Throwaway()
    try:
        total = make_batch(tmp_path / "批次", samples)
        data_dir = tmp_path / "data"
        with pg.database(server.url) as url:
            env = env_for(data_dir, url)
            proc = start_ingest(
                tmp_path / "批次", env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            wait_for_more(url, 0, proc)
            server.stop("immediate")
            _, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 1
            assert "数据库连接中断" in stderr and "Traceback" not in stderr
            server.start()
            stored_before, _ = check_whole(url, data_dir)
            assert 0 < stored_before < total
            done = ingest_to_end(tmp_path / "批次", env)
            assert done.returncode == 0, done.stderr
            assert check_whole(url, data_dir) == (total, 0)
    finally:
        server.close()
