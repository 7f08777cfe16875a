"""Peak memory of every infocity process on a small file with huge content (reliability row 15).

Issue 15's hostile case: a ~3.2 MB .docx, within every file limit, whose `document.xml` holds
150,000 paragraphs. Before the bound it took 1.9 GB in the ingest process and 1.4 GB in the web
server (1.2 GB kept afterwards). Here it is ingested by the real command (`infocity ingest`) and
uploaded to a real `infocity serve`, each after a small .docx (300 paragraphs) as the baseline in
the same run, and the peak RSS (the kernel's VmHWM, sampled every 10 ms) of each process is
printed: the ingest parent, its parsing workers (the fork server's children), and the web
server, with the web server's RSS once the job has finished.

    python bench/memory_bench.py [--paragraphs 150000] [--unbounded]

`--unbounded` adds a CLI row for the hostile file with the bound lifted (INFOCITY_MAX_PARAGRAPHS
and INFOCITY_MAX_CHARS set past it): what the bound saves. It needs about 2 GB and some minutes.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests import builders  # noqa: E402  (the test's own builder of the hostile file)
from tests.accounts import add_evaluator  # noqa: E402

PASSWORD = "bench-pass-12"


POOL = "全市新增光纤到户用户新建基站个信息消费规模达到亿元智慧城市建设进展情况示范工程项目平台服务"


def docx(path: Path, base: Path, n: int) -> Path:
    """A copy of the generated report whose body is `n` short paragraphs (as in
    tests/test_field_files.py::test_small_files_with_huge_content_are_too_large), with varied
    characters so that it compresses like the issue's 3.2 MB file rather than to 1 MB."""
    rng = random.Random(15)
    paras = "".join(
        f"<w:p><w:r><w:t>第{i}段：{''.join(rng.choices(POOL, k=12))}{rng.randrange(10**6)}户。"
        "</w:t></w:r></w:p>"
        for i in range(n)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document '
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paras}</w:body></w:document>"
    ).encode()
    return builders.zip_with(path, {"word/document.xml": xml}, base=base)


def _status(pid: int, field: str) -> int:
    """A /proc/<pid>/status field in kB (0 once the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(found.group(1)) if found else 0


def _children(pid: int) -> list[int]:
    try:
        found = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
        return found
    except OSError:
        return []


def _role(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "gone"
    if "multiprocessing.forkserver" in cmd:
        return "fork server"
    if "resource_tracker" in cmd:
        return "resource tracker"
    if "soffice" in cmd:
        return "LibreOffice"
    return "other"


class Sampler:
    """Samples the peak RSS of a process and all its descendants until stopped."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peaks: dict[int, int] = {}
        self.roles: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            todo: list[tuple[int, str]] = [(self.root, "")]
            while todo:
                pid, parent_role = todo.pop()
                if pid == self.root:
                    role = "parent"
                elif parent_role in ("fork server", "worker"):  # forked: same command line
                    role = "worker"
                else:  # read again each time: a child's command line changes at its exec
                    role = _role(pid)
                if role != "gone":
                    self.roles[pid] = role
                self.peaks[pid] = max(self.peaks.get(pid, 0), _status(pid, "VmHWM"))
                todo += [(child, role) for child in _children(pid)]
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak_mb(self, role: str) -> float:
        values = [v for pid, v in self.peaks.items() if self.roles.get(pid) == role]
        return max(values, default=0) / 1024

    def workers_since(self, before: dict[int, int]) -> float:
        """The largest worker peak reached after `before` (a copy of `peaks`)."""
        values = [
            v
            for pid, v in self.peaks.items()
            if self.roles.get(pid) == "worker" and v > before.get(pid, 0)
        ]
        return max(values, default=0) / 1024


def env_for(data: Path) -> dict:
    env = {**os.environ, "INFOCITY_DATA_DIR": str(data), "PYTHONPATH": str(REPO)}
    env.pop("INFOCITY_DATABASE_URL", None)
    return env | {"INFOCITY_JOBS": "1"}


