"""PDFs printed by LibreOffice from built Word files, as cities produce them."""

from __future__ import annotations

import pypdfium2 as pdfium

from extract import read_document
from extract.normalize import clean_text
from tests.builders import LONG_PARAGRAPH


def test_paragraph_rejoined_across_page_break(report_pdf):
    pdf = pdfium.PdfDocument(str(report_pdf))
    page2 = pdf[1].get_textpage().get_text_range().replace("\r\n", "").replace(" ", "")
    pdf.close()
    page2 = page2.removeprefix("杭州市经济和信息化委员会")  # the running header
    expected = clean_text(LONG_PARAGRAPH)
    # The paragraph really runs over the page break in the printed file ...
    assert page2[:20] in expected and not page2.startswith("1.光网")
    doc = read_document(report_pdf)
    # ... and comes back as one paragraph, with the furniture between its halves gone.
    long = [b for b in doc.blocks if b.text.startswith("上半年，全市新增光纤到户")]
    assert len(long) == 1
    assert long[0].text == expected
    assert long[0].page == 1


def test_furniture_removed_and_counted(report_pdf):
    doc = read_document(report_pdf)
    text = "\n".join(b.text for b in doc.blocks)
    assert "杭州市经济和信息化委员会" in text  # the signature line stays ...
    assert text.count("杭州市经济和信息化委员会") == 1  # ... the running header goes
    assert "—" not in text
    assert all(p.furniture_lines >= 2 for p in doc.page_info)


def test_headings_table_and_paths(report_pdf):
    doc = read_document(report_pdf)
    assert doc.blocks[0].kind == "title"
    headings = [(b.level, b.text) for b in doc.blocks if b.kind == "heading"]
    assert headings[:2] == [(1, "一、加快信息基础设施升级改造"), (2, "（一）全面推动宽带提速")]
    assert (4, "（1）农村宽带") in headings
    table = next(b for b in doc.blocks if b.kind == "table")
    assert table.rows == [
        ["指标", "2015年底", "2016年6月底"],
        ["20M以上宽带用户占比", "72.3%", "78.5%"],
        ["光纤入户(FTTH)用户数", "240.4万户", "253万户"],
    ]
    assert table.heading_path[-1] == "1.光网城市建设"
    # Table text is not repeated as loose lines.
    assert sum("240.4万户" in b.text for b in doc.blocks) == 1


def test_full_width_folded_and_no_spaces_between_cjk(report_pdf):
    doc = read_document(report_pdf)
    long = next(b for b in doc.blocks if b.text.startswith("上半年，全市新增光纤到户"))
    assert "占比达到78.5%，较去年底提高6.2个百分点" in long.text
    assert long.original and "７８．５％" in long.original.replace(" ", "")


def test_samples_pdf_report(samples):
    doc = read_document(samples / "成都市信息消费示范城市2016年工作总结.pdf")
    assert doc.pages == 7 and not doc.warnings
    assert doc.blocks[0].kind == "title"
    assert doc.blocks[0].text == "成都市2016年国家信息消费示范城市建设工作总结"  # wrapped title
    levels = {b.level for b in doc.blocks if b.kind == "heading"}
    assert levels == {1, 2, 3}
    assert (doc.metadata.city, doc.metadata.year, doc.metadata.period) == ("成都市", 2016, "FY")
    pages = [b.page for b in doc.blocks]
    assert pages == sorted(pages) and pages[-1] == 7


def test_page_cap_truncates_with_a_flag(samples):
    from extract import Limits

    doc = read_document(samples / "成都市信息消费示范城市2016年工作总结.pdf", Limits(max_pages=2))
    assert doc.truncated and doc.pages == 7
    assert "only the first 2 of 7 pages were read (page limit)" in doc.warnings
    assert {b.page for b in doc.blocks} <= {1, 2}
