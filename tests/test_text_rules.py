"""The small pure steps: numbering levels, normalisation, furniture, paragraphs, passages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extract.document import Block, Document
from extract.furniture import furniture_lines, is_page_number
from extract.headings import heading_level, numbering_level, split_run_in_heading
from extract.layout import Char, Line, dedupe_chars, group_lines, join_paragraphs
from extract.normalize import clean_text
from extract.numbering import chinese_number
from extract.passages import chunk_text, to_passages


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("一、总体情况", 1),
        ("十二、下一步工作", 1),
        ("第二节 公司基本情况", 1),
        ("（一）加快信息基础设施升级改造", 2),
        ("(三)强化统筹协调", 2),
        ("1.光网城市建设", 3),
        ("2、宽带提速", 3),
        ("3．农村宽带", 3),
        ("（1）农村宽带", 4),
        ("(2)智慧社区", 4),
        ("案例一：宁波市智慧健康服务平台", 1),
        ("1.2万户家庭接入光纤", 0),
        ("20.38亿元", 0),
        ("2016年上半年", 0),
        ("全市新增光纤到户用户", 0),
    ],
)
def test_numbering_level(text, level):
    assert numbering_level(text) == level


def test_heading_needs_to_read_as_a_title():
    assert heading_level("一、总体情况") == 1
    assert heading_level("1.全市光纤入户用户达到253万户，同比增长15%，较去年提高3个百分点") == 0
    assert heading_level("（一）加快信息基础设施升级改造。全面推动宽带提速。") == 0


def test_run_in_heading_split():
    assert split_run_in_heading("（一）健全组织领导体系。成立领导小组。") == (
        2,
        "（一）健全组织领导体系",
        "成立领导小组。",
    )
    # A numbered item whose lead carries figures stays whole.
    assert split_run_in_heading("1.新增用户12万户。累计达到253万户。") is None


def test_clean_text():
    assert clean_text("占比达到７８．５％ ，  提高 3 个百分点") == "占比达到78.5%，提高3个百分点"
    assert clean_text("⽅案") == "方案"  # a Kangxi radical from a PDF font
    assert clean_text("Smart  City 平台") == "Smart City平台"
    assert clean_text("胡駿\ue687") == "胡駿"
    assert clean_text("开 票 通 知 单") == "开票通知单"


@pytest.mark.parametrize(
    "text", ["— 3 —", "- 12 -", "第3页 共12页", "第 3 页", "3/12", "7", "Page 2 of 9"]
)
def test_page_numbers(text):
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["2016年", "一、总体情况", "— 全市 —", "第三节"])
def test_not_page_numbers(text):
    assert not is_page_number(text)


def _line(text, top, page=1, x0=80.0, x1=520.0, size=16.0):
    return Line(text, x0, x1, top, top + size, size, page)


def test_running_header_detected_by_repetition():
    pages = [
        [
            _line("杭州市经济和信息化委员会", 40, p),
            _line("正文内容", 300, p),
            _line(f"— {p} —", 800, p),
        ]
        for p in range(1, 5)
    ]
    drop = furniture_lines(pages, [842.0] * 4)
    assert drop == [{0, 2}] * 4


def test_body_line_in_band_kept_when_not_repeated():
    pages = [[_line(f"第{p}段独有的内容", 40, p), _line("正文", 300, p)] for p in range(1, 5)]
    assert furniture_lines(pages, [842.0] * 4) == [set()] * 4


def test_dedupe_and_group_lines():
    chars = [
        Char("项", 10, 26, 100, 116, 16),
        Char("项", 10.4, 26.4, 100.2, 116.2, 16),
        Char("目", 26, 42, 100, 116, 16),
        Char("A", 10, 18, 130, 146, 16),
    ]
    kept, removed = dedupe_chars(chars)
    assert removed == 1
    lines = group_lines(kept)
    assert [line.text for line in lines] == ["项目", "A"]


def test_paragraph_joined_across_pages_but_not_after_short_line():
    page1 = [_line("全市新增光纤到户用户十二万户，累计达到二百五十三万户，宽带", 700, 1, x0=112)]
    page2 = [_line("提速成效明显。", 100, 2, x1=200), _line("新的段落。", 130, 2, x0=112, x1=300)]
    paras = join_paragraphs([page1, page2])
    assert [p.text for p in paras] == [
        "全市新增光纤到户用户十二万户，累计达到二百五十三万户，宽带提速成效明显。",
        "新的段落。",
    ]


def test_chinese_number():
    assert [chinese_number(n) for n in (1, 10, 12, 20, 99, 105, 110)] == [
        "一",
        "十",
        "十二",
        "二十",
        "九十九",
        "一百零五",
        "一百一十",
    ]


def test_chunk_text_keeps_sentences_whole():
    sentence = "全市新增光纤到户用户十二万户。"
    text = sentence * 50
    chunks = chunk_text(text, 100)
    assert "".join(chunks) == text
    assert all(len(c) <= 100 and c.endswith("。") for c in chunks)


@given(
    st.text(alphabet=st.sampled_from(list("光纤宽带。，；！abc 12")), max_size=2000),
    st.integers(min_value=10, max_value=400),
)
def test_chunk_text_loses_nothing_and_stays_bounded(text, bound):
    text = text.strip()
    if not text:
        return
    chunks = chunk_text(text, bound)
    assert "".join(chunks).replace(" ", "") == text.replace(" ", "")
    assert all(len(c) <= bound for c in chunks)


def test_passages_carry_heading_path_and_table_rows():
    doc = Document(
        "x",
        "x.docx",
        "0",
        1,
        "docx",
        1,
        [
            Block("heading", "一、基础设施", 1, 1),
            Block("paragraph", "光纤到户。" * 100, 1, 0, ("一、基础设施",)),
            Block(
                "table", "", 2, 0, ("一、基础设施",), [["指标", "数值"], ["4G基站数", "3.9万个"]]
            ),
        ],
    )
    passages = to_passages(doc, max_chars=200)
    assert len(passages) == 4
    assert all(p.heading_path == ("一、基础设施",) for p in passages)
    assert passages[-1].text == "指标：4G基站数；数值：3.9万个" and passages[-1].page == 2
    assert [p.order for p in passages] == [0, 1, 2, 3]
