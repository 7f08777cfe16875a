"""Ingest of a realistic December batch, side by side with an earlier commit (issue 17).

Builds 25 cities × (H1 report, FY report, typical-applications attachment) = 75 files of mixed
.pdf, .docx and .doc (5 .doc), about 500 pages, from the package's sample reports (each city's
name put in, the body twice over, converted by LibreOffice), and ingests the batch into a
fresh SQLite store and a fresh PostgreSQL database, once with this tree and once with `--base`
(a checkout with its own virtualenv, e.g. `git worktree add /tmp/base d294293`). Each run is a
subprocess sampled through /proc (it, its fork server, its workers, their LibreOffice): wall time,
pages per wall-second, CPU-seconds per page, average cores used (CPU-seconds / wall), and the peak
RSS of the ingesting (parent) process and of the largest worker.

    python bench/ingest_bench.py [--base /tmp/base] [--jobs 2] [--cities 25] [--backends sqlite postgresql]

The machine is shared: the load average before and after each run is printed with it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[1]
PG_URL = os.environ.get("INFOCITY_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

CITIES = [
    "杭州市", "宁波市", "温州市", "成都市", "郑州市", "武汉市", "西安市", "南京市", "苏州市",
    "无锡市", "合肥市", "福州市", "厦门市", "济南市", "青岛市", "长沙市", "广州市", "深圳市",
    "南宁市", "贵阳市", "昆明市", "兰州市", "银川市", "太原市", "石家庄市",
]  # fmt: skip
# The sample each slot is made from, and the city named in it.
TEMPLATES = {
    "H1": ("杭州市2016年上半年信息消费示范城市建设进展情况.docx", "杭州"),
    "FY": ("宁波市2016年国家信息消费示范城市建设工作总结.docx", "宁波"),
    "apps": ("成都市信息消费典型应用(3个).docx", "成都"),
}
REPEAT = 2  # the body twice over: a city's report runs to 4-10 pages


def _format(i: int, slot: str) -> str:
    if slot == "FY" and i % 5 == 0:
        return "doc"
    if (slot == "H1" and i % 3 == 0) or (slot == "FY" and i % 3 == 1) or (slot == "apps" and i % 2):
        return "pdf"
    return "docx"


def _docx_for(template: Path, old: str, city: str, target: Path) -> None:
    """The template with `city` for `old` in every part, the body REPEAT times over."""
    short = city.removesuffix("市")
    with (
        zipfile.ZipFile(template) as src,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".xml"):
                xml = data.decode("utf-8").replace(old, short)
                if info.filename == "word/document.xml":
                    start = xml.index("<w:body>") + len("<w:body>")
                    end = xml.rindex("<w:sectPr")
                    xml = xml[:start] + xml[start:end] * REPEAT + xml[end:]
                if info.filename == "docProps/app.xml":
                    xml = re.sub(
                        r"<Pages>(\d+)</Pages>",
                        lambda m: f"<Pages>{int(m[1]) * REPEAT}</Pages>",
                        xml,
                    )
                data = xml.encode("utf-8")
            out.writestr(info, data)


def build_batch(folder: Path, cities: int) -> list[Path]:
    """The batch in `folder` (kept between runs: building converts ~35 files)."""
    sys.path.insert(0, str(REPO))
    from corpus import samples_dir
    from extract import legacy

    done = folder / "done.json"
    if done.exists():
        return [folder / "files" / name for name in json.loads(done.read_text())]
    folder = folder / "files"
    folder.mkdir(parents=True, exist_ok=True)
    converter = legacy.Converter(legacy.find_soffice())
    names = []
    for i, city in enumerate(CITIES[:cities]):
        for slot, (template, old) in TEMPLATES.items():
            label = {"H1": "2016年上半年信息消费示范城市建设进展情况", "FY": "2016年信息消费示范城市建设工作总结", "apps": "信息消费典型应用案例"}[slot]  # fmt: skip
            docx = folder / f"{city}{label}.docx"
            _docx_for(samples_dir() / template, old, city, docx)
            fmt = _format(i, slot)
            if fmt != "docx":
                with tempfile.TemporaryDirectory() as tmp:
                    made = converter.convert(docx, fmt, Path(tmp), 180)
                    shutil.move(made, docx.with_suffix(f".{fmt}"))
                docx.unlink()
            names.append(docx.with_suffix(f".{fmt}").name)
    converter.stop()
    done.write_text(json.dumps(names, ensure_ascii=False))
    return [folder / name for name in names]


# --- one run, in its own process (this tree's or the base's interpreter) ---------------------


def run_one(batch: Path, data_dir: Path, url: str | None, jobs: int) -> None:
    from corpus import Settings, ingest, open_store

    settings = Settings(data_dir=data_dir, database_url=url)
    engine = open_store(settings)
    start = time.perf_counter()
    summary = ingest(
        [batch], engine=engine, data_dir=settings.data_dir, limits=settings.limits(), jobs=jobs
    )
    wall = time.perf_counter() - start
    print(
        "RESULT "
        + json.dumps(
            {
                "wall": wall,
                "pages": sum(r.pages for r in summary.results),
                "added": summary.count("added"),
                "failed": [r.message for r in summary.failed],
            },
            ensure_ascii=False,
        ),
        flush=True,
    )


# --- sampling the process tree ---------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _proc(pid: int) -> tuple[int, float, int, str] | None:
    """(parent pid, CPU seconds, peak RSS in MB, name) of a live process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    hwm = re.search(r"VmHWM:\s+(\d+)", status)
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    cpu = (int(fields[11]) + int(fields[12])) / TICK
    return int(fields[1]), cpu, int(hwm[1]) // 1024 if hwm else 0, name


