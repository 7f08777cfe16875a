"""Extraction quality figures per file (reliability row 8), kept as a golden file.

`python -m tests.quality` rewrites tests/golden/realdocs.json after a deliberate change; the test
in test_realdocs.py fails on any unreviewed regression.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from extract import ACCEPTED_SUFFIXES, Document, Failure, extract_file
from extract.normalize import count_cjk

REALDOCS = Path(__file__).resolve().parents[2] / "shared" / "realdocs"
GOLDEN = Path(__file__).parent / "golden" / "realdocs.json"


def figures(outcome: Document | Failure) -> dict:
    if isinstance(outcome, Failure):
        return {"failure": outcome.code}
    text = "".join(b.text for b in outcome.blocks)
    pages = outcome.page_info
    n_pages = outcome.pages or 1
    chars = len(text.replace(" ", ""))
    return {
        "format": outcome.format,
        "pages": outcome.pages,
        "chars": chars,
        "chars_per_page": round(chars / n_pages, 1),
        "cjk_share": round(count_cjk(text) / chars, 3) if chars else 0.0,
        "garbage_share": round(
            sum(p.garbage_chars for p in pages) / max(1, sum(p.chars for p in pages)), 3
        ),
        "duplicates_removed": sum(p.duplicates_removed for p in pages),
        "furniture_lines": sum(p.furniture_lines for p in pages),
        "needs_ocr_pages": outcome.needs_ocr_pages,
        "ocr_pages": outcome.ocr_pages,
        "garbled_pages": [p.number for p in pages if p.garbled],
        "headings": sum(b.kind == "heading" for b in outcome.blocks),
        "tables": sum(b.kind == "table" for b in outcome.blocks),
    }


def measure() -> dict[str, dict]:
    files = sorted(
        p
        for p in REALDOCS.iterdir()
        if p.suffix.lower() in ACCEPTED_SUFFIXES and p.name != "SOURCES.md"
    )
    return {path.name: figures(extract_file(path)) for path in files}


if __name__ == "__main__":
    result = measure()
    GOLDEN.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"wrote {GOLDEN} ({len(result)} files)", file=sys.stderr)
