"""Renders page 1 of a draft assessment of the bundled samples to docs/report-page.png, the
image the README shows. The same path as tests/test_reports.py: ingest the samples, draft the
report with python-docx, print it with LibreOffice, render the PDF page with pdfium.

    .venv/bin/python scripts/report_page.py [CITY]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pypdfium2

from corpus import Settings, ingest, open_store, samples_dir
from corpus.report import draft_report
from extract import legacy

OUT = Path(__file__).resolve().parents[1] / "docs" / "report-page.png"


def main(city: str = "成都市") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        settings = Settings(data_dir=work / "data", database_url=None)
        engine = open_store(settings)
        ingest([samples_dir()], engine=engine, data_dir=settings.data_dir, limits=settings.limits())
        docx = work / "report.docx"
        docx.write_bytes(draft_report(engine, city))
        pdf = legacy.convert(legacy.find_soffice(), docx, "pdf", work, timeout_s=180)
        document = pypdfium2.PdfDocument(str(pdf))
        try:
            image = document[0].render(scale=1.0).to_pil()
            image.save(OUT, optimize=True)
        finally:
            document.close()
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