def _title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


class Sampler(threading.Thread):
    """Every process under `root` (by parent pid, kept once seen): its last CPU time, peak RSS.
    With `database`, also the PostgreSQL server's backends serving that database (their process
    title names it; each run has a fresh database), counted apart as the server's share."""

    def __init__(self, root: int, database: str | None = None) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.database = database
        self.known: dict[int, dict] = {}
        self.server: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            time.sleep(0.1)

    def sample(self) -> None:
        table, names = {}, {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (info := _proc(int(entry))) is not None:
                table[int(entry)], names[int(entry)] = info[:3], info[3]
        members = {self.root} | set(self.known)
        grew = True
        while grew:
            grew = False
            for pid, (ppid, _, _) in table.items():
                if ppid in members and pid not in members:
                    members.add(pid)
                    grew = True
        for pid in members:
            if pid in table:
                _, cpu, hwm = table[pid]
                seen = self.known.setdefault(pid, {"cpu": 0.0, "hwm": 0, "name": names[pid]})
                seen["cpu"], seen["hwm"] = max(seen["cpu"], cpu), max(seen["hwm"], hwm)
        if self.database:
            needle = f" {self.database} "
            for pid, name in names.items():
                if name == "postgres" and pid not in members and needle in _title(pid):
                    self.server[pid] = max(self.server.get(pid, 0.0), table[pid][1])


def measure(python: str, batch: Path, url: str | None, jobs: int, cwd: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [python, str(HERE), "--run-one", str(batch), "--data-dir", tmp, "--jobs", str(jobs)]
        if url:
            cmd += ["--url", url]
        load = os.getloadavg()[0]
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, text=True)
        sampler = Sampler(proc.pid, url.rsplit("/", 1)[1] if url else None)
        sampler.start()
        out, _ = proc.communicate()
        sampler.stop.set()
        sampler.join()
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"run failed: {cmd}\n{out}")
    result = json.loads(line.removeprefix("RESULT "))
    procs = sampler.known
    cpu = sum(p["cpu"] for p in procs.values())
    workers = [
        p["hwm"] for pid, p in procs.items() if pid != proc.pid and p["name"].startswith("python")
    ]
    by_name: dict[str, float] = {}
    for pid, p in procs.items():
        key = "parent" if pid == proc.pid else p["name"]
        by_name[key] = by_name.get(key, 0.0) + p["cpu"]
    result.update(
        cpu=cpu,
        server_cpu=sum(sampler.server.values()),
        cpu_by=dict(sorted(by_name.items(), key=lambda kv: -kv[1])[:5]),
        parent_rss=procs[proc.pid]["hwm"],
        worker_rss=max(workers, default=0),
        load=(load, os.getloadavg()[0]),
    )
    return result


