"""Issue 14: tables bounded by their own ruling lines, read from pdfium's path objects.

Hand-made geometry for extract/rules.py's steps, then the real files of ../shared/realdocs (the
page where each behaviour is printed, the exact text that must come out), then a generated
all-tables report printed by LibreOffice (tables broken by pages, rows broken by pages).
"""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from extract import Document, Limits, read_document
from extract.layout import Char, TableRegion, fill_tables
from extract.pdf import _page_objects, _path_segments
from extract.rules import (
    Rule,
    merge_rules,
    ruled_tables,
    rules_from_segments,
    three_line_tables,
)


@pytest.fixture(scope="module")
def read():
    cache: dict[str, Document] = {}

    def get(realdoc, name: str) -> Document:
        if name not in cache:
            cache[name] = read_document(realdoc(name), Limits(ocr="never"))
        return cache[name]

    return get


def tables_on(doc: Document, page: int) -> list[list[list[str]]]:
    return [b.rows or [] for b in doc.blocks if b.kind == "table" and b.page == page]


# Geometry -------------------------------------------------------------------------------------


def _grid(xs: list[float], ys: list[float]) -> list[tuple[float, float, float, float]]:
    """The segments of a full grid: a horizontal rule at each y, a vertical one at each x."""
    return [(xs[0], y, xs[-1], y) for y in ys] + [(x, ys[0], x, ys[-1]) for x in xs]


def test_grid_of_rules_gives_rows_of_cells():
    tables = ruled_tables(rules_from_segments(_grid([10, 60, 110], [100, 120, 140])))
    assert tables == [
        (
            (10, 100, 110, 140),
            [[(10, 100, 60, 120), (60, 100, 110, 120)], [(10, 120, 60, 140), (60, 120, 110, 140)]],
        )
    ]


def test_thin_filled_rectangles_snap_to_one_rule_and_slants_are_not_rules():
    # Word draws a rule as a 0.5 pt high filled rectangle: its two long sides are one rule, its
    # short sides are dropped; a diagonal (a chart's line) is no rule at all.
    rect = [
        (10, 100, 200, 100),
        (200, 100, 200, 100.5),
        (200, 100.5, 10, 100.5),
        (10, 100.5, 10, 100),
    ]
    rules = merge_rules(rules_from_segments([*rect, (0, 0, 50, 40)]))
    assert rules == [Rule(True, 100.25, 10, 200)]


def test_merged_cell_leaves_none_in_its_row():
    # A header cell spanning both columns: the middle rule stops at the second row.
    segments = [
        (10, 100, 110, 100),
        (10, 120, 110, 120),
        (10, 140, 110, 140),
        (10, 100, 10, 140),
        (110, 100, 110, 140),
        (60, 120, 60, 140),
    ]
    ((_, rows),) = ruled_tables(rules_from_segments(segments))
    assert rows == [[(10, 100, 110, 120), None], [(10, 120, 60, 140), (60, 120, 110, 140)]]


def _line(text: str, x: float, top: float, size: float = 10.0) -> list[Char]:
    return [
        Char(t, x + i * size, x + (i + 1) * size, top, top + size, size) for i, t in enumerate(text)
    ]


def test_three_line_table_reads_its_columns_and_text_outside_stays_out():
    rules = rules_from_segments([(50, y, 350, y) for y in (100, 120, 170)])
    chars = [
        *_line("此前的正文一行不在表内。", 50, 80),
        *_line("指标", 55, 105),
        *_line("数值", 250, 105),
        *_line("收入", 55, 125),
        *_line("12.5", 250, 125),
        *_line("支出", 55, 145),
        *_line("8.0", 250, 145),
        *_line("此后的正文。", 50, 180),
    ]
    ((box, cells),) = three_line_tables(rules, chars)
    assert box == (50, 100, 350, 170)
    table = TableRegion(*box, [], 1, cells)
    outside = fill_tables([table], chars)
    assert table.rows == [["指标", "数值"], ["收入", "12.5"], ["支出", "8.0"]]
    assert "".join(c.text for c in outside) == "此前的正文一行不在表内。此后的正文。"


def test_rules_around_paragraphs_are_no_table():
    # Three rules of one width with running text between them: one column, not a table.
    rules = rules_from_segments([(50, y, 350, y) for y in (100, 140, 180)])
    chars = _line("一段正文写满了整行的文字内容不分栏", 50, 110) + _line(
        "第二段正文也是整行文字", 50, 150
    )
    assert three_line_tables(rules, chars) == []


