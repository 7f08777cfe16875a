"""A long generated report for the benchmarks: the sample texts repeated to the wanted length."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import build_samples  # noqa: E402


def make_source(pages: int, target: Path) -> Path:
    """Concatenates the progress-report texts until about `pages` A4 pages (≈ 650 chars a page)."""
    texts = sorted((REPO / "scripts" / "samples").glob("*-[hf][1y].txt"))
    lines = [
        "@file: 杭州市2016年信息消费示范城市建设全年进展情况（汇编）",
        "@header: 杭州市经济和信息化委员会",
        "杭州市2016年信息消费示范城市建设全年进展情况（汇编）",
    ]
    chars = 0
    while chars < pages * 650:
        for text in texts:
            _, body = build_samples.parse(text)
            lines.extend(body[1:])
            chars += sum(len(line) for line in body)
            if chars >= pages * 650:
                break
    target.write_text("\n".join(lines), "utf-8")
    return target


def make_report(pages: int, outdir: Path) -> tuple[Path, Path]:
    """Returns (docx, pdf) of about `pages` pages, cached in `outdir`."""
    outdir.mkdir(parents=True, exist_ok=True)
    docx = outdir / f"report-{pages}.docx"
    pdf = outdir / f"report-{pages}.pdf"
    if not (docx.exists() and pdf.exists()):
        source = make_source(pages, outdir / f"report-{pages}.txt")
        build_samples.build_docx(source, "styles", docx)
        made = build_samples.soffice_convert(docx, "pdf", outdir)
        assert made == pdf
    return docx, pdf


def make_tables_source(tables: int, target: Path) -> Path:
    """A budget report that is all tables: `tables` ruled tables of 30 rows by 6 columns (about
    a page each), each under a one-line title and a `单位：万元` caption."""
    lines = [
        "@file: 某区2024年部门预算公开表（汇编）",
        "某区2024年部门预算公开表（汇编）",
    ]
    items = ["一般公共服务支出", "教育支出", "科学技术支出", "社会保障和就业支出", "卫生健康支出"]
    for t in range(tables):
        lines.append(f"表{t + 1} 部门收支预算表（单位：万元）")
        lines.append("|项目|2023年决算数|2024年预算数|增减额|增长（%）|备注|")
        for r in range(29):
            base = 1000 + 37 * t + 113 * r
            new = base * 1.05 + r
            lines.append(
                f"|{items[r % len(items)]}{r + 1}|{base:,.2f}|{new:,.2f}|{new - base:,.2f}"
                f"|{(new - base) / base * 100:.1f}|{'' if r % 3 else '含上年结转'}|"
            )
    target.write_text("\n".join(lines), "utf-8")
    return target


def make_tables_report(tables: int, outdir: Path) -> Path:
    """Returns the PDF of an all-tables report (`tables` tables), cached in `outdir`."""
    outdir.mkdir(parents=True, exist_ok=True)
    docx = outdir / f"tables-{tables}.docx"
    pdf = outdir / f"tables-{tables}.pdf"
    if not pdf.exists():
        source = make_tables_source(tables, outdir / f"tables-{tables}.txt")
        build_samples.build_docx(source, "styles", docx)
        made = build_samples.soffice_convert(docx, "pdf", outdir)
        assert made == pdf
    return pdf
