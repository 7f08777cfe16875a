"""Figures in time (issue 13): the date each figure speaks of and its role, read from the column
header, the clause, the heading or the submission; from→to pairs; 新增 vs 累计 vs 同比增长; and the
same on real documents from ../shared/realdocs with dates known from their text."""

from __future__ import annotations

import pytest

from classify import When, as_of_label, date_figures, date_table_figures, find_figures
from classify.figure_time import date_marks, single_date
from classify.table_figures import figures_in_table
from classify.table_totals import total_mismatches
from corpus.analysis import passage_figures
from extract import read_document, to_passages
from extract.vocabulary import FigureRole

FY, H1 = When(2016, "FY"), When(2016, "H1")


def timed(text: str, when: When = FY, heading: str = "") -> list[tuple]:
    return [
        (f.raw, f.value, f.role, f.as_of)
        for f in date_figures(text, find_figures(text), when, heading)
    ]


def test_from_to_pair_gives_a_baseline_and_a_linked_current():
    figures = date_figures(
        text := "全市城市家庭宽带接入能力由2M提升至50M以上。", find_figures(text), FY
    )
    base, current = figures
    assert (base.value, base.role, base.as_of) == (2, "baseline", None)  # the text gives no date
    assert (current.value, current.role, current.as_of) == (50, "current", "2016-12-31")
    assert base.pair_start == current.start and current.pair_start == base.start
    # 由年初的88%: the base's date is the year's start, the current's the submission's
    assert timed("政务信息系统互联互通率由年初的88%提升至97%。") == [
        ("88%", 88, "baseline", "2015-12-31"),
        ("97%", 97, "current", "2016-12-31"),
    ]


def test_increment_total_and_rate_of_change():
    assert timed(
        "截至2016年11月底，全市新增农村宽带用户3.2万户，累计达到41.5万户，同比增长15%。"
    ) == [
        ("3.2万户", 32000, "change", "2016-11-30"),
        ("达到41.5万户", 415000, "current", "2016-11-30"),
        ("15%", 15, "change", "2016-11-30"),
    ]
    # 新建…达到86%: the rate reached, not an increment
    assert timed("新建通信铁塔共享率达到86%以上。", H1)[0][2:] == ("current", "2016-06-30")


def test_dates_from_the_clause_and_references_that_are_not_dates():
    rows = timed(
        "2015年底，全市20M以上宽带用户占比为41.2%；截至11月底，该比例提高到81.3%，较年初提高40.1个百分点。"
    )
    assert rows[1] == ("41.2%", 41.2, "baseline", "2015-12-31")
    assert rows[2] == ("81.3%", 81.3, "current", "2016-11-30")  # 11月底 is the report's year
    assert rows[3] == ("40.1个百分点", 40.1, "change", "2016-11-30")  # 较年初 is the base
    assert timed("1-6月，全市网络零售额完成1486.3亿元。", H1)[0][3] == "2016-06-30"
    assert timed("上半年，全市光纤入户用户达到120万户。", H1)[0][2:] == ("current", "2016-06-30")
    # 以来 names a start, 《…》 a title: neither dates the figure
    assert timed("2014年以来，全市累计建成4G基站4.6万个。")[0][3] == "2016-12-31"
    assert timed("依据《2015年工作方案》，全市建成4G基站4.6万个。")[0][3] == "2016-12-31"


def test_plans_and_targets():
    assert timed("力争到2017年底，20M以上宽带用户比例达到90%。")[-1] == (
        "达到90%",
        90,
        "plan",
        "2017-12-31",
    )
    assert timed("全年计划新建4G基站3000个以上。", H1)[0][2:] == ("plan", "2016-12-31")
    assert timed("年度目标为光纤入户用户达到400万户。")[0][2] == "target"


def test_the_submission_and_the_heading_when_the_text_names_no_date():
    assert timed("全市4G基站达到4.6万个。", H1)[0][3] == "2016-06-30"
    assert timed("全市4G基站达到4.6万个。", When(None, None))[0][3] is None
    assert timed("全市4G基站达到4.6万个。", FY, heading="一、截至2016年10月底主要进展")[0][3] == (
        "2016-10-31"
    )
    # a heading naming two dates settles nothing
    two = "关于2023年预算执行情况和2024年预算草案的报告"
    assert single_date(two, 2023) is None


def test_table_value_takes_its_date_from_its_column_and_its_indicator_from_its_row():
    rows = [
        ["指标", "2015年底", "2016年11月底", "指南目标"],
        ["城市光纤网络覆盖率", "93%", "100%", "全覆盖"],
        ["20M以上宽带用户占比", "41.2%", "80.5%", "50%以上"],
        ["信息消费规模", "1786亿元（全年）", "1782.6亿元（1-10月）", "增长15%以上"],
    ]
    got = [
        (f.raw, f.role, f.as_of, f.indicator)
        for f in date_table_figures(rows, figures_in_table(rows), FY)
    ]
    assert got[:5] == [
        ("93%", "baseline", "2015-12-31", "fibre_coverage"),
        ("100%", "current", "2016-11-30", "fibre_coverage"),
        ("41.2%", "baseline", "2015-12-31", "broadband_20m_share"),
        ("80.5%", "current", "2016-11-30", "broadband_20m_share"),
        ("50%以上", "target", "2016-12-31", "broadband_20m_share"),
    ]
    assert got[5][1:3] == ("baseline", "2015-12-31") and got[6][1:3] == ("current", "2016-11-30")
    assert got[7][1] == "target"


