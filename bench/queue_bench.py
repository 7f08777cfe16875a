"""Ingest through the queue (issue 20): throughput with 1 and 2 `infocity worker` processes on
this machine, against the local process pool in the same run, and the per-file overhead of the
queue; optionally the per-file cost of real documents, for the worker-hours of a full archive.

Each run gets a fresh PostgreSQL database (the machine's, else SQLite in the data directory) and
the machine's Redis (else a throwaway redis-server). Workers are real `infocity worker` processes,
started and warmed up (their parsers and models loaded) before the clock starts; the local runs
are `corpus.ingest` in this process, as `infocity ingest` without a broker (models loaded by a
warm-up ingest first; each ingest starts its own parsing processes, as each command does).

    python bench/queue_bench.py [--files 40] [--realdocs 6]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from corpus import Settings, ingest, open_store  # noqa: E402
from corpus.executor import ingest_queued  # noqa: E402
from tests import brokers, pg  # noqa: E402

CITIES = ["杭州市", "宁波市", "成都市", "郑州市", "武汉市", "西安市"]
REALDOCS = REPO.parent / "shared" / "realdocs"


def reports(folder: Path, n: int, tag: str) -> list[Path]:
    """Small generated progress reports (about 9 KB of text each), all different."""
    folder.mkdir(parents=True)
    paths = []
    for i in range(n):
        city = CITIES[i % len(CITIES)]
        name = f"{city}{2014 + i % 8}年上半年信息消费示范城市建设进展情况（{tag}{i}）.txt"
        lines = [name.removesuffix(".txt")]
        lines += [
            f"第{j}项：新增光纤到户用户{i * 100 + j}户，建成4G基站{j}个。" * 3 for j in range(60)
        ]
        path = folder / name
        path.write_text("\n".join(lines))
        paths.append(path)
    return paths


@contextlib.contextmanager
def database():
    if pg.reachable():
        with pg.database(pg.MACHINE_URL) as url:
            yield url
    else:
        yield None  # SQLite in the data directory


@contextlib.contextmanager
def redis():
    if brokers.redis_reachable():
        yield brokers.REDIS_URL
        return
    server = brokers.ThrowawayRedis()
    try:
        yield server.url
    finally:
        server.close()


def settings_for(data_dir: Path, db_url: str | None, broker: str | None, queue: str) -> Settings:
    return Settings(
        data_dir=data_dir, database_url=db_url, broker_url=broker, broker_queue=queue, jobs=1
    )


def run_local(files: list[Path], jobs: int, work: Path, warmup: Path) -> float:
    with database() as db_url:
        settings = settings_for(work / f"local{jobs}", db_url, None, "infocity")
        engine = open_store(settings)
        try:
            # Warm-up, as for the workers: the models loaded in this process.
            warm = reports(warmup / f"l{jobs}", 2 * jobs, "预热")
            ingest(warm, engine=engine, data_dir=settings.data_dir, limits=settings.limits())
            start = time.perf_counter()
            summary = ingest(
                files,
                engine=engine,
                data_dir=settings.data_dir,
                limits=settings.limits(),
                jobs=jobs,
            )
            elapsed = time.perf_counter() - start
        finally:
            engine.dispose()
    assert summary.count("added") + summary.count("version") == len(files), summary.to_dict()
    return elapsed


def task_seconds(logs: list[Path], skip: int) -> list[float]:
    """Run times Celery logged for the measured tasks of a single worker (the warm-up tasks,
    which came first, skipped); with several workers, their split of the warm-up is unknown."""
    if len(logs) != 1:
        return []
    found = re.findall(r"succeeded in ([0-9.]+)s", logs[0].read_text(errors="replace"))
    return [float(t) for t in found][skip:]


def run_queue(
    files: list[Path], workers: int, work: Path, broker: str, warmup: Path
) -> tuple[float, list[float]]:
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    with database() as db_url:
        settings = settings_for(work / f"queue{workers}", db_url, broker, queue)
        engine = open_store(settings)
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "INFOCITY_DATA_DIR": str(settings.data_dir),
            "INFOCITY_BROKER_URL": broker,
            "INFOCITY_BROKER_QUEUE": queue,
            "INFOCITY_JOBS": "1",
        }
        if db_url:
            env["INFOCITY_DATABASE_URL"] = db_url
        else:
            env.pop("INFOCITY_DATABASE_URL", None)
        procs = []
        logs = [work / f"worker-{workers}-{i}.log" for i in range(workers)]
        try:
            for i in range(workers):
                log = logs[i].open("wb")
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "cli", "worker", "--concurrency", "1"],
                        env=env,
                        cwd=REPO,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            # Warm-up: every worker has started, loaded its models and its parser.
            warm = reports(warmup / f"q{workers}", 3 * workers, "预热")
            ingest_queued(warm, engine=engine, settings=settings, limits=settings.limits())
            start = time.perf_counter()
            summary = ingest_queued(
                files, engine=engine, settings=settings, limits=settings.limits()
            )
            elapsed = time.perf_counter() - start
        finally:
            for proc in procs:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, 15)
            for proc in procs:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, 9)
                    proc.wait()
            brokers.drop_queue(broker, queue)
            engine.dispose()
    assert summary.count("added") + summary.count("version") == len(files), summary.to_dict()
    return elapsed, task_seconds(logs, 3 * workers)


def real_files(n: int) -> list[Path]:
    if not REALDOCS.is_dir():
        return []
    found = sorted(
        p
        for p in REALDOCS.iterdir()
        if p.suffix.lower() in (".pdf", ".docx", ".doc") and p.stat().st_size < 5 * 2**20
    )
    return found[:n]


def run_real(files: list[Path], work: Path) -> tuple[float, int]:
    """Seconds for the real documents through the local pipeline (one at a time), and pages."""
    with database() as db_url:
        settings = settings_for(work / "real", db_url, None, "infocity")
        engine = open_store(settings)
        try:
            start = time.perf_counter()
            summary = ingest(
                files, engine=engine, data_dir=settings.data_dir, limits=settings.limits(), jobs=1
            )
            elapsed = time.perf_counter() - start
        finally:
            engine.dispose()
    return elapsed, sum(r.pages for r in summary.results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--realdocs", type=int, default=6, help="0: skip the real documents")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="infocity-queue-bench-"))
    try:
        files = reports(work / "files", args.files, "稿")
        warmup = work / "warmup"
        n = len(files)
        print(f"{n} generated reports; cores: {os.cpu_count()}; load: {os.getloadavg()[0]:.1f}")
        print(f"database: {'PostgreSQL' if pg.reachable() else 'SQLite'}")
        local1 = run_local(files, 1, work, warmup)
        local2 = run_local(files, 2, work, warmup)
        with redis() as broker:
            queue1, tasks1 = run_queue(files, 1, work, broker, warmup)
            queue2, _ = run_queue(files, 2, work, broker, warmup)
        print(f"{'run':<28}{'seconds':>9}{'files/s':>9}{'ms/file':>9}")
        for label, t in (
            ("local pool, 1 process", local1),
            ("local pool, 2 processes", local2),
            ("queue, 1 worker process", queue1),
            ("queue, 2 worker processes", queue2),
        ):
            print(f"{label:<28}{t:>9.1f}{n / t:>9.2f}{1000 * t / n:>9.0f}")
        overhead = (queue1 - local1) / n
        print(f"queue vs local pool per file (1 worker vs 1 process): {1000 * overhead:+.0f} ms")
        inside = sum(tasks1) / max(len(tasks1), 1)
        around = queue1 / n - inside
        print(
            f"1 worker: {1000 * inside:.0f} ms/file inside the task (parse, analyse, write, "
            f"record), {1000 * around:.0f} ms/file around it (broker, staging, polling)"
        )
        print(f"2 workers vs 1: ×{queue1 / queue2:.2f}; local 2 vs 1: ×{local1 / local2:.2f}")
        real = real_files(args.realdocs)
        if real:
            seconds, pages = run_real(real, work)
            per_file = seconds / len(real)
            print(
                f"real documents: {len(real)} files, {pages} pages, {seconds:.1f} s: "
                f"{per_file:.2f} s/file, {seconds / max(pages, 1):.3f} s/page (one process)"
            )
            archive = 100 * 10 * 3
            hours = archive * (per_file + max(around, 0)) / 3600
            print(
                f"full archive (100 cities × 10 years × 3 files = {archive} files): "
                f"{hours:.1f} worker-hours at these per-file costs"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
