"""Search at archive scale: synthetic stores of 100k and 1M passages on SQLite and PostgreSQL.

Passages are recombined from the sample reports' sentences (tokenised once, so building a store
measures the database, not jieba). For each store it reports the insert rate (rows plus index
upkeep) and query latency p50/p95 of infocity's ranked search, against a plain
`LIKE '%word%'` scan in the same run: the first 20 matches (LIKE's best case) and a full count
(what ranking every match would need).

    python bench/search_bench.py [--sizes 100000 1000000] [--backends sqlite postgresql]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import text  # noqa: E402

from classify import phrase_tokens, search_tokens  # noqa: E402
from corpus.search import Filters, search  # noqa: E402
from extract import read_document, to_passages  # noqa: E402
from extract.passages import split_sentences  # noqa: E402
from models.db import make_engine, migrate  # noqa: E402

QUERIES = [
    "光纤",
    "智慧医疗",
    "众创空间 孵化",
    '"公共数据开放"',
    "宽带 OR 4G",
    "工业云 -成都",
    "电子商务 交易额",
    "智慧社区 养老",
    "免费WLAN 热点",
    "数字阅读",
]
CITIES = ["杭州市", "宁波市", "成都市", "郑州市", "武汉市", "西安市", "贵阳市", "福州市"]
PASSAGES_PER_DOC = 100


def _texts() -> list[str]:
    """The sample reports' passages plus every labelled passage and case in the repository:
    several thousand sentences written for 50 cities, for a vocabulary closer to a real archive's."""
    texts = [p.text for path in sorted((HERE.parent / "corpus" / "samples").iterdir())
             for p in to_passages(read_document(path))]  # fmt: skip
    labelled = [
        *(HERE.parent / "classify" / "data").glob("*/*.jsonl"),
        *(HERE / "data").glob("*.jsonl"),
    ]
    for path in sorted(labelled):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def sentence_pool() -> list[tuple[str, str, str]]:
    pool = []
    for text_ in _texts():
        for sentence in split_sentences(text_):
            if len(sentence) > 8:
                pool.append(
                    (
                        sentence,
                        " ".join(phrase_tokens(sentence)),
                        " ".join(search_tokens(sentence)),
                    )
                )
    return pool


def build(url: str, n: int, pool, rng: random.Random) -> float:
    engine = make_engine(url)
    migrate(engine)
    start = time.perf_counter()
    with engine.begin() as conn:
        for doc_start in range(0, n, PASSAGES_PER_DOC):
            doc_id = doc_start // PASSAGES_PER_DOC + 1
            conn.execute(
                text(
                    "INSERT INTO document (id, sha256, name, size, format, kind, status, city, year, period, "
                    "needs_review, truncated, n_passages, version, is_current, ingested_at, ingested_by) "
                    "VALUES (:id, :sha, :name, 0, 'pdf', 'progress', 'ok', :city, :year, :period, false, false, "
                    ":n, 1, true, CURRENT_TIMESTAMP, 'bench')"
                ),
                {
                    "id": doc_id,
                    "sha": f"{doc_id:064x}",
                    "name": f"报告{doc_id}.pdf",
                    "city": rng.choice(CITIES),
                    "year": rng.choice([2015, 2016, 2017]),
                    "period": rng.choice(["H1", "FY"]),
                    "n": min(PASSAGES_PER_DOC, n - doc_start),
                },
            )
            rows = []
            for order in range(min(PASSAGES_PER_DOC, n - doc_start)):
                picked = rng.sample(pool, 3)
                rows.append(
                    {
                        "doc": doc_id,
                        "order": order,
                        "text": "".join(p[0] for p in picked),
                        "words": " ".join(p[1] for p in picked),
                        "extra": " ".join(p[2] for p in picked),
                    }
                )
            conn.execute(
                text(
                    'INSERT INTO passage (document_id, "order", page, heading_path, text, words, extra, '
                    "needs_review, version) VALUES (:doc, :order, 1, '[]', :text, :words, :extra, false, 1)"
                ),
                rows,
            )
    elapsed = time.perf_counter() - start
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return n / elapsed


def latencies(fn, repeat: int = 5) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        for query in QUERIES:
            start = time.perf_counter()
            fn(query)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def like_word(query: str) -> str:
    return query.replace('"', "").replace("-", "").split()[0]


def run(url: str, n: int, pool) -> dict:
    rate = build(url, n, pool, random.Random(n))
    engine = make_engine(url)
    ours = latencies(lambda q: search(engine, q, Filters(), 20))
    filtered = latencies(lambda q: search(engine, q, Filters(city="杭州市", period="FY"), 20))
    with engine.connect() as conn:
        like_first = latencies(
            lambda q: conn.execute(
                text(
                    "SELECT p.id FROM passage p JOIN document d ON d.id = p.document_id "
                    "WHERE p.text LIKE :w AND d.is_current LIMIT 20"
                ),
                {"w": f"%{like_word(q)}%"},
            ).all(),
            repeat=2,
        )
        like_all = latencies(
            lambda q: conn.execute(
                text("SELECT count(*) FROM passage p WHERE p.text LIKE :w"),
                {"w": f"%{like_word(q)}%"},
            ).scalar(),
            repeat=1,
        )
    engine.dispose()
    return {
        "rate": rate,
        "ours": ours,
        "filtered": filtered,
        "like_first": like_first,
        "like_all": like_all,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    pool = sentence_pool()
    print(f"sentence pool: {len(pool)} sentences; queries: {len(QUERIES)} × 5 runs\n")
    header = (
        f"{'backend':10} {'passages':>9} {'insert/s':>9} {'search p50':>11} {'p95':>7} "
        f"{'filtered p95':>13} {'LIKE 20 p50':>12} {'LIKE all p50':>13} {'LIKE all ÷ ours p50':>19}"
    )
    print(header)
    for backend in args.backends:
        for n in args.sizes:
            with tempfile.TemporaryDirectory() as tmp:
                if backend == "sqlite":
                    result = run(f"sqlite:///{tmp}/bench.db", n, pool)
                else:
                    sys.path.insert(0, str(HERE.parent))
                    from tests.pg import database

                    with database(args.pg) as url:
                        result = run(url, n, pool)
            o, f, l20, la = (
                result["ours"],
                result["filtered"],
                result["like_first"],
                result["like_all"],
            )
            print(
                f"{backend:10} {n:9d} {result['rate']:9.0f} {o[0]:9.1f}ms {o[1]:5.1f}ms {f[1]:11.1f}ms "
                f"{l20[0]:10.1f}ms {la[0]:11.1f}ms {la[0] / o[0]:19.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
