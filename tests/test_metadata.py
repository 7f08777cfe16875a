"""City, year, period and kind: from the file name, the title, the first page and the signature."""

from __future__ import annotations

import pytest

from extract import read_document
from extract.document import Block
from extract.metadata import chinese_year, recognise


def blocks(*texts: str) -> list[Block]:
    out = [Block("title", texts[0], 1)] if texts else []
    out += [Block("paragraph", t, 1) for t in texts[1:]]
    return out


def test_title_gives_everything():
    meta, warnings = recognise(
        "2016全年总结_final(1)", blocks("郑州市2016年国家信息消费示范城市建设工作总结")
    )
    assert (meta.city, meta.province, meta.year, meta.period, meta.kind) == (
        "郑州市",
        "河南",
        2016,
        "FY",
        "progress",
    )
    assert meta.evidence["city"][0].source == "title"
    assert not warnings


@pytest.mark.parametrize(
    ("stem", "city", "period", "kind"),
    [
        ("杭州市2016年上半年信息消费示范城市建设进展情况", "杭州市", "H1", "progress"),
        ("附件2-典型应用案例(宁波)", "宁波市", "FY", "applications"),
        ("成都1-6月信息消费工作汇报", "成都市", "H1", "progress"),
        ("延边州2016年度工作总结", "延边朝鲜族自治州", "FY", "progress"),
        ("2016全年总结_final(1)", None, "FY", "progress"),
    ],
)
def test_file_name_alone(stem, city, period, kind):
    meta, _ = recognise(stem, [])
    assert (meta.city, meta.period, meta.kind) == (city, period, kind)


def test_conflict_is_a_warning_and_title_wins():
    meta, warnings = recognise(
        "宁波市2016年上半年进展", blocks("杭州市2016年上半年信息消费示范城市建设进展情况")
    )
    assert meta.city == "杭州市"
    assert warnings == [
        "city is unclear: title says 杭州市 (杭州市); filename says 宁波市 (宁波市); "
        "first_page says 杭州市 (杭州市); using 杭州市"
    ]


def test_first_page_names_the_city_most_named():
    meta, _ = recognise(
        "工作进展",
        blocks(
            "信息消费示范城市建设工作进展情况",
            "我市与杭州市签订合作协议。",
            "嘉兴市光纤到户用户达到80万户，嘉兴市4G基站……",
        ),
    )
    assert meta.city == "嘉兴市"
    assert meta.evidence["city"][0].source == "first_page"


def test_signature_date_gives_year():
    doc_blocks = blocks(
        "信息消费典型应用", "2015年上线以来，服务用户2015万人次。", "二〇一六年十一月二十五日"
    )
    meta, _ = recognise("典型应用", doc_blocks)
    assert meta.year == 2016 and meta.evidence["year"][0].source == "signature"


def test_chinese_year():
    assert chinese_year("二〇一六年") == 2016
    assert chinese_year("二零一七") == 2017


def test_unknown_stays_unknown():
    meta, _ = recognise("新建文档", blocks("关于开展工作的通知"))
    assert (meta.city, meta.year, meta.period) == (None, None, None)


def test_samples_all_recognised(samples):
    expected = {
        "杭州市2016年上半年信息消费示范城市建设进展情况.docx": ("杭州市", 2016, "H1", "progress"),
        "杭州市2016年信息消费示范城市建设全年进展情况.pdf": ("杭州市", 2016, "FY", "progress"),
        "宁波市2016年上半年信息消费示范城市建设工作进展.pdf": ("宁波市", 2016, "H1", "progress"),
        "宁波市2016年国家信息消费示范城市建设工作总结.docx": ("宁波市", 2016, "FY", "progress"),
        "附件2-典型应用案例(宁波).pdf": ("宁波市", 2016, "FY", "applications"),
        "成都市2016年上半年国家信息消费示范城市工作进展.docx": ("成都市", 2016, "H1", "progress"),
        "成都市信息消费示范城市2016年工作总结.pdf": ("成都市", 2016, "FY", "progress"),
        "成都市信息消费典型应用(3个).docx": ("成都市", 2016, "FY", "applications"),
        "郑州市2016年上半年信息消费示范城市建设进展情况.pdf": ("郑州市", 2016, "H1", "progress"),
    }
    for name, want in expected.items():
        meta = read_document(samples / name).metadata
        assert (meta.city, meta.year, meta.period, meta.kind) == want, name


def test_sample_doc_found_by_title(samples, soffice):
    meta = read_document(samples / "2016全年总结_final(1).doc").metadata
    assert (meta.city, meta.year, meta.period) == ("郑州市", 2016, "FY")
    assert meta.evidence["city"][0].source == "title"


def test_first_page_year_is_the_most_named_with_its_own_evidence():
    meta, _ = recognise(
        "情况汇报",
        blocks(
            "情况汇报", "2015年底全市光纤用户80万户。", "2016年新增20万户，2016年上半年完成目标。"
        ),
    )
    assert meta.year == 2016
    assert (meta.evidence["year"][0].source, meta.evidence["year"][0].text) == (
        "first_page",
        "2016年",
    )
    assert meta.period == "H1" and meta.evidence["period"][0].source == "first_page"