# Real files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("pdfplumber__issue-336-example.pdf", 1),  # merged cells
        ("pdfplumber__issue-71-duplicate-chars.pdf", 1),
        ("ocrplayground__Ningxia.pdf", 20),
        ("pdfplumber__issue-67-example.pdf", 6),
        ("auditrag__审计署报告-中央部门单位2023年度预算执行等审计查出问题的整改情况.pdf", 2),
    ],
)
def test_cells_from_pdfium_paths_match_pdfplumber(realdoc, name, page):
    """The rules read from pdfium's path objects give the cells pdfplumber finds on the same
    page (its `lines` strategy, default tolerances), within a point, without a second parse by
    pdfminer. (Tables printed without side rules differ on purpose: we add the sides.)"""
    import pdfplumber

    pdf = pdfium.PdfDocument(str(realdoc(name)))
    try:
        p = pdf[page - 1]
        _, y0, _, y1 = p.get_mediabox()
        paths: list = []
        _page_objects(p.raw, paths)
        ours = ruled_tables(rules_from_segments(_path_segments(paths, y1 - y0)))
        p.close()
    finally:
        pdf.close()
    with pdfplumber.open(realdoc(name)) as plumber:
        theirs = [list(row.cells) for t in plumber.pages[page - 1].find_tables() for row in t.rows]
    mine = [row for _, rows in ours for row in rows]
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs, strict=True):
        assert [c is None for c in a] == [c is None for c in b]
        for ca, cb in zip(a, b, strict=True):
            if ca is not None:
                assert ca == pytest.approx(cb, abs=1.0)  # snapped means differ by < 1 pt


SEX = "simonjob__性别数据.pdf"


def test_three_line_table_on_a_real_page(read, realdoc):
    # simonjob__性别数据.pdf p.3, 表2: a top rule, a header rule and a bottom rule, no vertical
    # rules. Before: every row a paragraph (`福田区124.88 60.48 64.40 93.91`).
    doc = read(realdoc, SEX)
    assert tables_on(doc, 3) == [
        [
            ["", "户籍人口（万人）", "男性(万人)", "女性（万人）", "户籍人口性别比（女=100）"],
            ["福田区", "124.88", "60.48", "64.40", "93.91"],
            ["罗湖区", "73.40", "35.61", "37.79", "94.23"],
            ["盐田区", "10.28", "5.02", "5.26", "95.44"],
            ["南山区", "122.12", "62.50", "59.62", "104.83"],
            ["宝安区", "91.01", "44.94", "46.07", "97.55"],
            ["龙岗区", "116.37", "57.39", "58.98", "97.30"],
            ["龙华区", "58.20", "28.55", "29.65", "96.29"],
            ["坪山区", "14.13", "7.14", "6.99", "102.15"],
            ["光明区", "15.50", "7.64", "7.86", "97.20"],
            ["大鹏新区", "5.05", "2.58", "2.47", "104.45"],
        ]
    ]
    # The text printed above and below the table stays text, in order.
    texts = [b.text for b in doc.blocks if b.page == 3]
    i = texts.index("表2 2021年深圳市分区户籍人口及性别比")
    assert texts[i + 1].startswith("\t户籍人口（万人）\t男性(万人)\t女性（万人）\t")
    assert texts[i + 2] == (
        "2021年，深圳市户籍迁入人口38.24万人，其中女性20.94万人，性别比为82.62。"
        "户籍迁出人口4.21万人，其中女性1.93万人，性别比为118.13。"
    )


def test_three_line_table_over_a_page_break_repeating_its_header(read, realdoc):
    # simonjob__性别数据.pdf p.5-6, 表4: the table runs onto p.6, which repeats the header and
    # closes with a bottom rule: one table, the header once.
    doc = read(realdoc, SEX)
    (rows,) = tables_on(doc, 5)
    assert rows[0] == ["协会名称", "会员(人)", "男性(人)", "女性（人）", "会员性别比（女=100）"]
    assert rows[1] == ["作家协会", "1972", "656", "1316", "49.85"]
    assert rows[-2:] == [
        ["杂技家协会", "383", "242", "141", "171.63"],
        ["曲艺家协会", "235", "142", "93", "152.69"],  # printed on p.6
    ]
    assert len(rows) == 13 and tables_on(doc, 6)[0][0][0] == ""  # p.6's own table is 表5


def test_three_line_table_without_a_bottom_rule_on_its_first_page(read, realdoc):
    # simonjob__性别数据.pdf p.6-7, 表5: p.6 has the top and header rules and three rows, the
    # rows go on at the top of p.7 down to the bottom rule, with no header there.
    doc = read(realdoc, SEX)
    rows = tables_on(doc, 6)[0]
    assert rows[0] == [
        "",
        "幼儿园在校学生性别比（女=100）",
        "小学在校学生性别比（女=100）",
        "中学在校学生性别比（女=100）",
    ]
    assert rows[1] == ["全市", "114.41", "119.41", "123.34"]
    assert rows[3:5] == [
        ["罗湖区", "115.65", "117.60", "113.85"],  # the last row of p.6
        ["盐田区", "115.96", "120.07", "115.55"],  # the first of p.7
    ]
    assert rows[-1] == ["大鹏新区", "113.66", "121.37", "112.43"]
    assert not any(b.text.startswith("盐田区") for b in doc.blocks if b.kind == "paragraph")