def fresh_pg(name: str, create: bool = True) -> str:
    """A new empty database `name` (dropped first if there); with `create=False`, only dropped."""
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run-one", type=Path)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--url")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cities", type=int, default=25)
    parser.add_argument("--base", type=Path, help="an earlier checkout with .venv/ (the baseline)")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--batch", type=Path, help="where the batch is built (kept)")
    args = parser.parse_args()
    if args.run_one:
        run_one(args.run_one, args.data_dir, args.url, args.jobs)
        return
    batch_dir = args.batch or Path(tempfile.gettempdir()) / f"infocity-bench-batch-{args.cities}"
    files = build_batch(batch_dir, args.cities)
    batch_dir = batch_dir / "files"
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:8]
    kinds = {s: sum(f.suffix == s for f in files) for s in (".pdf", ".docx", ".doc")}
    print(f"batch: {len(files)} files {kinds} in {batch_dir} ({digest}); {os.cpu_count()} cores")
    trees = [("this tree", Path(sys.executable), REPO)]
    if args.base:
        trees.insert(0, (f"base {args.base.name}", args.base / ".venv/bin/python", args.base))
    rows = []
    for backend in args.backends:
        for label, python, tree in trees:
            url = fresh_pg(f"bench_ingest_{os.getpid()}") if backend == "postgresql" else None
            r = measure(str(python), batch_dir, url, args.jobs, tree)
            if url:
                fresh_pg(url.rsplit("/", 1)[1], create=False)
            rows.append((backend, label, r))
            print(
                f"{backend:10} {label:14} {r['wall']:6.1f} s  {r['pages']:4d} pages  "
                f"{r['pages'] / r['wall']:5.2f} pages/s  {r['cpu'] / r['pages']:5.3f} CPU-s/page  "
                f"{r['cpu'] / r['wall']:4.2f} cores  parent {r['parent_rss']:4d} MB  "
                f"worker {r['worker_rss']:4d} MB  added {r['added']} failed {len(r['failed'])}  "
                f"load {r['load'][0]:.1f}→{r['load'][1]:.1f}",
                flush=True,
            )
            print(
                "     CPU-s by process: "
                + ", ".join(f"{k} {v:.1f}" for k, v in r["cpu_by"].items())
                + (
                    f"; database server {r['server_cpu']:.1f} "
                    f"(cores with it {(r['cpu'] + r['server_cpu']) / r['wall']:.2f})"
                    if backend == "postgresql"
                    else ""
                )
            )
            for message in r["failed"]:
                print("    ", message)
    if args.base:
        for backend in args.backends:
            base, new = [r for b, _, r in rows if b == backend]
            print(
                f"{backend}: pages/s ×{(new['pages'] / new['wall']) / (base['pages'] / base['wall']):.2f}, "
                f"cores {base['cpu'] / base['wall']:.2f} → {new['cpu'] / new['wall']:.2f}"
                + (
                    f" (with the database server's {(base['cpu'] + base['server_cpu']) / base['wall']:.2f}"
                    f" → {(new['cpu'] + new['server_cpu']) / new['wall']:.2f})"
                    if backend == "postgresql"
                    else ""
                )
                + ", "
                f"parent RSS {base['parent_rss']} → {new['parent_rss']} MB"
            )


if __name__ == "__main__":
    main()
