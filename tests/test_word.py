"""Word files built with python-docx: structure, numbering, tables in place, no headers/footers."""

from __future__ import annotations

import pytest

from extract import read_document


def kinds(doc):
    return [(b.kind, b.level, b.text) for b in doc.blocks]


def test_report_structure(report_docx):
    doc = read_document(report_docx)
    blocks = doc.blocks
    assert blocks[0].kind == "title"
    assert blocks[0].text == "杭州市2016年上半年信息消费示范城市建设进展情况"
    headings = [(b.level, b.text) for b in blocks if b.kind == "heading"]
    # Automatic numbering is rendered as Word prints it, and gives the levels.
    assert (1, "一、加快信息基础设施升级改造") in headings
    assert (2, "（一）全面推动宽带提速") in headings
    assert (2, "（二）扩大升级宽带网络覆盖") in headings
    assert (1, "二、提升公共服务能力") in headings
    # Typed numbering and heading styles too.
    assert (3, "1.光网城市建设") in headings
    assert (4, "（1）农村宽带") in headings


def test_table_stays_between_its_paragraphs(report_docx):
    doc = read_document(report_docx)
    texts = [b.kind if b.kind == "table" else b.text for b in doc.blocks]
    i = texts.index("table")
    assert texts[i - 1] == "1.光网城市建设"
    assert texts[i + 1] == "表中数据来源于市通信管理办公室。"
    table = doc.blocks[i]
    assert table.rows[1] == ["20M以上宽带用户占比", "72.3%", "78.5%"]
    assert table.heading_path == (
        "一、加快信息基础设施升级改造",
        "（一）全面推动宽带提速",
        "1.光网城市建设",
    )


def test_headers_footers_out_of_body_textbox_and_insertions_in(report_docx):
    doc = read_document(report_docx)
    text = "\n".join(b.text for b in doc.blocks)
    assert "经济和信息化委员会\n二〇一六年" in text  # the signature block, not the header
    assert text.count("杭州市经济和信息化委员会") == 1
    assert "—" not in text
    assert text.count("文本框：行政村光纤通达率98%") == 1  # DrawingML and VML copies read once
    assert "1 text box(es) read after their anchor paragraph" in doc.warnings
    assert not any("image" in w for w in doc.warnings)  # a text box is no picture
    assert "市民卡服务平台新增接入医院23家" in text


def test_full_width_digits_folded_original_kept(report_docx):
    doc = read_document(report_docx)
    long = next(b for b in doc.blocks if b.text.startswith("上半年，全市新增光纤到户"))
    assert "占比达到78.5%" in long.text
    assert long.original is not None and "７８．５％" in long.original


def test_page_breaks_counted(report_docx):
    doc = read_document(report_docx)
    service = next(b for b in doc.blocks if b.text == "二、提升公共服务能力")
    assert service.page == 2
    assert doc.pages >= 2


def test_metadata_from_title(report_docx):
    doc = read_document(report_docx)
    meta = doc.metadata
    assert (meta.city, meta.province, meta.year, meta.period, meta.kind) == (
        "杭州市",
        "浙江省",
        2016,
        "H1",
        "progress",
    )
    assert meta.evidence["city"][0].source == "title"


def test_legacy_doc_through_libreoffice(report_doc):
    doc = read_document(report_doc)
    assert doc.format == "doc"
    headings = [(b.level, b.text) for b in doc.blocks if b.kind == "heading"]
    assert (1, "一、加快信息基础设施升级改造") in headings
    assert any(b.kind == "table" for b in doc.blocks)


def test_wps_named_ole2_is_read(report_doc, tmp_path):
    wps = tmp_path / "郑州市全年总结.wps"
    wps.write_bytes(report_doc.read_bytes())
    doc = read_document(wps)
    assert doc.format == "wps"
    assert doc.metadata.city == "杭州市"  # the title wins over the file name
    assert any(w.startswith("发文单位待确认：各来源不一致") for w in doc.warnings)
    assert "文件名为“郑州市”" in doc.metadata.unconfirmed["city"]


