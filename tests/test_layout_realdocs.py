"""Issue 14: paragraphs, tables and numbers as printed, on the real files where each shows.

Every test names the file in ../shared/realdocs and the page where the behaviour is printed, and
asserts the exact text that must come out (checked against the page rendered to an image).
"""

from __future__ import annotations

import itertools

import pytest

from extract import Document, Limits, read_document
from extract.layout import Char, group_lines
from extract.structure import table_unit
from tests import builders


@pytest.fixture(scope="module")
def read():
    """Each real file read once for the module (OCR off: these files have a text layer)."""
    cache: dict[str, Document] = {}

    def get(realdoc, name: str) -> Document:
        if name not in cache:
            cache[name] = read_document(realdoc(name), Limits(ocr="never"))
        return cache[name]

    return get


def page_text(doc: Document, page: int) -> str:
    return "\n".join(b.text for b in doc.blocks if b.page == page and b.kind != "table")


def tables_on(doc: Document, page: int) -> list[list[list[str]]]:
    return [b.rows or [] for b in doc.blocks if b.kind == "table" and b.page == page]


# 1. Numbers as printed ------------------------------------------------------------------------


def _chars(spec: list[tuple[str, float]], size: float = 10.0) -> list[Char]:
    return [Char(t, x, x + w, 0.0, size, size) for t, x, w in ((t, x, 5.0) for t, x in spec)]


def test_point_and_comma_with_wide_advance_stay_inside_the_number():
    # `705, 443. 00` as a font with full-width punctuation advances prints it: the gaps after
    # the comma and the point are 4 points (0.4 em), wider than a Latin word space.
    chars = _chars(
        [
            *[("7", 0), ("0", 5), ("5", 10), (",", 15), ("4", 24), ("4", 29), ("3", 34)],
            *[(".", 39), ("0", 48), ("0", 53), ("元", 60)],
        ]
    )
    chars[3].x1 = chars[3].x0 + 2  # the comma's ink is narrow
    chars[7].x1 = chars[7].x0 + 2
    chars[-1].x1 = chars[-1].x0 + 10
    assert group_lines(chars)[0].text == "705,443.00元"


def test_column_gap_between_numbers_still_separates_them():
    # Two figures in neighbouring columns of a three-line table: a gap of two em is a column.
    chars = _chars([("1", 0), (".", 5), ("5", 8), ("2", 40), (".", 45), ("0", 48)])
    assert group_lines(chars)[0].text == "1.5 2.0"


def test_decimal_points_after_wide_digits_rejoined(read, realdoc):
    # ocrplayground__Guizhou.pdf p.2: digits set at full-width pitch; `3665. 19` before.
    doc = read(realdoc, "ocrplayground__Guizhou.pdf")
    text = page_text(doc, 2)
    assert "全省财政总收入3665.19亿元，比2022年（下同）增收472.5亿元，增长14.8%。" in text
    assert ". " not in text.replace("。 ", "")


def test_private_use_decimal_point_read_as_printed(read, realdoc):
    # ocrplayground__Shanxi.pdf p.2: the font encodes the printed decimal point as U+1001B0,
    # which pdfium returns as two UTF-16 halves (stored as lone surrogates before).
    doc = read(realdoc, "ocrplayground__Shanxi.pdf")
    text = page_text(doc, 2)
    assert "备案的2023年全省一般公共预算收入为3602.08亿元,一般公共预算支出为6871.43亿元" in text
    assert "3425.01亿元,一般公共预算支出调整为7027.91亿元" in text
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for b in doc.blocks for ch in b.text)


def test_unruled_body_rows_and_side_columns_of_a_ruled_table(read, realdoc):
    # squankw 黔东南 p.3, 表2: a shaded header row, then six body rows printed without rules
    # between them and without side rules. Before: one row, the label and growth columns lost,
    # the figures run together with spaced points (`481. 96 282. 41 …`).
    doc = read(realdoc, "squankw__黔东南苗族侗族自治州2023年国民经济和社会发展统计公报.pdf")
    assert tables_on(doc, 3)[0] == [
        ["指标名称", "绝对数（亿元）", "比上年增长（%）"],
        ["农林牧渔业总产值", "481.96", "4.2"],
        ["#种植业", "282.41", "3.8"],
        ["林业", "86.95", "4.2"],
        ["畜牧业", "75.17", "5.1"],
        ["渔业", "15.49", "8.5"],
        ["农林牧渔专业及辅助性活动", "21.95", "4.1"],
    ]


