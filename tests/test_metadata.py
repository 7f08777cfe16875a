"""Issuer, year, period and kind: each rule of extract.metadata and extract.divisions on small
built texts (docs/metadata.md), then the bundled samples."""

from __future__ import annotations

import re

import pytest

from extract import city_named, extract_file, extract_files, find_divisions, read_document
from extract.document import Block
from extract.metadata import chinese_year, recognise


def blocks(*texts: str, last: tuple[str, ...] = ()) -> list[Block]:
    """A title, body paragraphs on page 1, and optional closing lines (a signature) on page 2."""
    out = [Block("title", texts[0], 1)] if texts else []
    out += [Block("paragraph", t, 1) for t in texts[1:]]
    out += [Block("paragraph", "（正文）" + "各项工作稳步推进，成效明显。" * 6, 2)]
    out += [Block("paragraph", t, 2) for t in last]
    return out


BODY = "今年以来，我市信息消费示范城市建设工作稳步推进，光纤到户用户持续增长，成效明显。"


# --- the title, and what a title-only report gives -----------------------------------------


def test_title_gives_everything_confirmed():
    meta, warnings = recognise(
        "2016全年总结_final(1)", blocks("郑州市2016年国家信息消费示范城市建设工作总结", BODY)
    )
    assert (meta.city, meta.level, meta.province, meta.year, meta.period, meta.kind) == (
        "郑州市",
        "city",
        "河南省",
        2016,
        "FY",
        "progress",
    )
    assert meta.code == "410100" and meta.parent is None
    assert meta.evidence["city"][0].source == "title"
    assert meta.unconfirmed == {} and meta.confirmed and warnings == []


@pytest.mark.parametrize(
    ("stem", "city", "period", "kind"),
    [
        ("杭州市2016年上半年信息消费示范城市建设进展情况", "杭州市", "H1", "progress"),
        ("附件2-典型应用案例(宁波)", "宁波市", "FY", "applications"),
        ("成都1-6月信息消费工作汇报", "成都市", "H1", "progress"),
        ("延边州2016年度工作总结", "延边朝鲜族自治州", "FY", "progress"),
    ],
)
def test_file_name_alone_is_a_suggestion(stem, city, period, kind):
    meta, warnings = recognise(stem, [])
    assert (meta.city, meta.period, meta.kind) == (city, period, kind)
    assert "仅有文件名" in meta.unconfirmed["city"]
    assert any(w.startswith("发文单位待确认") for w in warnings)


def test_no_issuer_anywhere_is_unconfirmed_for_a_progress_report():
    meta, _ = recognise("2016全年总结_final(1)", [])
    assert meta.city is None and meta.kind == "progress" and meta.period == "FY"
    assert "未能读出文字" in meta.unconfirmed["city"]
    meta, _ = recognise("2016全年总结_final(1)", blocks("2016年信息消费示范城市建设工作总结", BODY))
    assert meta.city is None and "未写明发文单位" in meta.unconfirmed["city"]


def test_disagreeing_sources_are_unconfirmed_with_a_chinese_sentence_naming_them():
    meta, warnings = recognise(
        "宁波市2016年上半年进展", blocks("杭州市2016年上半年信息消费示范城市建设进展情况", BODY)
    )
    assert meta.city == "杭州市"  # the strongest source's value, as a suggestion
    assert "city" in meta.unconfirmed and not meta.confirmed
    assert "标题为“杭州市”" in meta.unconfirmed["city"]
    assert "文件名为“宁波市”" in meta.unconfirmed["city"]
    assert warnings == [f"发文单位待确认：{meta.unconfirmed['city']}"]
    assert not re.search("[A-Za-z]", warnings[0])  # evaluators read Chinese


def test_warnings_are_chinese():
    _, warnings = recognise("新建文档", [])
    assert warnings and all(not re.search("[A-Za-z]", w) for w in warnings)


# --- levels ---------------------------------------------------------------------------------


def test_district_resolves_to_its_city_and_province():
    meta, _ = recognise("x", blocks("淮安市洪泽区2016年上半年信息消费示范工作进展情况", BODY))
    assert (meta.city, meta.level, meta.parent, meta.province, meta.code) == (
        "洪泽区",
        "county",
        "淮安市",
        "江苏省",
        "320813",
    )
    assert meta.confirmed


def test_county_that_became_a_district_keeps_its_old_name():
    # 洪泽县 became 洪泽区 in 2016; 2016 reports still say 县.
    meta, _ = recognise("x", blocks("洪泽县2016年上半年信息消费工作进展情况", BODY))
    assert (meta.city, meta.parent) == ("洪泽区", "淮安市")
    assert meta.evidence["city"][0].text == "洪泽县"
    assert city_named("临安市").name == "临安区"  # 撤市设区 2017


