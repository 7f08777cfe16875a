"""Search at archive scale: synthetic stores of 100k and 1M passages on SQLite and PostgreSQL.

Passages are recombined from the sample reports' sentences (tokenised once, so building a store
measures the database, not jieba). For each store it reports the insert rate (rows plus index
upkeep) and query latency p50/p95 of infocity's ranked search, against a plain
`LIKE '%word%'` scan in the same run: the first 20 matches (LIKE's best case) and a full count
(what ranking every match would need).

PostgreSQL is measured twice on the same store: with the `rum` index (`postgresql`) and with the
GIN fallback (`postgresql-gin`, the rum index ignored as with INFOCITY_SEARCH_RUM=0). Its stores
are written with COPY (the GIN and rum indexes dropped during the load and built after), and with
`--keep` every store is kept between runs (PostgreSQL database `infocity_search_bench_<N>`,
SQLite file in --cache-dir) and reused when it holds N passages.

    python bench/search_bench.py [--sizes 100000 1000000] [--backends sqlite postgresql postgresql-gin] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
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
from corpus.search import Filters, configure, enable_rum, ranked, search, uses_rum  # noqa: E402
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
            if line.strip() and "text" in (record := json.loads(line)):  # not the table cases
                texts.append(record["text"])
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


def _document(doc_id: int, n: int, doc_start: int, rng: random.Random) -> dict:
    return {
        "id": doc_id,
        "sha": f"{doc_id:064x}",
        "name": f"报告{doc_id}.pdf",
        "city": rng.choice(CITIES),
        "year": rng.choice([2015, 2016, 2017]),
        "period": rng.choice(["H1", "FY"]),
        "n": min(PASSAGES_PER_DOC, n - doc_start),
    }


def build_postgresql(url: str, n: int, pool, rng: random.Random) -> float:
    """The same store as `build`, written with COPY; the full-text indexes are dropped for the
    load and built afterwards (what a bulk import would do). Returns passages per second, index
    builds included."""
    engine = make_engine(url)
    migrate(engine)
    start = time.perf_counter()
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur:
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'passage' "
                "AND indexdef ~ 'USING (gin|rum)'"
            )
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(f"DROP INDEX {name}")
            docs = []
            with cur.copy(
                "COPY document (id, sha256, name, size, format, kind, status, city, year, period, "
                "needs_review, truncated, n_passages, version, is_current, ingested_at, ingested_by) "
                "FROM STDIN"
            ) as copy:
                for doc_start in range(0, n, PASSAGES_PER_DOC):
                    d = _document(doc_start // PASSAGES_PER_DOC + 1, n, doc_start, rng)
                    docs.append(d)
                    copy.write_row(
                        (d["id"], d["sha"], d["name"], 0, "pdf", "progress", "ok", d["city"],
                         d["year"], d["period"], False, False, d["n"], 1, True, "2026-01-01", "bench")
                    )  # fmt: skip
            with cur.copy(
                'COPY passage (document_id, "order", page, heading_path, text, words, extra, area, '
                "needs_review, version) FROM STDIN"
            ) as copy:
                for d in docs:
                    for order in range(d["n"]):
                        picked = rng.sample(pool, 3)
                        copy.write_row(
                            (d["id"], order, 1, "[]", "".join(p[0] for p in picked),
                             " ".join(p[1] for p in picked), " ".join(p[2] for p in picked),
                             rng.randrange(7), False, 1)
                        )  # fmt: skip
            cur.execute("SELECT setval(pg_get_serial_sequence('document', 'id'), %s)", (len(docs),))
            conn.commit()
            for _, definition in indexes:
                cur.execute(definition)
                conn.commit()
            conn.autocommit = True
            cur.execute("VACUUM ANALYZE passage")
            cur.execute("VACUUM ANALYZE document")
            conn.autocommit = False
    finally:
        raw.close()
    engine.dispose()
    return n / (time.perf_counter() - start)


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
                _document(doc_id, n, doc_start, rng),
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
                        "area": rng.randrange(7),
                    }
                )
            conn.execute(
                text(
                    'INSERT INTO passage (document_id, "order", page, heading_path, text, words, extra, '
                    "area, needs_review, version) "
                    "VALUES (:doc, :order, 1, '[]', :text, :words, :extra, :area, false, 1)"
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


def stored_passages(url: str) -> int:
    """Passages in an existing store at its newest schema; 0 when there is none."""
    engine = make_engine(url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM passage")).scalar() or 0)
    except Exception:
        return 0
    finally:
        engine.dispose()


def exact_top(engine, query: str, filters: Filters | None = None) -> bool:
    """Our first page holds the best scores of a brute-force ranking of every match passing
    `filters` by the same score (rum's own with the rum index, ts_rank without), in order; for a
    query ranked in its newest years only (corpus.search.RUM_BOUND), of every match of those
    years. Scores are compared, not ids: a tie at the end of the page may be cut either way."""
    from corpus.search import _filter_sql, _tsquery, parse_query

    page = ranked(engine, query, filters, 20)
    hits = page.hits
    score = "rum_ts_score" if uses_rum(engine) else "ts_rank"
    params = {"q": _tsquery(parse_query(query)), "n": len(hits)}
    where = _filter_sql(filters or Filters(), params)
    if page.years:
        where += " AND d.year = ANY(:years)"
        params["years"] = page.years
    with engine.connect() as conn:
        best = conn.execute(
            text(
                f"SELECT {score}(p.tsv, to_tsquery('simple', :q)) AS s "
                "FROM passage p JOIN document d ON d.id = p.document_id "
                f"WHERE p.tsv @@ to_tsquery('simple', :q) AND {where} "
                "ORDER BY s DESC LIMIT :n"
            ),
            params,
        ).scalars()
        return all(abs(a - h.score) <= 1e-5 * abs(a) for a, h in zip(best, hits, strict=True))


FILTERS = {
    "filtered": Filters(city="杭州市", period="FY"),
    "area": Filters(area=3),
    "narrow": Filters(city="杭州市", year=2016, period="FY", area=5),
}


def warm_up(engine) -> float:
    """One untimed pass of every query, unfiltered and with each filter, before the timed runs:
    a serving process is warm, and the first read of an index (rum's is 725 MB at 1M) from
    disk is not what a search costs. Returns the slowest search of the pass, in ms (reported as
    `first pass max`: cold only as far as the OS page cache was, see bench/README.md)."""
    slowest = 0.0
    for filters in (Filters(), *FILTERS.values()):
        for query in QUERIES:
            start = time.perf_counter()
            search(engine, query, filters, 20)
            slowest = max(slowest, (time.perf_counter() - start) * 1000)
    return slowest


def run(url: str, n: int, rate: float | None, backend: str) -> dict:
    engine = make_engine(url)
    if backend.startswith("postgresql"):
        configure(engine, rum=backend == "postgresql")
    first = warm_up(engine)
    ours = latencies(lambda q: search(engine, q, Filters(), 20))
    result = {"rate": rate, "ours": ours, "exact": None, "first": first}
    for name, filters in FILTERS.items():
        result[name] = latencies(lambda q, f=filters: search(engine, q, f, 20))
    if backend.startswith("postgresql"):
        result["exact"] = sum(
            exact_top(engine, q, f) for f in (Filters(), *FILTERS.values()) for q in QUERIES
        )
        result["bounded"] = [q for q in QUERIES if ranked(engine, q).bound]
    with engine.connect() as conn:
        result["like_first"] = latencies(
            lambda q: conn.execute(
                text(
                    "SELECT p.id FROM passage p JOIN document d ON d.id = p.document_id "
                    "WHERE p.text LIKE :w AND d.is_current LIMIT 20"
                ),
                {"w": f"%{like_word(q)}%"},
            ).all(),
            repeat=2,
        )
        result["like_all"] = latencies(
            lambda q: conn.execute(
                text("SELECT count(*) FROM passage p WHERE p.text LIKE :w"),
                {"w": f"%{like_word(q)}%"},
            ).scalar(),
            repeat=1,
        )
    engine.dispose()
    return result


def report(backend: str, n: int, result: dict) -> None:
    o, l20, la = result["ours"], result["like_first"], result["like_all"]
    rate = f"{result['rate']:9.0f}" if result["rate"] else f"{'(kept)':>9}"
    exact = (
        f"{result['exact']}/{len(QUERIES) * (1 + len(FILTERS))}"
        if result["exact"] is not None
        else "-"
    )
    print(
        f"{backend:15} {n:9d} {rate} {o[0]:9.1f}ms {o[1]:6.1f}ms "
        + " ".join(f"{result[k][1]:9.1f}ms" for k in FILTERS)
        + f" {exact:>6} {result['first']:11.1f}ms {l20[0]:10.1f}ms {la[0]:11.1f}ms {la[0] / o[0]:10.1f}"
        + f"  load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    if result.get("bounded"):
        what = (
            "in their newest years only (RUM_BOUND)"
            if backend == "postgresql"
            else "among their newest 5,000 matches only"
        )
        print(f"{'':15} ranked {what}: {result['bounded']}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql", "postgresql-gin"])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the stores and reuse them")
    parser.add_argument("--cache-dir", type=Path, default=Path("/var/tmp/infocity-search-bench"))
    args = parser.parse_args()
    pool = sentence_pool()
    print(
        f"sentence pool: {len(pool)} sentences; queries: {len(QUERIES)} × 5 runs after one "
        f"warm-up pass of every query and filter; load average {os.getloadavg()}"
    )
    described = {
        k: ", ".join(f"{f}={v}" for f, v in vars(x).items() if v not in (None, False))
        for k, x in FILTERS.items()
    }
    print("filters: " + "; ".join(f"{k}: {v}" for k, v in described.items()) + "\n")
    print(
        f"{'backend':15} {'passages':>9} {'insert/s':>9} {'search p50':>11} {'p95':>8} "
        + " ".join(f"{k + ' p95':>11}" for k in FILTERS)
        + f" {'exact':>6} {'1st pass max':>13} {'LIKE 20 p50':>12} {'LIKE all p50':>13} {'LIKE÷ours':>10}"
    )
    for n in args.sizes:
        if "sqlite" in args.backends:
            with tempfile.TemporaryDirectory() as tmp:
                folder = args.cache_dir if args.keep else Path(tmp)
                folder.mkdir(parents=True, exist_ok=True)
                url = f"sqlite:///{folder}/search-{n}.db"
                rate = None
                if stored_passages(url) != n:
                    (folder / f"search-{n}.db").unlink(missing_ok=True)
                    rate = build(url, n, pool, random.Random(n))
                report("sqlite", n, run(url, n, rate, "sqlite"))
        pg_backends = [b for b in args.backends if b.startswith("postgresql")]
        if not pg_backends:
            continue
        from tests.pg import database

        with pg_store(args.pg, n, args.keep, database) as url:
            rate = None
            if stored_passages(url) != n:
                rate = build_postgresql(url, n, pool, random.Random(n))
            engine = make_engine(url)
            enable_rum(engine)  # a kept store made before the extension was installed
            engine.dispose()
            for backend in pg_backends:
                report(backend, n, run(url, n, rate, backend))
                rate = None


def pg_store(server: str, n: int, keep: bool, database):
    """A PostgreSQL database for the N-passage store: kept under a fixed name with --keep
    (emptied first when it holds another size), else a throwaway one."""
    from contextlib import contextmanager

    import psycopg

    @contextmanager
    def kept():
        name = f"infocity_search_bench_{n}"
        with psycopg.connect(server, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{server.rsplit('/', 1)[0]}/{name}"
        if 0 < stored_passages(url) != n:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
        yield url

    return kept() if keep else database(server)


if __name__ == "__main__":
    main()
