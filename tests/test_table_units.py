"""Issue 14: a table's unit caption (`单位：万元`, Block.unit) gives its bare numbers, and its
`万` without `元`, their unit when classify reads the table's figures."""

from __future__ import annotations

from docx import Document as DocxDocument

from classify.table_figures import figures_in_table
from extract import Limits, read_document


def _values(rows, unit=None) -> dict[str, tuple[float, str]]:
    return {f.raw: (f.value, f.unit) for f in figures_in_table(rows, unit=unit)}


def test_caption_unit_applies_to_bare_numbers_and_to_wan_without_yuan():
    rows = [["项目", "金额"], ["一般公共预算收入", "1720.00万"], ["上级补助收入", "35.5"]]
    assert _values(rows) == {}  # no unit anywhere: nothing is money
    assert _values(rows, unit="万元") == {
        "1720.00万": (17_200_000.0, "元"),  # the cell's 万 is the caption's, not a second one
        "35.5": (355_000.0, "元"),
    }


def test_header_unit_applies_to_wan_without_yuan():
    rows = [["项目", "金额（万元）"], ["收入", "1720.00万"], ["支出", "3亿"]]
    assert _values(rows) == {"1720.00万": (17_200_000.0, "元"), "3亿": (300_000_000.0, "元")}


def test_column_header_unit_wins_over_the_caption():
    rows = [["项目", "人数（万人）", "金额"], ["培训", "2", "8"]]
    assert _values(rows, unit="亿元") == {"2": (20_000.0, "人"), "8": (800_000_000.0, "元")}


def test_real_table_under_a_unit_caption(realdoc):
    # ocrplayground__Ningxia.pdf p.20: `单位：亿元` printed between the title and the table; the
    # cells hold bare numbers (`1034.3`).
    doc = read_document(realdoc("ocrplayground__Ningxia.pdf"), Limits(ocr="never"))
    table = next(b for b in doc.blocks if b.kind == "table" and b.page == 20)
    assert table.unit == "亿元"
    values = {
        (table.rows[f.row][0], f.raw): f.value
        for f in figures_in_table(table.rows, unit=table.unit)
        if f.col == 1
    }
    assert values[("中央补助收入", "1034.3")] == 103_430_000_000.0
    assert values[("市县上解收入", "6.2")] == 620_000_000.0


def test_generated_word_table_under_a_caption(tmp_path):
    path = tmp_path / "budget.docx"
    document = DocxDocument()
    document.add_paragraph("表1 2024年部门收支总表")
    document.add_paragraph("单位：万元")
    table = document.add_table(rows=3, cols=2)
    for r, row in enumerate(
        [["项目", "预算数"], ["财政拨款收入", "1720.00万"], ["其他收入", "12.5"]]
    ):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.save(path)
    doc = read_document(path)
    block = next(b for b in doc.blocks if b.kind == "table")
    assert block.unit == "万元"
    assert _values(block.rows, block.unit) == {
        "1720.00万": (17_200_000.0, "元"),
        "12.5": (125_000.0, "元"),
    }