def test_table_change_column_and_first_half_report():
    rows = [
        ["指标", "2015年底", "2016年6月底", "增幅"],
        ["固定宽带家庭普及率", "88.5%", "91.2%", "提高2.7个百分点"],
        ["4G基站数", "2.8万个", "3.45万个", "23.2%"],
    ]
    got = [(f.value, f.role, f.as_of) for f in date_table_figures(rows, figures_in_table(rows), H1)]
    assert got == [
        (88.5, "baseline", "2015-12-31"),
        (91.2, "current", "2016-06-30"),
        (2.7, "change", "2016-06-30"),
        (28000, "baseline", "2015-12-31"),
        (34500, "current", "2016-06-30"),
        (23.2, "change", "2016-06-30"),
    ]


def test_every_role_is_a_vocabulary_role_and_dates_read_as_evaluators_read_them():
    text = "截至11月底，全市新增4G用户86万户，4G用户总数达到425万户，由2015年底的62%提高到71%。"
    roles = {f.role for f in date_figures(text, find_figures(text), FY)}
    assert roles <= set(FigureRole)
    assert as_of_label("2016-11-30", "month") == "2016年11月底"
    assert as_of_label("2015-12-31", "month") == "2015年底"
    assert as_of_label("2016-06-30", "half") == "2016年上半年"
    assert as_of_label("2016-12-31", "year") == "2016年"
    assert as_of_label(None, None) == "日期不详"
    assert [m.reference for m in date_marks("比上年增长13.3%，较年初提高")] == [True, True]


def test_total_row_that_does_not_add_up():
    rows = [
        ["区县", "光纤用户（万户）", "4G基站（个）"],
        ["上城区", "12.5", "1200"],
        ["下城区", "10.0", "900"],
        ["其中：新城", "3.0", "300"],
        ["西湖区", "20.1", "1500"],
        ["合计", "42.6", "3700"],
    ]
    found = total_mismatches(rows)
    assert [(m.header, m.stated, m.summed, m.items) for m in found] == [
        ("4G基站（个）", 3700, 3600, 3)
    ]
    rows[-1][2] = "3600"
    assert total_mismatches(rows) == []


# Real documents: sentences whose dates the text itself makes certain -------------------------

BULLETIN = (
    "squankw__2023年洛阳市国民经济和社会发展统计公报.docx"  # in fact 黔东南州's 2016 bulletin
)
ANHUI = "ocrplayground__Anhui.pdf"  # 安徽省2023年预算执行情况和2024年预算草案的报告


@pytest.fixture(scope="module")
def bulletin_figures(request):
    from tests.conftest import REALDOCS

    path = REALDOCS / BULLETIN
    if not path.exists():
        pytest.fail(f"realdocs fixture {BULLETIN} is not present ({path} is missing)")
    doc = read_document(path)
    passages = to_passages(doc)
    return [
        (p.text, f)
        for p, fs in zip(passages, passage_figures(doc, passages, When(2016, None)), strict=True)
        for f in fs
    ]


def _figure(found, sentence: str, raw: str):
    return next(f for text, f in found if sentence in text and f.raw == raw)


def test_bulletin_growth_over_the_previous_year_is_a_change_as_of_the_report_year(
    bulletin_figures,
):
    gdp = _figure(bulletin_figures, "全年地区生产总值939.05亿元", "939.05亿元")
    growth = _figure(bulletin_figures, "全年地区生产总值939.05亿元", "13.3%")
    assert (gdp.role, gdp.as_of, gdp.precision) == ("current", "2016-12-31", "year")
    assert (growth.role, growth.as_of) == ("change", "2016-12-31")
    deposits = _figure(bulletin_figures, "住户存款余额750.68亿元", "13.7%")
    assert (deposits.role, deposits.as_of) == ("change", "2016-12-31")  # 比年初 is the base
    roads = _figure(bulletin_figures, "截至2016年底，全州公路总里程", "达29479公里")
    assert (roads.role, roads.as_of, roads.as_of_source) == ("current", "2016-12-31", "clause")
    added = _figure(bulletin_figures, "新增有效灌溉面积0.24万公顷", "0.24万公顷")
    assert added.role == "change"
    # The bulletin's table 表2: 绝对数 and 比上年增长 columns
    growth_cells = [
        f for _, f in bulletin_figures if f.row is not None and f.unit == "%" and f.role == "change"
    ]
    assert growth_cells and all(f.as_of == "2016-12-31" for f in growth_cells)


def test_budget_report_figures_of_its_year_and_plans_of_the_next(realdoc):
    doc = read_document(realdoc(ANHUI))
    passages = to_passages(doc)
    found = [
        (p.text, f)
        for p, fs in zip(passages, passage_figures(doc, passages, When(2023, None)), strict=True)
        for f in fs
    ]
    spent = _figure(found, "全省一般公共预算支出8638.1亿元", "8638.1亿元")
    assert (spent.role, spent.as_of) == ("current", "2023-12-31")
    assert _figure(found, "全省一般公共预算支出8638.1亿元", "3.1%").role == "change"
    next_year = _figure(found, "2024年省级统筹安排20亿元", "20亿元")
    assert (next_year.role, next_year.as_of) == ("plan", "2024-12-31")