def test_historical_prefectures_kept():
    meta, _ = recognise("x", blocks("莱芜市2016年信息消费示范城市建设工作总结", BODY))
    assert (meta.city, meta.level, meta.province) == ("莱芜市", "city", "山东省")
    assert city_named("那曲地区").name == "那曲市"
    assert city_named("襄樊市").name == "襄阳市"


def test_province_report_naming_cities_on_page_one_is_the_provinces():
    meta, _ = recognise(
        "x",
        blocks(
            "浙江省2016年信息消费示范城市建设进展情况",
            "杭州市光纤用户达到300万户，宁波市4G基站超过2万个，温州市电商交易额增长30%。",
        ),
    )
    assert (meta.city, meta.level) == ("浙江省", "province") and "city" not in meta.unconfirmed
    # With no title naming anyone, the first page alone is weak evidence: the province that
    # its cities belong to, as a suggestion.
    meta, _ = recognise(
        "进展情况",
        blocks(
            "信息消费示范城市建设进展情况",
            "浙江省各示范城市进展顺利：杭州市光纤用户达到300万户，宁波市4G基站超过2万个。",
        ),
    )
    assert meta.city == "浙江省" and "仅有首页" in meta.unconfirmed["city"]
    meta, _ = recognise(
        "进展情况",
        blocks(
            "信息消费示范城市建设进展情况",
            "全省进展顺利：杭州市光纤用户300万户，宁波市4G基站2万个。",
        ),
    )
    assert meta.city == "浙江省" and meta.evidence["city"][0].text == "全省"


def test_unit_before_guanyu_issues_and_two_units_in_a_title_disagree():
    meta, _ = recognise("x", blocks("浙江省人民政府关于支持杭州市建设信息消费示范城市的意见", BODY))
    assert meta.city == "浙江省" and "city" not in meta.unconfirmed
    meta, _ = recognise("x", blocks("杭州市、宁波市2016年信息消费示范城市建设工作总结", BODY))
    assert "city" in meta.unconfirmed


def test_city_mentioned_in_the_body_is_not_the_issuer():
    meta, _ = recognise(
        "x",
        blocks(
            "宁波市2016年上半年信息消费示范城市建设进展情况",
            "我市与杭州市、上海市签订合作协议，学习杭州市经验，杭州市……",
        ),
    )
    assert meta.city == "宁波市" and meta.confirmed


def test_autonomous_prefecture_and_league_and_municipality():
    assert city_named("黔东南州").name == "黔东南苗族侗族自治州"
    assert city_named("锡林郭勒盟").level == "city"
    beijing = city_named("北京")
    assert (beijing.name, beijing.level) == ("北京市", "province")
    haidian = city_named("北京市海淀区")
    assert (haidian.name, haidian.parent, haidian.province) == ("海淀区", "北京市", "北京市")


def test_shared_county_name_needs_its_city():
    assert city_named("鼓楼区") is None  # 南京, 福州, 徐州, 开封
    assert city_named("南京市鼓楼区").parent == "南京市"
    [mention] = find_divisions("鼓楼区召开会议")
    assert mention.unit is None and len(mention.candidates) == 4


# --- evidence sources -----------------------------------------------------------------------


def test_organ_line_gives_the_issuer():
    doc = [
        Block("paragraph", "杭州市经济和信息化委员会", 1),
        Block("title", "关于2016年上半年信息消费示范城市建设工作进展情况的报告", 1),
        Block("paragraph", BODY, 1),
    ]
    meta, _ = recognise("报告", doc)
    assert meta.city == "杭州市" and meta.evidence["city"][0].source == "organ"
    assert (meta.year, meta.period, meta.kind) == (2016, "H1", "progress") and meta.confirmed


def test_doc_number_names_the_city():
    doc = [
        Block("paragraph", "杭政办〔2016〕12号", 1),
        Block("title", "关于2016年信息消费示范城市建设工作情况的报告", 1),
        Block("paragraph", BODY, 1),
    ]
    meta, _ = recognise("报告", doc)
    assert meta.city == "杭州市" and meta.evidence["city"][0].source == "doc_number"
    assert "仅有文号" in meta.unconfirmed["city"]  # an abbreviation alone is a suggestion
    # With the signature saying the same, it is settled.
    meta, _ = recognise("报告", [*doc, Block("paragraph", "杭州市人民政府办公厅", 2)])
    assert meta.city == "杭州市" and "city" not in meta.unconfirmed
    assert [e.source for e in meta.evidence["city"]][:2] == ["doc_number", "signature"]
    assert city_named("宁波").name == "宁波市"


