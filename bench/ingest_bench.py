"""Ingest of many small files (reliability row 3): throughput and the parent's memory.

Generates N small reports, ingests them into a fresh SQLite store with the real pipeline (isolated
workers, one transaction per document) and prints files/s and the parent's peak RSS after the
first tenth and at the end: memory must not grow with the count.

    python bench/ingest_bench.py [--files 2000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import Settings, ingest, open_store

CITIES = ["杭州市", "宁波市", "成都市", "郑州市", "武汉市", "西安市"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "reports"
        folder.mkdir()
        for i in range(args.files):
            city = CITIES[i % len(CITIES)]
            body = "\n".join(
                f"（{j}）{city}新增光纤到户用户{i * 7 + j}户，建成众创空间{j}家，智慧医疗平台服务{i + j}万人次。"
                for j in range(1, 30)
            )
            (folder / f"{i:05d}.txt").write_text(
                f"{city}2016年上半年信息消费示范城市建设进展情况\n{body}", "utf-8"
            )
        settings = Settings(data_dir=Path(tmp) / "data")
        engine = open_store(settings)
        marks: dict[int, float] = {}
        done = 0

        def on_result(_result) -> None:
            nonlocal done
            done += 1
            if done in (args.files // 10, args.files):
                marks[done] = peak_mb()

        start = time.perf_counter()
        summary = ingest(
            [folder],
            engine=engine,
            data_dir=settings.data_dir,
            limits=settings.limits(),
            jobs=args.jobs,
            on_result=on_result,
        )
        elapsed = time.perf_counter() - start
        print(
            f"{args.files} files, {args.jobs} jobs: {elapsed:.1f} s, {args.files / elapsed:.1f} files/s; "
            f"added {summary.count('added')}, failed {summary.count('failed')}"
        )
        for n, mb in sorted(marks.items()):
            print(f"  parent peak RSS after {n:5d} files: {mb:.0f} MB")


if __name__ == "__main__":
    main()
