"""The extractor over every file in ../shared/realdocs (reliability row 8)."""

from __future__ import annotations

import json

import pytest

from extract import Document, Limits, extract_file
from tests.quality import GOLDEN, REALDOCS, figures, real_files

GOLDEN_FIGURES: dict[str, dict] = json.loads(GOLDEN.read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(GOLDEN_FIGURES))
def test_quality_matches_golden(name, realdoc):
    """A change in what comes out of a real file must be reviewed: rerun `python -m tests.quality`."""
    got = figures(extract_file(realdoc(name)))
    want = GOLDEN_FIGURES[name]
    if "failure" in want:
        assert got == want
        return
    for key, value in want.items():
        if key in ("chars", "chars_per_page"):
            assert got[key] >= value * 0.98, f"{key}: {got[key]} < {value}"  # losing text
            assert got[key] <= value * 1.05, f"{key}: {got[key]} > {value}"  # gaining junk
        else:
            assert got[key] == value, key


def test_every_realdoc_has_golden_figures():
    """Every real file of a format extract reads has golden figures (and .xls/.xlsx/.ofd will,
    once their readers arrive: the list follows ACCEPTED_SUFFIXES)."""
    assert REALDOCS.is_dir(), f"{REALDOCS} is required: the golden figures are checked on it"
    present = {p.name for p in real_files()}
    assert present, f"no readable file in {REALDOCS}"
    assert present <= set(GOLDEN_FIGURES), sorted(present - set(GOLDEN_FIGURES))


def doc(realdoc, name) -> Document:
    outcome = extract_file(realdoc(name))
    assert isinstance(outcome, Document), outcome
    return outcome


def test_wps_quarterly_report(realdoc):
    d = doc(realdoc, "pdfplumber__issue-67-example.pdf")
    text = "\n".join(b.text for b in d.blocks)
    # The running header on all 22 pages and the bare page numbers are gone.
    assert text.count("东北电气发展股份有限公司2018年第一季度报告全文") == 0
    assert [b.text for b in d.blocks if b.kind == "heading"][:2] == [
        "第一节重要提示",
        "第二节公司基本情况",
    ]
    # 14 tables: the balance sheet and the other statements run over 2-3 pages each and are one
    # table apiece since issue 14 (26 page pieces before).
    assert sum(b.kind == "table" for b in d.blocks) == 14
    # A sentence that wraps over lines comes back whole.
    assert any("保证季度报告内容的真实、准确、完整" in b.text for b in d.blocks)


def test_fake_bold_duplicates_gone(realdoc):
    d = doc(realdoc, "pdfplumber__issue-71-duplicate-chars.pdf")
    text = "".join(b.text for b in d.blocks)
    assert "项目描述" in text and "项项" not in text


def test_scans_flagged_for_ocr_when_ocr_is_off(realdoc):
    # With OCR on they are read (tests/test_ocr.py); the flag is what detects them.
    for name in ("rapidocr__page2.pdf", "pdfplumber__malformed-from-issue-932.pdf"):
        outcome = extract_file(realdoc(name), Limits(ocr="never"))
        assert isinstance(outcome, Document), outcome
        assert outcome.needs_ocr_pages == [1]
        assert outcome.ocr_pages == []
        assert any("needs OCR (OCR is off)" in w for w in outcome.warnings)


def test_gbk_named_font_without_tounicode_decoded(realdoc):
    # pdfminer gives `(cid:10)` here; pdfium decodes the GBK-named font, in table cells too.
    d = doc(realdoc, "pdfjs__issue20489.pdf")
    assert "北斗星" in "".join(b.text for b in d.blocks)


def test_letter_spaced_title_and_kangxi_free(realdoc):
    assert doc(realdoc, "pdfjs__issue13316_reduced.pdf").blocks[0].text == "开票通知单"


def test_rotated_page_read_in_order(realdoc):
    d = doc(realdoc, "pdfplumber__issue-461-example.pdf")
    first = [b.text for b in d.blocks[:2]]
    assert first[0].startswith("性别:男年龄: 50岁")


def test_traditional_and_private_use(realdoc):
    d = doc(realdoc, "pdfjs__issue19182.pdf")
    text = "".join(b.text for b in d.blocks)
    assert "胡駿" in text and "\ue687" not in text


def test_ruled_tables_with_merged_cells(realdoc):
    d = doc(realdoc, "pdfplumber__issue-336-example.pdf")
    tables = [b for b in d.blocks if b.kind == "table"]
    assert [len(t.rows) for t in tables] == [8, 11, 2]
    assert tables[0].rows[2][:3] == ["高速公路", "八", "2.5000"]


EXPLAINED: dict[str, dict] = json.loads(
    (GOLDEN.parent / "realdocs_explained.json").read_text("utf-8")
)


@pytest.mark.parametrize("name", sorted(GOLDEN_FIGURES))
def test_broken_paragraphs_and_spaced_numbers_are_zero_or_explained(name):
    """Issue 14: every file's count of broken paragraphs and of cells with spaced digits is 0, or
    tests/golden/realdocs_explained.json says, for that count, what each one is."""
    want = GOLDEN_FIGURES[name]
    for key in ("broken_paragraphs", "spaced_numbers"):
        count = want.get(key, 0)
        if count:
            explained = EXPLAINED.get(name, {}).get(key)
            assert explained and explained[0] == count, f"{name}: {count} {key} not explained"