def test_addressee_is_not_the_issuer_and_doc_number_is_not_the_title():
    doc = [
        Block("paragraph", "宁波市经济和信息化委员会", 1),
        Block("paragraph", "甬经信〔2016〕88号", 1),
        Block("title", "关于报送2016年上半年信息消费示范城市建设工作进展情况的报告", 1),
        Block("paragraph", "省经信委：", 1),  # the addressee opens the body
        Block("paragraph", "浙江省经济和信息化委员会近日部署……" + BODY, 1),
    ]
    meta, _ = recognise("进展", doc)
    assert meta.title == "关于报送2016年上半年信息消费示范城市建设工作进展情况的报告"
    assert (meta.city, meta.period) == ("宁波市", "H1") and meta.confirmed
    assert [e.source for e in meta.evidence["city"]][:2] == ["organ", "doc_number"]


def test_signature_block_gives_issuer_and_year():
    meta, _ = recognise(
        "工作总结",
        blocks(
            "信息消费示范城市建设全年工作总结",
            BODY,
            last=("宁波市经济和信息化委员会", "二〇一六年十一月二十五日"),
        ),
    )
    assert (meta.city, meta.year, meta.period) == ("宁波市", 2016, "FY")
    assert meta.evidence["city"][0].source == "signature"
    assert meta.evidence["year"][0].source == "signature" and meta.confirmed


def test_signed_in_january_may_speak_of_the_year_before():
    meta, _ = recognise(
        "工作总结",
        blocks(
            "信息消费示范城市建设全年工作总结",
            BODY,
            last=("宁波市经济和信息化委员会", "2017年1月5日"),
        ),
    )
    assert meta.year == 2017 and "year" in meta.unconfirmed


def test_folder_names_are_evidence_and_tell_same_named_files_apart():
    stem, doc = "2016全年总结_final(1)", blocks("2016年信息消费示范城市建设工作总结", BODY)
    hangzhou, _ = recognise(stem, doc, folders=("浙江省", "杭州市"))
    ningbo, _ = recognise(stem, doc, folders=("浙江省", "宁波市"))
    assert (hangzhou.city, ningbo.city) == ("杭州市", "宁波市")  # innermost folder first
    assert hangzhou.evidence["city"][0].source == "folder"
    assert "仅有文件夹名" in hangzhou.unconfirmed["city"]
    # A folder naming the province agrees with a title naming its city.
    meta, _ = recognise(
        stem, blocks("杭州市2016年信息消费示范城市建设工作总结"), folders=("浙江省",)
    )
    assert meta.city == "杭州市" and meta.confirmed


def test_folders_reach_recognise_through_the_readers(tmp_path):
    path = tmp_path / "2016全年总结_final(1).txt"
    path.write_text("2016年信息消费示范城市建设工作总结\n\n" + BODY + "\n", "utf-8")
    assert read_document(path, folders=("宁波市",)).metadata.city == "宁波市"
    outcome = extract_file(path, folders=("杭州市",))
    assert outcome.metadata.evidence["city"][0].source == "folder"
    assert outcome.metadata.city == "杭州市"
    [outcome] = extract_files([path], folders={str(path): ("温州市",)})
    assert outcome.metadata.city == "温州市"
    assert read_document(path).metadata.city is None  # every old call still works


# --- year and period ------------------------------------------------------------------------


def test_stray_half_year_in_the_body_is_no_evidence():
    title = "杭州市2016年信息消费示范城市建设工作总结"
    meta, _ = recognise("总结", blocks(title, "近半年来，我市加快推进，半年内新增光纤用户20万户。"))
    assert meta.period == "FY"
    # With nothing in the title or file name, a bare 半年 does not make it H1.
    meta, _ = recognise(
        "汇报", blocks("杭州市信息消费示范城市建设情况汇报", "近半年来，半年内新增光纤用户20万户。")
    )
    assert meta.period is None and "period" in meta.unconfirmed
    # An explicit 上半年 on the first page is a suggestion, never a confirmed value.
    meta, _ = recognise(
        "汇报",
        blocks("杭州市信息消费示范城市建设情况汇报", "2016年上半年，我市新增光纤用户20万户。"),
    )
    assert meta.period == "H1" and "仅有首页" in meta.unconfirmed["period"]


def test_government_work_report_delivered_in_january():
    # The 2017 report reviews 2016; its year is the report's own (docs/metadata.md), no period.
    doc = [
        Block("paragraph", "各位代表：", 1),
        Block("paragraph", "现在，我代表杭州市人民政府，向大会报告政府工作，请予审议。", 1),
        Block("heading", "一、2016年工作回顾", 1),
        Block("paragraph", "2016年，全市生产总值增长9.5%。" * 4, 1),
    ]
    meta, _ = recognise("2017年杭州市政府工作报告", doc)
    assert (meta.city, meta.year, meta.period, meta.kind) == ("杭州市", 2017, None, "work_report")
    assert meta.confirmed
    assert any(e.source == "rule" for e in meta.evidence["year"])