def test_ruled_table_over_78_pages_keeps_one_header(read, realdoc):
    # auditrag 中央部门单位2023年度…整改情况: one ruled table over 78 pages, every page
    # reprinting the header row `序号 | 部门单位名称 | 问题摘要 | 整改情况`.
    doc = read(
        realdoc, "auditrag__审计署报告-中央部门单位2023年度预算执行等审计查出问题的整改情况.pdf"
    )
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 1
    rows = tables[0].rows
    header = ["序号", "部门单位名称", "问题摘要", "整改情况"]
    assert rows[0] == header and rows.count(header) == 1
    assert [b.text for b in doc.blocks[:2]] == [
        "附件2",
        "中央部门单位2023年度预算执行等审计查出问题的整改情况",
    ]


def test_generated_all_tables_report_comes_back_cell_for_cell(built, soffice):
    # Generated (LibreOffice prints it): ruled tables breaking across pages, a header row left
    # alone at the foot of a page, rows whose wrapped label breaks over the page.
    from tests import builders

    want = builders.budget_tables()
    src = builders.build_budget_tables_docx(built / "budget-tables.docx", want)
    doc = read_document(builders.convert(src, "pdf", built))
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert [t.rows for t in tables] == want
    assert [t.unit for t in tables] == ["万元"] * len(want)
    assert doc.pages > len(want)  # the tables did cross pages


def test_ruled_header_at_the_foot_of_a_page_with_its_rows_on_the_next(read, realdoc):
    # squankw 黔东南 p.8-9, 表7: a shaded header ruled all round ends p.8, its column rules run
    # on below it over two rows, and the rows go on at the top of p.9 down to a bottom rule.
    # Before: the header and the rows were paragraphs (`指标名称单位比上年增长`).
    doc = read(realdoc, "squankw__黔东南苗族侗族自治州2023年国民经济和社会发展统计公报.pdf")
    (table,) = [b for b in doc.blocks if b.kind == "table" and b.page == 8]
    assert table.rows == [
        ["指标名称", "单位", "比上年增长"],
        ["总计", "%", "1.2"],
        ["#农林牧渔业", "%", "-22.8"],  # the last row of p.8
        ["采矿业", "%", "-50.2"],  # the first of p.9
        ["制造业", "%", "40.5"],
        ["电力、热力、燃气及水生产和供应业", "%", "-23.0"],
        ["交通运输、仓储和邮政业", "%", "49.8"],
        ["信息传输、软件和信息技术服务业", "%", "89.1"],
        ["租赁和商务服务业", "%", "-62.8"],
        ["科学研究和技术服务业", "%", "-42.3"],
        ["教育", "%", "-1.4"],
        ["卫生和社会工作", "%", "-12.6"],
        ["文化、体育和娱乐业", "%", "-21.0"],
    ]
    i = doc.blocks.index(table)
    assert doc.blocks[i - 1].text == "表7 2023年分行业固定资产投资增长速度"
    assert doc.blocks[i + 1].text.startswith("全年全州房地产开发投资比上年下降8.3%。")


def test_table_without_side_rules_keeps_its_outer_columns(read, realdoc):
    # squankw__周口市统计公报2023.pdf p.1, 表1: top, header and bottom rules crossed by two
    # column rules, no side rules. Before: no table, its rows read as broken paragraphs
    # (`…16.94` | `全年全市实现新增城镇就业…`); p.7's table kept only its two middle columns.
    doc = read(realdoc, "squankw__周口市统计公报2023.pdf")
    (table,) = [b for b in doc.blocks if b.kind == "table" and b.page == 1]
    assert table.rows == [
        ["指标", "年末数（万人）", "比重（%）"],
        ["全市常住人口", "866.60", ""],
        ["其中：城镇", "392.66", "45.31"],
        ["乡村", "473.94", "54.69"],
        ["其中：男性", "428.20", "49.41"],
        ["女性", "438.40", "50.59"],
        ["其中：0-15岁（含不满16周岁）", "212.60", "24.53"],
        ["16-59岁（含不满60周岁）", "463.10", "53.44"],
        ["60周岁及以上", "190.90", "22.03"],
        ["其中：65周岁及以上", "146.80", "16.94"],
    ]
    i = doc.blocks.index(table)
    assert doc.blocks[i - 1].text == "表1 2023年末周口市常住人口数及其构成"
    assert doc.blocks[i + 1].text.startswith("全年全市实现新增城镇就业7.52万人，")
    (p7,) = [b for b in doc.blocks if b.kind == "table" and b.page == 7]
    assert p7.rows[:3] == [
        ["指标", "单位", "绝对数", "增长%"],
        ["货物运输总量", "亿吨", "2.92", "6.6"],
        ["#铁路", "亿吨", "0.80", "-6.6"],
    ]