def cli_ingest(path: Path, env: dict) -> tuple[float, float, str]:
    """(parent peak MB, worker peak MB, last line) of one `infocity ingest` process."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "ingest", str(path)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = Sampler(proc.pid)
    out, err = proc.communicate()
    sampler.stop()
    lines = [ln for ln in (out + err).splitlines() if ln.strip()]
    picked = [ln for ln in lines if ln.startswith("✗")] or [
        ln for ln in lines if ln.startswith("新增")
    ]
    shown = picked[0] if picked else ""
    return sampler.peak_mb("parent"), sampler.peak_mb("worker"), shown


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _token(client: httpx.Client, page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert found, page
    return found.group(1)


def web_uploads(paths: list[Path], env: dict) -> list[tuple[str, float, float, float, str]]:
    """Uploads each file in turn to one `infocity serve`; for each: (name, server peak MB so
    far, worker peak MB in that upload, server RSS MB once done, result)."""
    add_evaluator(env, "bench", PASSWORD)
    port = _port()
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sampler = Sampler(server.pid)
    rows = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    client.get("/login")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            client.post(
                "/login",
                data={
                    "name": "bench",
                    "password": PASSWORD,
                    "csrf_token": _token(client, "/login"),
                },
            )
            for path in paths:
                before = dict(sampler.peaks)
                response = client.post(
                    "/upload",
                    data={"csrf_token": _token(client, "/upload")},
                    files=[("files", (path.name, path.read_bytes(), "application/octet-stream"))],
                    follow_redirects=False,
                )
                assert response.status_code == 303, response.text[:300]
                job = response.headers["location"]
                while True:
                    progress = client.get(f"{job}/progress.json").json()
                    if progress["state"] not in ("queued", "running"):
                        break
                    time.sleep(0.2)
                time.sleep(0.3)  # a few more samples after the job's end
                result = f"{progress['state']}: added {progress['added']}"
                if progress["failures"]:
                    f = progress["failures"][0]
                    result = f"failed {f['code']} ({f['message'][-40:]})"
                rows.append(
                    (
                        path.name,
                        sampler.peak_mb("parent"),
                        sampler.workers_since(before),
                        _status(server.pid, "VmRSS") / 1024,
                        result,
                    )
                )
    finally:
        sampler.stop()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paragraphs", type=int, default=150_000)
    parser.add_argument("--unbounded", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base = builders.build_report_docx(root / "base.docx")
        small = docx(root / "宁波市2016年上半年进展（三百段）.docx", base, 300)
        hostile = docx(root / "杭州市2016年上半年进展（十五万段）.docx", base, args.paragraphs)
        print(
            f"files: baseline {small.stat().st_size / 1024:.0f} KB (300 paragraphs), "
            f"hostile {hostile.stat().st_size / 2**20:.1f} MB ({args.paragraphs:,} paragraphs)"
        )

        print("\ninfocity ingest (one process per file, same data directory)")
        print(f"{'file':<10}{'parent peak MB':>16}{'worker peak MB':>16}  result")
        env = env_for(root / "cli")
        figures = {}
        for label, path in (("baseline", small), ("hostile", hostile)):
            parent, worker, last = cli_ingest(path, env)
            figures[label] = (parent, worker)
            print(f"{label:<10}{parent:>16.0f}{worker:>16.0f}  {last[-70:]}")
        ratio = figures["hostile"][0] / figures["baseline"][0]
        print(f"hostile ÷ baseline, parent: {ratio:.2f}")
        if args.unbounded:
            lifted = env_for(root / "cli-unbounded") | {
                "INFOCITY_MAX_PARAGRAPHS": str(10 * args.paragraphs),
                "INFOCITY_MAX_CHARS": str(10**9),
            }
            parent, worker, last = cli_ingest(hostile, lifted)
            print(f"{'unbounded':<10}{parent:>16.0f}{worker:>16.0f}  {last[-70:]}")
            print(f"unbounded ÷ baseline, parent: {parent / figures['baseline'][0]:.2f}")

        print("\ninfocity serve (one server; the baseline uploaded first, then the hostile file)")
        header = f"{'file':<10}{'server peak MB':>16}{'worker peak MB':>16}{'server RSS after':>18}"
        print(header + "  result")
        rows = web_uploads([small, hostile], env_for(root / "web"))
        for label, (_name, peak, worker, after, result) in zip(
            ("baseline", "hostile"), rows, strict=True
        ):
            print(f"{label:<10}{peak:>16.0f}{worker:>16.0f}{after:>18.0f}  {result[:60]}")
        print(f"hostile ÷ baseline, server peak: {rows[1][1] / rows[0][1]:.2f}")


if __name__ == "__main__":
    main()
