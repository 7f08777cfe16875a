"""The web app's pages under load: a store of 100 cities × 4 submissions with realistic figures.

The store is built quickly by writing rows directly (no parsing, no classifying): each
submission is one progress report of `--passages` passages recombined from the sample reports'
sentences, with `--figures` figures on catalogue indicators in their own units and a document
structure of the size real reports have (the JSON that whole-row loads used to decode). Then,
in-process through Starlette's TestClient, for home, search, city, compare and the exports:

- CPU per request: process time over sequential requests (the app's own work, one at a time),
  and for the exports the rows they hold and the CPU per 1,000 rows;
- "(cold)": the page cache emptied before each request (as after a restart or an ingest);
- "(after an edit)": one evaluator's edit (a passage's area, a figure accepted, in a random
  city) before each request, as all day on the review desk: every edit moves the store's
  version on, so this is the first view of a changed store;
- p50/p95 wall time with 10 clients at once (threads, each its own logged-in client).

    python bench/web_bench.py [--cities 100] [--passages 80] [--figures 30] [--requests 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SENTENCES = [
    "全市光纤到户用户达到{n}万户，宽带接入能力显著提升",
    "信息消费规模达到{n}亿元，同比增长{p}%",
    "建成智慧社区{n}个，覆盖居民{n}万人",
    "电子商务交易额突破{n}亿元，网络零售额增长{p}%",
    "4G基站累计建成{n}个，实现城区全覆盖",
    "推进公共数据开放，开放数据集{n}个",
    "智慧医疗平台接入医院{n}家，预约挂号{n}万人次",
    "众创空间孵化企业{n}家，带动就业{n}人",
    "工业云平台服务企业{n}家，上云企业比例达到{p}%",
    "在线教育覆盖学校{n}所，师生{n}万人",
]
PERIODS = [(2016, "H1"), (2016, "FY"), (2017, "H1"), (2017, "FY")]


def build(data: Path, n_cities: int, n_passages: int, n_figures: int) -> float:
    """Writes the store's rows directly; returns the seconds it took."""
    from sqlalchemy import insert

    from classify import load_catalogue, search_tokens
    from corpus import Settings, open_store
    from models.tables import City, Document, Figure, Passage, Submission

    started = time.perf_counter()
    engine = open_store(Settings(data_dir=data, database_url=None))
    rng = random.Random(19)
    from extract.gazetteer import cities

    names = [c.name for c in cities()][:n_cities]
    indicators = [i for i in load_catalogue().indicators.values()]
    pool = []
    for template in SENTENCES:
        for _ in range(5):
            text = template.format(n=rng.randint(2, 900), p=rng.randint(2, 40))
            pool.append((text, " ".join(search_tokens(text))))
    structure = [
        {"kind": "paragraph", "text": rng.choice(pool)[0] * 3, "page": i // 8 + 1}
        for i in range(n_passages)
    ]
    base = datetime(2018, 1, 1, tzinfo=UTC)
    doc_id = passage_id = figure_id = 0
    with engine.begin() as conn:
        conn.execute(insert(City), [{"id": i + 1, "name": n} for i, n in enumerate(names)])
        subs, docs, passages, figures = [], [], [], []
        for c, name in enumerate(names):
            for s, (year, period) in enumerate(PERIODS):
                sub_id = c * len(PERIODS) + s + 1
                subs.append({"id": sub_id, "city_id": c + 1, "year": year, "period": period})
                doc_id += 1
                docs.append(
                    {
                        "id": doc_id,
                        "sha256": f"{doc_id:064x}",
                        "name": f"{name}{year}年{'上半年' if period == 'H1' else ''}信息消费示范城市建设进展情况.pdf",
                        "size": 100_000,
                        "format": "pdf",
                        "pages": n_passages // 8 + 1,
                        "kind": "progress",
                        "status": "ok",
                        "submission_id": sub_id,
                        "city": name,
                        "year": year,
                        "period": period,
                        "needs_review": False,
                        "metadata_evidence": {"city": [{"value": name, "source": "title"}]},
                        "warnings": [],
                        "structure": structure,
                        "page_info": [{"number": p + 1, "chars": 900} for p in range(8)],
                        "truncated": False,
                        "n_passages": n_passages,
                        "version": 1,
                        "is_current": True,
                        "retired": False,
                        "ingested_at": base + timedelta(minutes=doc_id),
                        "ingested_by": "bench",
                    }
                )
                first = passage_id + 1
                for order in range(n_passages):
                    passage_id += 1
                    text, words = rng.choice(pool)
                    area = rng.randint(0, 6)
                    passages.append(
                        {
                            "id": passage_id,
                            "document_id": doc_id,
                            "order": order,
                            "page": order // 8 + 1,
                            "heading_path": ["一、总体情况", f"（{order // 10 + 1}）重点工作"],
                            "text": text,
                            "words": words,
                            "extra": "",
                            "area": area,
                            "area_confidence": rng.random(),
                            "needs_review": rng.random() < 0.05,
                            "version": 1,
                        }
                    )
                for _ in range(n_figures):
                    figure_id += 1
                    indicator = rng.choice(indicators)
                    figures.append(
                        {
                            "id": figure_id,
                            "passage_id": rng.randint(first, passage_id),
                            "raw": f"{rng.randint(2, 900)}{indicator.unit or ''}",
                            "value": float(rng.randint(2, 900)),
                            "unit": indicator.unit,
                            "approx": False,
                            "kind": "level",
                            "period": period,
                            "indicator": indicator.id,
                            "start": 0,
                            "end": 4,
                            "version": 1,
                        }
                    )
        conn.execute(insert(Submission), subs)
        conn.execute(insert(Document), docs)
        for i in range(0, len(passages), 5000):
            conn.execute(insert(Passage), passages[i : i + 5000])
        conn.execute(insert(Figure), figures)
    from corpus.accounts import add_user

    add_user(engine, "bench", "bench-password", "admin")
    engine.dispose()
    return time.perf_counter() - started


def client(app):
    from fastapi.testclient import TestClient

    c = TestClient(app, follow_redirects=False)
    page = c.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    c.post("/login", data={"name": "bench", "password": "bench-password", "csrf_token": token})
    return c


def rows_in(response) -> int | None:
    """The data rows of an export (the header row not counted); None for a page."""
    kind = response.headers.get("content-type", "")
    if kind.startswith("text/csv"):
        import csv
        import io

        return sum(1 for _ in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) - 1
    if "spreadsheetml" in kind:
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return sum(1 for _ in book.worksheets[0].iter_rows()) - 1
    return None


def editor(engine, year: int = 2017, period: str = "FY"):
    """An evaluator's edits, one per call, on the compared period's documents of random cities:
    a passage's area and a figure's acceptance in turn (each writes its audit event, so the
    store's version moves on as it does all day on the review desk)."""
    from corpus.review import get_passage, review_figure, set_passage_area

    rng = random.Random(7)
    with engine.connect() as conn:
        where = f"d.year = {year} AND d.period = '{period}' AND d.is_current"
        passages = conn.exec_driver_sql(
            f"SELECT p.id FROM passage p JOIN document d ON d.id = p.document_id WHERE {where}"
        ).scalars()
        passages = list(passages)
        figures = conn.exec_driver_sql(
            "SELECT f.id, f.version FROM figure f JOIN passage p ON p.id = f.passage_id "
            f"JOIN document d ON d.id = p.document_id WHERE {where} AND f.review_status IS NULL"
        ).all()
    rng.shuffle(figures)
    turn = [0]

    def edit() -> None:
        turn[0] += 1
        if turn[0] % 2:
            p = get_passage(engine, rng.choice(passages))
            area = ((p.area or 0) + 1) % 7
            set_passage_area(engine, p.id, area, user="bench", expected_version=p.version)
        else:
            fid, version = figures.pop()
            review_figure(engine, fid, "accept", user="bench", expected_version=version)

    return edit


def empty_cache(app) -> None:
    cache = app.state.page_cache
    if hasattr(cache, "clear"):
        cache.clear()
    else:  # before issue 19's per-city compare
        cache._items.clear()


def measure(
    app,
    url: str,
    n: int,
    concurrent: bool = True,
    cold: str | None = None,
    per_client: int = 2,
    edit=None,
) -> dict:
    """`cold`: before each request (not timed) "empty" empties the page cache (as after a
    restart or an ingest), "edit" makes one evaluator's edit (`edit()`)."""
    one = client(app)
    first = one.get(url)  # warm (templates, caches)
    assert first.status_code == 200, url
    rows = rows_in(first)
    cpu = 0.0
    for _ in range(n):
        if cold == "empty":
            empty_cache(app)
        elif cold == "edit":
            edit()
        started = time.process_time()
        one.get(url)
        cpu += time.process_time() - started
    cpu /= n
    if not concurrent:
        return {"cpu_ms": cpu * 1000, "p50_ms": float("nan"), "p95_ms": float("nan"), "rows": rows}
    clients = [client(app) for _ in range(10)]

    def timed(c):
        out = []
        for _ in range(per_client):
            t = time.perf_counter()
            c.get(url)
            out.append(time.perf_counter() - t)
        return out

    with ThreadPoolExecutor(10) as pool:
        times = sorted(t for part in pool.map(timed, clients) for t in part)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return {
        "cpu_ms": cpu * 1000,
        "p50_ms": statistics.median(times) * 1000,
        "p95_ms": p95 * 1000,
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cities", type=int, default=100)
    parser.add_argument("--passages", type=int, default=80)
    parser.add_argument("--figures", type=int, default=30)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--only", nargs="*", help="page names to measure (default: all)")
    parser.add_argument("--no-concurrency", action="store_true", help="CPU per request only")
    args = parser.parse_args()
    from urllib.parse import quote

    from corpus import Settings
    from web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        seconds = build(data, args.cities, args.passages, args.figures)
        print(
            f"store: {args.cities} cities × {len(PERIODS)} submissions, "
            f"{args.cities * len(PERIODS) * args.passages} passages, "
            f"{args.cities * len(PERIODS) * args.figures} figures, built in {seconds:.1f} s"
        )
        app = create_app(Settings(data_dir=data, database_url=None, jobs=1))
        edit = editor(app.state.engine)
        city = quote(
            app.state.engine.connect().exec_driver_sql("SELECT name FROM city LIMIT 1").scalar()
        )
        pages = {
            "baseline": "/static/favicon.svg",  # the framework and TestClient alone
            "home": "/",
            "search": "/search?q=" + quote("宽带"),
            "search (page 3)": "/search?page=3&q=" + quote("宽带"),
            "city": f"/city/{city}/2017/FY",
            "city (cold)": f"/city/{city}/2017/FY",
            "city (after an edit)": f"/city/{city}/2017/FY",
            "compare": "/compare",
            "compare (cold)": "/compare",
            "compare (after an edit)": "/compare",
            "queue": "/queue",
            "export matrix.xlsx": "/export/matrix.xlsx",
            "export indicators.xlsx": "/export/indicators.xlsx",
            "export indicators.csv": "/export/indicators.csv",
            "export figures.xlsx": "/export/figures.xlsx",
            "export figures.csv": "/export/figures.csv",
            "export applications.xlsx": "/export/applications.xlsx",
        }
        print(
            "| page | rows | CPU per request | CPU per 1,000 rows | p50, 10 clients "
            "| p95, 10 clients |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, url in pages.items():
            if args.only and name.split()[0] not in args.only:
                continue
            big = name.startswith("export figures")
            n = args.requests if not big else max(3, args.requests // 5)
            cold = "empty" if "cold" in name else "edit" if "edit" in name else None
            concurrent = not args.no_concurrency and not cold
            r = measure(app, url, n, concurrent, cold, 1 if big else 2, edit)
            rows = r["rows"]
            per = f"{r['cpu_ms'] / rows * 1000:.0f} ms" if rows else ""
            print(
                f"| {name} | {rows if rows is not None else ''} | {r['cpu_ms']:.0f} ms | {per} "
                f"| {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms |",
                flush=True,
            )
        app.state.jobs.shutdown()
        app.state.engine.dispose()


if __name__ == "__main__":
    main()