def test_realdoc_picture_reported(realdoc):
    doc = read_document(realdoc("chatchat__ocr_test.docx"))
    assert "1 image(s): text inside images is not extracted" in doc.warnings


def test_realdoc_auto_numbered_heading_and_cover_table(realdoc):
    doc = read_document(
        realdoc("chatchat__行标编制说明（核电厂定期安全审查 第1部分：通用要求）.docx")
    )
    headings = [b.text for b in doc.blocks if b.kind == "heading" and b.level == 1]
    assert headings[:2] == ["一、任务来源及计划要求", "二、编制过程"]
    texts = [b.text for b in doc.blocks[:8]]
    assert "编制说明" in texts  # the cover block set in a layout table is body text


def test_realdoc_toc_skipped_and_styles(realdoc):
    doc = read_document(
        realdoc("chatchat__核电厂定期安全审查指南 第1部分：通用要求（征求意见稿）.docx")
    )
    assert doc.pages == 15
    assert any(b.kind == "heading" for b in doc.blocks)
    assert sum(b.kind == "table" for b in doc.blocks) >= 1
    assert "NB/T XXXXX—XXXX" not in [b.text for b in doc.blocks[10:]]  # running header


def test_markdown_and_gbk_text(tmp_path):
    md = tmp_path / "宁波市2016年上半年进展.md"
    md.write_text(
        "# 宁波市2016年上半年工作进展\n\n## 一、基础设施\n\n光纤 到户 用户达到１２０万户。\n\n|指标|数值|\n|---|---|\n|4G基站数|2.3万个|\n",
        "utf-8",
    )
    doc = read_document(md)
    assert [(b.kind, b.level, b.text) for b in doc.blocks] == [
        ("heading", 1, "宁波市2016年上半年工作进展"),
        ("heading", 2, "一、基础设施"),
        ("paragraph", 0, "光纤到户用户达到120万户。"),
        ("table", 0, "指标\t数值\n4G基站数\t2.3万个"),
    ]
    gbk = tmp_path / "说明.txt"
    gbk.write_bytes("郑州市2016年全年工作总结\n正文".encode("gb18030"))
    assert read_document(gbk).blocks[1].text == "正文"


def test_nfd_file_name_kept_as_nfc(tmp_path, report_docx):
    import unicodedata

    name = unicodedata.normalize("NFD", "Café进展.docx")
    path = tmp_path / name
    path.write_bytes(report_docx.read_bytes())
    assert read_document(path).name == "Café进展.docx"


def test_legacy_without_libreoffice_is_a_clear_failure(report_doc, monkeypatch):
    from extract import ConverterMissing

    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConverterMissing, match="LibreOffice is needed"):
        read_document(report_doc)


def test_legacy_conversion_timeout_and_garbage(report_doc, tmp_path):
    from extract import CorruptDocument, Limits, ResourceLimit

    with pytest.raises(ResourceLimit, match="LibreOffice took longer than"):
        read_document(report_doc, Limits(convert_timeout_s=0.01))
    garbage = tmp_path / "坏.doc"
    garbage.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00garbage" * 500)
    with pytest.raises(CorruptDocument, match="LibreOffice could not convert it"):
        read_document(garbage)


def test_rtf_saved_as_doc_is_read(tmp_path, soffice):
    rtf = tmp_path / "杭州进展.doc"
    # Word saves RTF under .doc; 杭州市 as RTF unicode escapes.
    rtf.write_bytes(
        rb"{\rtf1\ansi\deff0{\fonttbl{\f0 SimSun;}}\f0 \u26477?\u24030?\u24066?2016\par}"
    )
    doc = read_document(rtf)
    assert doc.format == "doc" and [b.text for b in doc.blocks] == ["杭州市2016"]