def test_budget_has_no_period_and_is_the_budget_years():
    meta, _ = recognise(
        "x",
        blocks(
            "关于浙江省2016年预算执行情况和2017年预算草案的报告",
            "——2017年1月16日在浙江省第十二届人民代表大会第五次会议上",
            "各位代表：",
        ),
    )
    assert (meta.city, meta.year, meta.period, meta.kind) == ("浙江省", 2017, None, "budget")
    assert meta.confirmed


def test_disclosure_report_is_full_year_and_bulletin_is_statistics():
    meta, _ = recognise("x", blocks("杭州市2016年政府信息公开工作年度报告", BODY))
    assert (meta.kind, meta.year, meta.period) == ("disclosure", 2016, "FY") and meta.confirmed
    meta, _ = recognise("x", blocks("2016年杭州市国民经济和社会发展统计公报", "杭州市统计局"))
    assert (meta.kind, meta.year, meta.period) == ("statistics", 2016, "FY") and meta.confirmed


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("国务院关于2016年度中央预算执行和其他财政收支的审计工作报告", "other"),
        ("关于杭州市审计查出问题整改情况的报告", "other"),
        ("杭州市人民政府关于印发杭州市信息消费发展规划的通知", "plan"),
        ("宁波市信息消费典型应用案例汇编", "applications"),
        ("杭州市2016年上半年信息消费示范城市建设进展情况", "progress"),
        ("开票通知单", "other"),
    ],
)
def test_kinds(title, kind):
    meta, _ = recognise("x", blocks(title, BODY))
    assert meta.kind == kind


def test_national_document_has_no_issuer_and_is_not_flagged():
    meta, _ = recognise(
        "x",
        blocks(
            "国务院关于2016年度中央预算执行和其他财政收支的审计工作报告",
            "北京市、上海市、浙江省、广东省等地区……",
        ),
    )
    assert meta.city is None and "city" not in meta.unconfirmed and meta.year == 2016


# --- words that are not places --------------------------------------------------------------


def test_a_persons_name_is_not_a_city():
    # OCR of a book cover: 郑南宁 is the author.
    meta, _ = recognise(
        "page2", [Block("paragraph", "计算机视觉与模式识别", 1), Block("paragraph", "郑南宁著", 1)]
    )
    assert meta.city is None
    assert find_divisions("郑南宁 著") == []
    assert [m.unit.name for m in find_divisions("江苏南京2016年")] == ["南京市"]
    assert [m.unit.name for m in find_divisions("南宁市2016年")] == ["南宁市"]


@pytest.mark.parametrize(
    "text",
    ["长治久安", "世界大同", "平安安康", "阿里巴巴", "文山会海", "大理石", "河北区域协同发展"],
)
def test_ordinary_words_are_not_cities(text):
    assert find_divisions(text) == []


def test_company_or_school_named_after_a_city_is_not_the_issuer():
    meta, _ = recognise(
        "x", blocks("重庆万州经济技术开发（集团）有限公司2021年度第二期债务融资工具定向募集说明书")
    )
    assert meta.city is None and meta.kind == "other" and meta.year == 2021
    assert find_divisions("北京师范大学") == []
    assert [m.unit.name for m in find_divisions("江西省中小学教师招聘")] == ["江西省"]


def test_traditional_characters_read_the_same():
    meta, _ = recognise("x", blocks("杭州市2016年上半年信息消費示範城市建設進展情況", BODY))
    assert (meta.city, meta.year, meta.period, meta.kind) == ("杭州市", 2016, "H1", "progress")
    assert meta.confirmed
    meta, _ = recognise("x", blocks("臺灣省2016年統計公報"))
    assert meta.city == "台湾省"


def test_no_text_leaves_everything_for_the_evaluator():
    meta, _ = recognise("Guangdong_test", [])
    assert meta.city == "广东省"  # pinyin in the file name, as a suggestion
    assert set(meta.unconfirmed) == {"city", "year", "kind"}


def test_chinese_year():
    assert chinese_year("二〇一六年") == 2016
    assert chinese_year("二零一七") == 2017


def test_unknown_stays_unknown():
    meta, _ = recognise("新建文档", blocks("关于开展工作的通知"))
    assert (meta.city, meta.year, meta.period) == (None, None, None)


# --- the bundled samples --------------------------------------------------------------------


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
        assert meta.confirmed, (name, meta.unconfirmed)


def test_sample_doc_found_by_title(samples, soffice):
    meta = read_document(samples / "2016全年总结_final(1).doc").metadata
    assert (meta.city, meta.year, meta.period) == ("郑州市", 2016, "FY")
    assert meta.evidence["city"][0].source == "title"