def test_unit_caption_given_to_the_table(read, realdoc):
    # ocrplayground__Ningxia.pdf p.20: `单位：亿元` printed between the title and the table.
    doc = read(realdoc, "ocrplayground__Ningxia.pdf")
    table = next(b for b in doc.blocks if b.kind == "table" and b.page == 20)
    assert table.unit == "亿元"
    # pdfplumber__issue-67-example.pdf p.6: the caption ends the heading line above the table.
    doc = read(realdoc, "pdfplumber__issue-67-example.pdf")
    assert [b.unit for b in doc.blocks if b.kind == "table" and b.page == 6] == ["人民币元"] * 3


@pytest.mark.parametrize(
    ("rows", "before", "unit"),
    [
        ([["项目", "金额"]], "单位：万元", "万元"),
        ([["项目", "金额"]], "表3 主要指标（单位：万人）", "万人"),
        ([["单位：万元", ""], ["项目", "金额"]], "", "万元"),
        ([["项目", "金额"]], "单位：元，%", "元，%"),
        ([["项目", "金额"]], "编制单位：某某局", None),
        ([["项目", "金额"]], "各单位要按时报送", None),
    ],
)
def test_table_unit_caption(rows, before, unit):
    assert table_unit(rows, before) == unit


def test_table_continued_on_the_next_page_is_one_table(read, realdoc):
    # ocrplayground__Ningxia.pdf p.20-21: the 全口径收支 table breaks after 中央补助收入.
    doc = read(realdoc, "ocrplayground__Ningxia.pdf")
    tables = [b for b in doc.blocks if b.kind == "table" and b.page in (20, 21)]
    assert len(tables) == 1
    rows = tables[0].rows
    assert rows[3] == ["中央补助收入", "1034.3", "补助市县支出", "858.3"]
    assert rows[4] == ["市县上解收入", "6.2", "上解中央支出", "7.2"]
    assert rows[-1] == ["合计", "1612.5", "合计", "1612.5"]


def test_text_drawn_as_outlines_needs_ocr(realdoc):
    # ocrplayground__Guangdong_test.pdf: every glyph is a filled path (500-600 per page), no
    # text layer and no image, so it read as 0 characters with no OCR flag.
    doc = read_document(realdoc("ocrplayground__Guangdong_test.pdf"), Limits(ocr="never"))
    assert doc.needs_ocr_pages == [1, 2, 3, 4, 5]


# 2. Paragraph continuation that reads Chinese ---------------------------------------------------


def test_line_short_before_a_number_that_did_not_fit(read, realdoc):
    # llmcookbook 北京 p.3: `…住宅物业服务覆盖率达` ends a full line short, `到 97%。` starts the
    # next (set in a Latin font whose taller box made it read as another size).
    doc = read(realdoc, "llmcookbook__2024年北京市政府工作报告.pdf")
    para = next(b.text for b in doc.blocks if "垃圾分类示范居住小区" in b.text)
    assert para.endswith("创建生活垃圾分类示范居住小区（村）2800个，住宅物业服务覆盖率达到97%。")
    # ocrplayground__Anhui.pdf p.6: `…收支相抵，结转下年` | `16.1 亿元。`
    doc = read(realdoc, "ocrplayground__Anhui.pdf")
    assert any(b.text.endswith("收支相抵，结转下年16.1亿元。") for b in doc.blocks if b.page == 6)
    # ocrplayground__Hebei.pdf p.2: a change verb kept with its figure.
    doc = read(realdoc, "ocrplayground__Hebei.pdf")
    assert (
        "全省收入2230.2亿元，完成预算的83.6%，增长10.5%；支出完成3929亿元，占预算的76.7%，增长1%。"
        in (page_text(doc, 2))
    )


def test_paragraph_pitch_measured_on_body_lines(read, realdoc):
    # ocrplayground__Ningxia.pdf p.8: bold lines have taller boxes, so gaps between lines vary
    # while the pitch does not; the paragraph was cut after every line.
    doc = read(realdoc, "ocrplayground__Ningxia.pdf")
    body = next(b for b in doc.blocks if b.text.startswith("主动开展财经形势分析"))
    assert body.text.startswith(
        "主动开展财经形势分析，将自治区置于全国现代化建设大局中考量，将财政工作置于全区经济社会大局中"
        "考量，拓宽研究视野领域，精准识变主动应变，提出有价值的意见建议，努力当好自治区党委和政府参谋助手。"
    )


def test_run_in_heading_with_a_comma_split_from_its_body(read, realdoc):
    # ocrplayground__Ningxia.pdf p.8: the bold lead-in shares its line with the body.
    doc = read(realdoc, "ocrplayground__Ningxia.pdf")
    i = next(i for i, b in enumerate(doc.blocks) if b.text.startswith("3.努力促进扩大有效需求"))
    heading, body = doc.blocks[i], doc.blocks[i + 1]
    assert (heading.kind, heading.text) == (
        "heading",
        "3.努力促进扩大有效需求，推动我区经济增长站稳全国第一方阵",
    )
    assert body.kind == "paragraph" and body.text.startswith("主动开展财经形势分析")


