"""OCR of scanned submissions (issue 8): known Chinese text drawn as a scan, read back.

The error-rate bound is 3%, the issue's target. On such pages the engine measures 0-0.5% at the
150 dpi it renders at (bench/README.md), so the bound leaves room for another CPU's arithmetic,
not for a regression that loses a line (one lost body line is about 6% of the page).
"""

from __future__ import annotations

import contextlib
import json
import socket
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from extract import Document, Limits, TooLarge, TypeMismatch, extract_file, read_document
from extract.normalize import clean_text
from extract.ocr import LOW_CONFIDENCE, _engine, fold_punctuation, suppress_red
from tests import scans
from tests.conftest import require

MAX_CER = 0.03


@contextlib.contextmanager
def no_network():
    """Any connection attempt fails: the engine and its models must be on disk."""
    real = socket.socket.connect

    def refuse(*args, **kwargs):
        raise OSError("network access during OCR")

    socket.socket.connect = refuse
    try:
        yield
    finally:
        socket.socket.connect = real


text_of = scans.document_text


@pytest.fixture(scope="module")
def scan() -> scans.ScanPage:
    require(scans.fonts_present(), "CJK fonts (fonts-noto-cjk)")
    return scans.draw_report_page(dpi=200, seal=True, letterhead=True)


