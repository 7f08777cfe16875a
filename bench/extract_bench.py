"""Extraction throughput and peak memory on a generated ~100-page report, PDF and Word.

Baselines in the same run: pypdfium2's raw text (the speed ceiling: no layout at all), pdfplumber
(text plus table finding on every page, what a plain pdfplumber extractor costs) and python-docx's
paragraph text. Each measurement runs in a fresh process so its peak memory is its own.

    python bench/extract_bench.py [--pages 100] [--repeat 3]
    python bench/extract_bench.py --tables [--n-tables 40]   # table pages per CPU-second
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from make_report import make_report, make_tables_report  # noqa: E402


def ours(path: str) -> int:
    from extract import read_document

    doc = read_document(path)
    return doc.pages if path.endswith(".pdf") else 0


def ours_isolated(path: str) -> int:
    """Through the fork-server child, as the CLI runs it (the child's memory is not counted)."""
    from extract import extract_file

    return extract_file(path).pages or 0


def pdfium_raw(path: str) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    for i in range(len(pdf)):
        page = pdf[i]
        page.get_textpage().get_text_range()
        page.close()
    n = len(pdf)
    pdf.close()
    return n


def plumber_full(path: str, limit: int = 30) -> int:
    """Text and tables with pdfplumber on the first `limit` pages (it is slow)."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages[:limit]:
            page.extract_text()
            page.find_tables()
            page.close()
    return limit


def plumber_all(path: str) -> int:
    """Text and tables with pdfplumber on every page."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.find_tables()
            page.close()
        return len(pdf.pages)


def _run_cpu(fn, path, conn) -> None:
    fn(path)  # warm-up: imports, caches
    start = time.process_time()
    pages = fn(path)
    conn.send((pages, time.process_time() - start))


def measure_cpu(fn, path: Path) -> tuple[int, float]:
    """Pages and CPU seconds of one run after a warm-up, in a fresh process."""
    ctx = multiprocessing.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_run_cpu, args=(fn, str(path), send))
    proc.start()
    result = recv.recv()
    proc.join()
    return result


def ours_plumber_tables(path: str) -> int:
    """infocity with tables found by pdfplumber (pdfminer parses each table page a second
    time): the design before issue 14, kept as the fallback."""
    import extract.pdf

    extract.pdf.TABLE_FINDER = "pdfplumber"
    return ours(path)


REALDOCS = HERE.parent.parent / "shared" / "realdocs"
# Table pages (审计署 整改 reports: a ruled table on every page; a WPS quarterly report; a
# statistical bulletin; three-line tables) and ordinary reports without tables.
TABLE_FILES = [
    "auditrag__审计署报告-中央部门单位2023年度预算执行等审计查出问题的整改情况.pdf",
    "pdfplumber__issue-67-example.pdf",
    "squankw__黔东南苗族侗族自治州2023年国民经济和社会发展统计公报.pdf",
    "simonjob__性别数据.pdf",
]
ORDINARY_FILES = ["llmcookbook__2024年北京市政府工作报告.pdf"]


def tables(n_tables: int, pages: int) -> None:
    """Pages per CPU-second, side by side in one run: a generated all-tables report, real table
    PDFs and ordinary reports; raw pypdfium2 text, infocity, infocity with pdfplumber's tables
    (before issue 14) and pdfplumber text+tables on every page."""
    generated = make_tables_report(n_tables, HERE / ".cache")
    _, ordinary = make_report(pages, HERE / ".cache")
    files = [(f"generated all-tables ({n_tables} tables)", generated)]
    files += [(name, REALDOCS / name) for name in TABLE_FILES if (REALDOCS / name).exists()]
    files += [(f"generated report ({pages} pp, few tables)", ordinary)]
    files += [(name, REALDOCS / name) for name in ORDINARY_FILES if (REALDOCS / name).exists()]
    print(
        f"{'file':44} {'pages':>5} {'raw':>7} {'infocity':>8} {'before':>7} {'plumber':>7}"
        f" {'× plumber':>9} {'× before':>8}"
    )
    for label, path in files:
        rates = []
        for fn in (pdfium_raw, ours, ours_plumber_tables, plumber_all):
            n, cpu = measure_cpu(fn, path)
            rates.append(n / cpu)
        print(
            f"{label[:44]:44} {n:5d} {rates[0]:7.1f} {rates[1]:8.1f} {rates[2]:7.1f} {rates[3]:7.1f}"
            f" {rates[1] / rates[3]:9.2f} {rates[1] / rates[2]:8.2f}"
        )


def docx_plain(path: str) -> int:
    import docx

    document = docx.Document(path)
    sum(len(p.text) for p in document.paragraphs)
    return 0  # Word has no fixed pages: the rate is given per page of the same text in PDF


def _run(fn, path, repeat, conn) -> None:
    best = float("inf")
    pages = 0
    fn(path)  # warm-up: imports, caches
    for _ in range(repeat):
        start = time.perf_counter()
        pages = fn(path)
        best = min(best, time.perf_counter() - start)
    conn.send((pages, best, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def measure(fn, path: Path, repeat: int) -> tuple[int, float, float]:
    ctx = multiprocessing.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_run, args=(fn, str(path), repeat, send))
    proc.start()
    result = recv.recv()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--tables",
        "--realdocs",
        action="store_true",
        help="table pages (generated and ../shared/realdocs), pages per CPU-second",
    )
    parser.add_argument("--n-tables", type=int, default=40)
    args = parser.parse_args()
    if args.tables:
        tables(args.n_tables, args.pages)
        return
    docx_path, pdf_path = make_report(args.pages, HERE / ".cache")
    import pypdfium2 as pdfium

    pdf_pages = len(pdfium.PdfDocument(str(pdf_path)))
    print(f"report: {pdf_path.name}, {pdf_pages} pages (the .docx has the same text)\n")
    rows = []
    for label, fn, path in [
        ("pypdfium2 raw text (baseline)", pdfium_raw, pdf_path),
        ("infocity PDF, in process", ours, pdf_path),
        ("infocity PDF, isolated child", ours_isolated, pdf_path),
        ("pdfplumber text+tables (30 pp)", plumber_full, pdf_path),
        ("python-docx paragraphs (baseline)", docx_plain, docx_path),
        ("infocity Word, in process", ours, docx_path),
    ]:
        pages, seconds, peak_mb = measure(fn, path, args.repeat)
        rows.append((label, (pages or pdf_pages) / seconds, seconds, peak_mb))
    raw_rate = rows[0][1]
    plumber_rate = rows[3][1]
    print(
        f"{'measurement':36} {'pages/s':>9} {'seconds':>8} {'peak MB':>8} {'÷ raw':>7} {'× plumber':>9}"
    )
    for label, rate, seconds, peak in rows:
        print(
            f"{label:36} {rate:9.1f} {seconds:8.3f} {peak:8.0f} {rate / raw_rate:7.2f}"
            f" {rate / plumber_rate:9.1f}"
        )


if __name__ == "__main__":
    main()
