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
