"""Extraction quality figures per file (reliability row 8), kept as a golden file.

`python -m tests.quality` rewrites tests/golden/realdocs.json after a deliberate change; the test
in test_realdocs.py fails on any unreviewed regression.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from pathlib import Path

from extract import ACCEPTED_SUFFIXES, Block, Document, Failure, extract_file
from extract.headings import numbering_level
from extract.layout import ends_sentence
from extract.normalize import count_cjk, is_cjk

REALDOCS = Path(__file__).resolve().parents[2] / "shared" / "realdocs"
GOLDEN = Path(__file__).parent / "golden" / "realdocs.json"
# The formats of ../shared/realdocs/ that infocity reads (SOURCES.md, a .md, is not a document).


# A digit and a point or thousands separator of the same number with a space between them
# (`705, 443. 00`, `3665 .19`); a plain space between two numbers is a column, not counted.
_SPACED_NUMBER = re.compile(r"\d[,.]\s+\d|\d\s+[,.]\d")
# What a sentence cut in two leaves at the end of its first half: a Chinese character, a digit,
# or punctuation that never ends one.
_OPEN_END = re.compile(f"(?:[0-9，、（“《(]|[{chr(0x4E00)}-{chr(0x9FFF)}])$")


def broken_paragraphs(blocks: list[Block]) -> list[tuple[int | None, str, str]]:
    """Paragraph pairs that read as one sentence cut in two: the first ends open (no sentence
    punctuation, a character that carries on) and is longer than a label or a heading line
    (20 characters), the second is not numbered. Returns (page, end of first, start of second)."""
    out = []
    for a, b in itertools.pairwise(blocks):
        if a.kind != "paragraph" or b.kind != "paragraph":
            continue
        if ends_sentence(a.text) or not _OPEN_END.search(a.text) or len(a.text) < 20:
            continue
        if numbering_level(a.text) or numbering_level(b.text) or not b.text:
            continue
        if not (is_cjk(b.text[0]) or b.text[0].isdigit() or b.text[0] in "，。、；：%）)”"):
            continue
        if re.search("[：:]", b.text[:10]) and not b.text[0].isdigit():
            continue  # a label starts a new item: `理由：`, `单位：亿元`, a salutation `各位代表：`
        out.append((a.page, a.text[-15:], b.text[:15]))
    return out


def spaced_number_cells(blocks: list[Block]) -> list[tuple[int | None, str]]:
    """Table cells and paragraphs holding a number with a space inside it."""
    out = []
    for block in blocks:
        texts = (
            [c for row in block.rows or [] for c in row] if block.kind == "table" else [block.text]
        )
        out.extend((block.page, t[:40]) for t in texts if _SPACED_NUMBER.search(t))
    return out


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
        "broken_paragraphs": len(broken_paragraphs(outcome.blocks)),
        "spaced_numbers": len(spaced_number_cells(outcome.blocks)),
    }


def real_files() -> list[Path]:
    """The files of ../shared/realdocs in a format extract reads (its SOURCES.md describes them
    and is not one of them)."""
    return sorted(
        p
        for p in REALDOCS.iterdir()
        if p.suffix.lower() in ACCEPTED_SUFFIXES and p.name != "SOURCES.md"
    )


def measure() -> dict[str, dict]:
    files = real_files()
    return {path.name: figures(extract_file(path)) for path in files}


def report(names: list[str]) -> None:
    """Prints each broken paragraph and spaced number of the named files (all when none)."""
    files = sorted(p for p in REALDOCS.iterdir() if p.suffix in (".pdf", ".docx", ".doc"))
    for path in files:
        if names and not any(n in path.name for n in names):
            continue
        outcome = extract_file(path)
        if isinstance(outcome, Failure):
            continue
        found = broken_paragraphs(outcome.blocks), spaced_number_cells(outcome.blocks)
        if any(found):
            print(f"== {path.name}")
            for item in (*found[0], *found[1]):
                print("  ", item)


if __name__ == "__main__" and sys.argv[1:2] == ["--report"]:
    report(sys.argv[2:])
elif __name__ == "__main__":
    result = measure()
    GOLDEN.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"wrote {GOLDEN} ({len(result)} files)", file=sys.stderr)