@pytest.fixture(scope="module")
def scan_pdf(scan, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scans")
    return scans.save_pdf([scan], folder / "杭州市2016年上半年进展情况.pdf")


@pytest.fixture(scope="module")
def scanned(scan_pdf) -> Document:
    _engine.cache_clear()  # the engine loads here, with the network off
    with no_network():
        return read_document(scan_pdf)


def test_scanned_pdf_is_read_with_low_error_rate(scan, scanned):
    assert scans.cer(clean_text(scan.text), text_of(scanned)) < MAX_CER


def test_scanned_pdf_keeps_structure(scan, scanned):
    headings = [(b.level, b.text) for b in scanned.blocks if b.kind == "heading"]
    assert headings == [
        (1, "一、信息基础设施建设"),
        (2, "（一）推进光纤宽带网络升级"),
        (1, "二、信息惠民公共服务"),
    ]
    assert scanned.blocks[0].kind == "title"
    assert scanned.metadata.city == "杭州市"
    # Paragraphs rejoined across line wraps: the first one is whole.
    first = next(b for b in scanned.blocks if b.kind == "paragraph")
    assert scans.cer(clean_text(scan.paragraphs[0]), first.text) < MAX_CER
    assert "1860个" in first.text  # a number wrapped over two lines is not split
    # The ruled table comes back as a table, cell by cell.
    table = next(b for b in scanned.blocks if b.kind == "table")
    assert len(table.rows) == 3 and all(len(row) == 3 for row in table.rows)
    assert scans.cer("".join(map("".join, scan.table)), "".join(map("".join, table.rows))) < 0.1
    # The `— 1 —` footer is furniture.
    assert scanned.page_info[0].furniture_lines == 1
    assert not any(b.text.strip("—一- ") == "1" for b in scanned.blocks)


def test_scanned_page_records_ocr_and_confidence(scanned):
    info = scanned.page_info[0]
    assert info.ocr and not info.needs_ocr
    assert info.ocr_confidence is not None and info.ocr_confidence > 0.9
    assert scanned.ocr_pages == [1] and scanned.needs_ocr_pages == []
    assert all(b.confidence is not None for b in scanned.blocks)
    assert not any("OCR" in w for w in scanned.warnings)  # confident: nothing to check


def test_seal_over_paragraph_is_read_through(scan, scanned):
    sealed = next(b.text for b in scanned.blocks if b.text.startswith("市民卡"))
    assert scans.cer(clean_text(scan.paragraphs[-2]), sealed) < 0.05
    assert "杭州市经济和信息化委员会" not in text_of(scanned)  # the seal's own text is gone


def test_bad_copy_is_flagged_low_confidence(tmp_path):
    """A copy with the detail of a 30 dpi scan: mostly misread, and the evaluator is told."""
    bad = scans.draw_report_page(dpi=200, seal=False, shrink=0.15)
    doc = read_document(scans.save_pdf([bad], tmp_path / "bad.pdf"))
    info = doc.page_info[0]
    assert info.ocr and info.ocr_confidence < LOW_CONFIDENCE
    assert any("page 1 was read by OCR with low confidence" in w for w in doc.warnings)


def test_ocr_never_leaves_page_flagged(scan_pdf):
    doc = read_document(scan_pdf, Limits(ocr="never"))
    assert doc.needs_ocr_pages == [1] and doc.ocr_pages == []
    assert not doc.blocks
    assert any("needs OCR (OCR is off)" in w for w in doc.warnings)


def test_suppress_red_keeps_black_under_the_seal():
    bgr = np.full((32, 32, 3), 250, np.uint8)  # paper
    bgr[0:2, 0:2] = (30, 25, 215)  # seal ink
    bgr[2, 2] = (0, 0, 0)  # a text stroke touching the seal
    bgr[10, 10] = (5, 4, 40)  # text under seal ink: dark in every channel
    bgr[20, 20] = (215, 210, 245)  # a pale pink tint is not ink
    grey = suppress_red(bgr)
    assert (grey[0:2, 0:2] == 250).all()  # painted over in paper colour
    assert grey[2, 2] == 0 and grey[10, 10] < 60
    assert grey[20, 20] < 250


def test_fold_punctuation_only_next_to_chinese():
    assert fold_punctuation("(一)推进,完善:") == "（一）推进，完善："
    assert fold_punctuation("see (a), b: c") == "see (a), b: c"


def test_mixed_pdf_is_read_page_by_page(report_pdf, scan_pdf, tmp_path):
    """A born-digital page then a scanned one, through the isolated worker and its limits."""
    import pypdfium2 as pdfium

    mixed = pdfium.PdfDocument.new()
    for source in (report_pdf, scan_pdf):
        src = pdfium.PdfDocument(str(source))
        mixed.import_pages(src, [0])
        src.close()
    path = tmp_path / "混合.pdf"
    mixed.save(str(path))
    mixed.close()
    outcome = extract_file(path)
    assert isinstance(outcome, Document), outcome
    assert [p.ocr for p in outcome.page_info] == [False, True]
    assert outcome.page_info[0].ocr_confidence is None
    assert {b.page for b in outcome.blocks} == {1, 2}
    page2 = [b for b in outcome.blocks if b.page == 2]
    assert any(b.kind == "heading" and b.text == "二、信息惠民公共服务" for b in page2)
    assert all(b.confidence is not None for b in page2)
    assert all(b.confidence is None for b in outcome.blocks if b.page == 1)


def test_image_submission_is_one_ocr_page(scan, tmp_path):
    path = tmp_path / "进展情况.jpg"
    scan.image.save(path, "JPEG", quality=85)
    doc = read_document(path)
    assert doc.format == "jpg" and doc.pages == 1 and doc.ocr_pages == [1]
    assert scans.cer(clean_text(scan.text), text_of(doc)) < MAX_CER


def test_image_types_decided_by_bytes(scan, tmp_path):
    png_named_jpg = tmp_path / "scan.jpg"
    scan.image.resize((200, 280)).save(png_named_jpg, "PNG")
    with pytest.raises(TypeMismatch, match="PNG image"):
        read_document(png_named_jpg)
    tiff = tmp_path / "scan.tif"
    scan.image.resize((200, 280)).save(tiff, "TIFF")
    doc = read_document(tiff, Limits(ocr="never"))
    assert doc.needs_ocr_pages == [1]


def test_image_over_pixel_limit_refused_before_decoding(tmp_path):
    from PIL import Image

    path = tmp_path / "巨图.png"
    Image.new("1", (9_300, 9_000), 1).save(path)  # 84 Mpx, 0.1 MB on disk
    with pytest.raises(TooLarge, match="Mpx"):
        read_document(path)


def test_realdoc_book_title_page(realdoc):
    doc = read_document(realdoc("rapidocr__page2.pdf"))
    assert [b.text for b in doc.blocks] == ["计算机视觉与模式识别", "郑南宁著"]
    assert doc.page_info[0].ocr and doc.page_info[0].ocr_confidence > 0.9
    # OCR'd lines are in PDF points too, so the blocks carry boxes on the 539 × 754 pt page:
    # the title above the author, both centred (the scan's page is a book's title page)
    title, author = (b.box for b in doc.blocks)
    assert 0 < title[0] < title[2] < 539 and 0 < title[1] < title[3] < author[1] < author[3] < 754
    assert abs((title[0] + title[2]) / 2 - 539 / 2) < 30
    assert abs((author[0] + author[2]) / 2 - 539 / 2) < 30


def test_realdoc_signature_under_seal(realdoc):
    doc = read_document(realdoc("pdfplumber__malformed-from-issue-932.pdf"))
    texts = [b.text for b in doc.blocks]
    # The company name and date are printed under a red seal.
    assert "重庆万州经济技术开发（集团）有限公司" in texts
    assert "2021年3月31日" in texts


def test_cli_ocr_option_and_setting(scan_pdf, monkeypatch):
    from cli import app
    from corpus.settings import get_settings

    result = CliRunner().invoke(
        app, ["extract", "--ocr", "never", "--format", "json", str(scan_pdf)]
    )
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.splitlines()[0])
    assert line["needs_ocr_pages"] == [1] and line["ocr_pages"] == []

    monkeypatch.setenv("INFOCITY_OCR", "never")
    get_settings.cache_clear()
    assert get_settings().limits().ocr == "never"
    monkeypatch.setenv("INFOCITY_OCR", "sometimes")
    get_settings.cache_clear()
    with pytest.raises(ValueError):
        get_settings()