def test_unpunctuated_heading_line_stays_apart_from_the_body(read, realdoc):
    # llmcookbook 北京 p.6: a numbered heading ending short, no punctuation, body below it.
    doc = read(realdoc, "llmcookbook__2024年北京市政府工作报告.pdf")
    texts = [b.text for b in doc.blocks]
    i = texts.index("（一）持续提升首都功能，推动京津冀协同发展取得新的更大进展")
    assert texts[i + 1].startswith("牢牢牵住疏解非首都功能这个“牛鼻子”")
    # squankw 周口 p.4: a paragraph's last line, then a centred heading a size larger.
    doc = read(realdoc, "squankw__周口市统计公报2023.pdf")
    texts = [b.text for b in doc.blocks]
    i = texts.index("三、工业和建筑业")
    assert texts[i - 1].endswith("100万亩高标准农田示范区建设基本完成。")


def test_paragraph_runs_on_over_the_page_break(read, realdoc):
    # ocrplayground__Shanxi.pdf p.2-3: `。` printed as `.` by the font, the sentence wraps.
    doc = read(realdoc, "ocrplayground__Shanxi.pdf")
    para = next(b for b in doc.blocks if "经初步汇总,全省一般公共预算收入调整为" in b.text)
    assert para.text.endswith(
        "经初步汇总,全省一般公共预算收入调整为3425.01亿元,一般公共预算支出调整为7027.91亿元."
    )


def test_word_printed_by_libreoffice_keeps_paragraphs_whole(built, soffice):
    # Generated: no real file has a LibreOffice-printed report; the issue saw `…覆盖率将达到` |
    # `100%。` in one. Each paragraph must come back exactly as written.
    pdf = builders.convert(
        builders.build_wrapped_numbers_docx(built / "wrapped.docx"), "pdf", built
    )
    lines = [ln for page in _pdf_lines(pdf) for ln in page]
    right = max(ln.x1 for ln in lines)
    # The document really has the case: a line ending short before a number starting the next.
    assert any(
        a.x1 < right - 3 * a.size and b.text[:1].isdigit() and not a.text.endswith("。")
        for a, b in itertools.pairwise(lines)
    )
    doc = read_document(pdf)
    assert [b.text for b in doc.blocks] == builders.wrapped_number_paragraphs()


def _pdf_lines(path) -> list[list]:
    import pypdfium2 as pdfium

    from extract.pdf import _page_chars

    pdf = pdfium.PdfDocument(str(path))
    out = []
    for i in range(len(pdf)):
        page = pdf[i]
        w, h = page.get_size()
        textpage = page.get_textpage()
        chars, _ = _page_chars(textpage, 0, w, h)
        out.append(group_lines(chars, i + 1))
    pdf.close()
    return out


# 4. Reading order and duplicate pages -----------------------------------------------------------


def test_reprinted_half_page_kept_once(built, soffice):
    # Generated: no file in ../shared/realdocs reprints a page (checked line by line).
    src = builders.build_reprinted_page_docx(built / "reprint.docx")
    doc = read_document(builders.convert(src, "pdf", built))
    once = builders.LONG_PARAGRAPH[: len(builders.LONG_PARAGRAPH) // 3]
    assert [b.text for b in doc.blocks] == [
        "今年以来，我市扎实推进信息消费示范城市建设。",
        once.replace("７８．５％", "78.5%"),
        "下半年，我市将继续推进各项工作。",
    ]
    assert doc.page_info[1].repeated_lines >= 3
    assert any("page 2 reprints" in w for w in doc.warnings)


def test_raised_footnote_marks_do_not_cut_the_paragraph(read, realdoc):
    # simonjob__性别数据.pdf p.2: footnote marks `2 3` printed raised in small type between two
    # lines of the paragraph read as a line of their own and cut it (`…占全市人口` | `2 3`).
    doc = read(realdoc, "simonjob__性别数据.pdf")
    assert page_text(doc, 2).split("\n")[2] == (
        "2021年，深圳市常住人口1761.48万人，其中男性969.57万人，占全市人口的55.0%；"
        "女性791.91万人，占全市人口的45.0%，常住人口性别比为122.44。"
    )
    # p.3: `5` between `…死亡率为` and `0.77‰；…`; the footnote keeps its number.
    assert "2021年，深圳市常住人口出生率为10.37‰，死亡率为0.77‰；出生人口性别比为113.39。" in (
        page_text(doc, 3).split("\n")
    )
    assert "5注：常住人口出生率和死亡率数据来源于市卫生健康委。" in page_text(doc, 3).split("\n")
