"""Figures (issue 5): numerals, the extraction pipeline's steps, tables, the indicator catalogue
and target checks. The example sentences are written for these tests in the style of the reports."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from classify import figures as fg
from classify import table_figures as tf
from classify.figures import Figure, check_figure, find_figures
from classify.indicators import (
    CATALOGUE_PATH,
    Catalogue,
    CatalogueError,
    UnknownIndicator,
    check_target,
    load_catalogue,
    resolve,
)
from classify.numerals import (
    fold,
    multiplier_tail,
    parse_chinese,
    parse_chinese_integer,
    parse_numeral,
    split_suffix,
    to_chinese,
)
from classify.table_figures import figures_in_table


def only(text: str, catalogue: Catalogue | None = None) -> Figure:
    """The single figure of `text`; fails when there is none or more than one."""
    found = find_figures(text, catalogue=catalogue)
    assert len(found) == 1, found
    return found[0]


def last(text: str) -> Figure:
    """The last figure of `text` (20M in "20M以上宽带用户占比达到90%" is a figure too)."""
    return find_figures(text)[-1]


def pairs(text: str) -> list[tuple[float, str]]:
    return [(f.value, f.unit) for f in find_figures(text)]


# Numerals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一万二千", 12000),
        ("二十", 20),
        ("两千", 2000),
        ("十", 10),
        ("十五", 15),
        ("十万", 100_000),
        ("一百零五", 105),
        ("一千零五十", 1050),
        ("三万亿", 3_000_000_000_000),
        ("一亿二千万", 120_000_000),
        ("二〇一六", 2016),
        ("一〇", 10),
        ("零", 0),
        ("百", 100),
        ("千", 1000),
        ("万", 10_000),
        ("一万二", 12000),  # spoken elision
        ("三千五", 3500),
        ("贰仟", 2000),  # financial forms
    ],
)
def test_chinese_integers(text, value):
    assert parse_chinese_integer(text) == value


@pytest.mark.parametrize("text", ["十十", "一二百", "百千", "万x", ""])
def test_malformed_chinese_is_none(text):
    assert parse_chinese_integer(text) is None


def test_chinese_decimals():
    assert parse_chinese("三点五") == 3.5
    assert parse_chinese("一点二万") == 12000
    assert parse_chinese("点五") == 0.5
    assert parse_chinese("三点") is None


@pytest.mark.parametrize(
    ("text", "value", "suffix"),
    [
        ("1.2万", 12000, None),
        ("3千", 3000, None),
        ("20.38亿", 2_038_000_000, None),
        ("5000万", 50_000_000, None),
        ("5千万", 50_000_000, None),
        ("1536.2亿", 153_620_000_000, None),  # exactly, not 153620000000.00002
        ("12,345.5", 12345.5, None),
        ("１２０", 120, None),  # full-width
        ("三千余", 3000, "余"),
        ("十余万", 100_000, "余"),
        ("二十多", 20, "多"),
        ("1万多", 10_000, "多"),
        ("十几", 10, "几"),
        ("4300余万", 43_000_000, "余"),
        ("百分之十五", 15, None),
        ("百分之三点五", 3.5, None),
        ("52.3%", 52.3, None),
    ],
)
def test_parse_numeral(text, value, suffix):
    numeral = parse_numeral(text)
    assert numeral is not None
    assert numeral.value == value
    assert numeral.suffix == suffix


def test_percent_forms_are_marked():
    assert parse_numeral("百分之十五").percent is True
    assert parse_numeral("１５％").percent is True
    assert parse_numeral("十五").percent is False


def test_split_suffix_and_multiplier_tail():
    assert split_suffix("三千余") == ("三千", "余")
    assert split_suffix("15") == ("15", None)
    assert multiplier_tail("5万") == "万"
    assert multiplier_tail("3千万") == "千万"
    assert multiplier_tail("五万") == "万"
    assert multiplier_tail("五十") == ""
    assert multiplier_tail("15") == ""


def test_fold_keeps_offsets():
    text = "占比达到７８．５％，用户１２萬戶"
    folded = fold(text)
    assert folded == "占比达到78.5%，用户12万户"
    assert len(folded) == len(text)


def test_to_chinese_examples():
    assert to_chinese(12000) == "一万二千"
    assert to_chinese(105) == "一百零五"
    assert to_chinese(15) == "十五"
    assert to_chinese(100_010_000) == "一亿零一万"
    assert to_chinese(0) == "零"
    with pytest.raises(ValueError):
        to_chinese(-1)


@given(st.integers(min_value=0, max_value=10**16 - 1))
def test_arabic_to_chinese_round_trip(n):
    assert parse_chinese_integer(to_chinese(n)) == n
    if n < 2**53:  # a float holds every integer up to 2**53 exactly
        assert parse_numeral(to_chinese(n)).value == n


@given(st.integers(min_value=1, max_value=10**7 - 1), st.sampled_from(["万", "亿", "千"]))
def test_arabic_with_multiplier(n, multiplier):
    factor = {"千": 1000, "万": 10_000, "亿": 100_000_000}[multiplier]
    assert parse_numeral(f"{n}{multiplier}").value == n * factor


@given(st.integers(min_value=0, max_value=99_999), st.integers(min_value=0, max_value=99))
def test_decimal_with_wan_is_exact(whole, hundredths):
    text = f"{whole}.{hundredths:02d}万"
    assert parse_numeral(text).value == (whole * 100 + hundredths) * 100


@given(st.integers(min_value=0, max_value=10**9))
def test_full_width_digits_fold(n):
    full = "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    assert parse_numeral(full).value == n


# Numeral forms in sentences --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("全市累计建成基站一万二千个", 12000, "个"),
        ("覆盖率提高到百分之十五", 15, "%"),
        ("覆盖率为百分之三点五", 3.5, "%"),
        ("入驻企业三千余家", 3000, "家"),
        ("培育示范企业二十个", 20, "个"),
        ("新增用户两千户", 2000, "户"),
        ("建成站点1.2万个", 12000, "个"),
        ("完成投资20.38亿元", 2_038_000_000, "元"),
        ("签约项目3千项", 3000, "项"),
        ("建成十个示范社区", 10, "个"),
        ("完成改造一百零五个小区", 105, "个"),
        ("用户占比达到５２．３％", 52.3, "%"),
        ("用户达１２萬戶", 120_000, "户"),
    ],
)
def test_numeral_forms_in_prose(text, value, unit):
    figure = only(text)
    assert (figure.value, figure.unit) == (value, unit)


def test_other_numeral_forms():
    assert pairs("建成一〇〇个站点") == [(100, "个")]  # 〇 as the zero digit
    assert pairs("实现百分之百覆盖") == [(100, "%")]
    assert pairs("覆盖率提高零点五个百分点") == [(0.5, "个百分点")]
    assert pairs("用户1,234,567户") == [(1_234_567, "户")]


def test_negative_numbers_after_a_label():
    figure = only("本期比上年同期增减：-16.55%")
    assert (figure.value, figure.raw, figure.kind) == (-16.55, "-16.55%", "change")


def test_traditional_characters():
    text = "截至6月底，全市光纖入戶用戶達到326萬戶，20M以上寬帶用戶佔比達到82.6%。"
    found = find_figures(text)
    assert [(f.value, f.unit, f.cmp, f.indicator) for f in found] == [
        (3_260_000, "户", ">=", "ftth_users"),
        (20, "Mbps", ">", None),
        (82.6, "%", ">=", "broadband_20m_share"),
    ]
    assert found[0].raw == "達到326萬戶"
    assert found[0].period == "H1"


def test_approximate_suffixes_are_reported_apart():
    figure = only("入驻企业三千余家")
    assert figure.approx is True
    assert figure.value == 3000
    assert only("服务企业二十多家").approx is True
    assert only("孵化团队十几个").approx is True
    assert only("孵化团队十几个").value == 10


# Units -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("覆盖率达到52.3%", 52.3, "%"),
        ("比去年提高3个百分点", 3, "个百分点"),
        ("占比提高2.5百分点", 2.5, "个百分点"),
        ("信息消费规模20.38亿元", 2_038_000_000, "元"),
        ("安排资金5000万元", 50_000_000, "元"),
        ("人均补贴3.5万元", 35_000, "元"),
        ("补贴800元", 800, "元"),
        ("进出口额69.8亿美元", 6_980_000_000, "美元"),
        ("光纤用户253万户", 2_530_000, "户"),
        ("建成站点1.2万个", 12_000, "个"),
        ("服务1460万人次", 14_600_000, "人次"),
        ("发放门禁卡3万张", 30_000, "张"),
        ("安装水表31.2万只", 312_000, "只"),
        ("借阅图书30万册次", 300_000, "册次"),
        ("远程会诊5.6万例", 56_000, "例"),
        ("智能快递柜4300组", 4300, "组"),
        ("覆盖家庭1.5万家庭", 15_000, "家庭"),
        ("推出新品130款", 130, "款"),
        ("原创动画2.1万分钟", 21_000, "分钟"),
        ("排队时间减少1.5小时", 1.5, "小时"),
        ("办结时间为5个工作日", 5, "工作日"),
        ("建设周期6个月", 6, "个月"),
        ("产量增长1.5倍", 1.5, "倍"),
        ("回收电子废弃物300吨", 300, "吨"),
        ("建设用地120亩", 120, "亩"),
        ("建成面积8万平方米", 80_000, "平方米"),
        ("覆盖面积120平方公里", 120, "平方公里"),
        ("光缆线路4800皮长公里", 4800, "公里"),
        ("光缆线路9.6万芯公里", 96_000, "公里"),
        ("新建管道350千米", 350, "公里"),
        ("新建管道35公里", 35, "公里"),
        ("存储容量120TB", 120, "TB"),
        ("数据量达到3PB", 3, "PB"),
        ("每户流量2GB", 2, "GB"),
        ("装机容量40MW", 40, "MW"),
        ("节电1.2亿千瓦时", 120_000_000, "千瓦时"),
        ("光伏装机5万千瓦", 50_000, "千瓦"),
        ("项目建设期3年", 3, "年"),
        ("举办培训班36期", 36, "期"),
    ],
)
def test_units(text, value, unit):
    figure = only(text)
    assert (figure.value, figure.unit) == (value, unit)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("接入速率提升到20M", 20),
        ("接入速率提升到20Mbps", 20),
        ("接入速率提升到20 Mbps", 20),
        ("接入速率提升到20兆", 20),
        ("推广百兆宽带", 100),
        ("开展千兆入户试点", 1000),
        ("出口带宽1G", 1000),
        ("出口带宽1Gbps", 1000),
        ("骨干网升级到10G", 10_000),
        ("城域网出口带宽达到3T", 3_000_000),
        ("城域网出口带宽4.2T", 4_200_000),
    ],
)
def test_bandwidth_is_in_mbps(text, value):
    figure = only(text)
    assert (figure.value, figure.unit) == (value, "Mbps")


def test_canonical_unit_step():
    assert fg.canonical_unit(1, "G") == (1000, "Mbps")
    assert fg.canonical_unit(5, "千米") == (5, "公里")
    assert fg.canonical_unit(3, "百分点") == (3, "个百分点")
    assert fg.canonical_unit(7, "栋") == (7, "栋")


def test_ascii_unit_does_not_run_into_a_word():
    assert find_figures("工作频段20MHz") == []


# Comparators and approximations -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cmp", "raw"),
    [
        ("覆盖率超过50%", ">", "超过50%"),
        ("用户数突破100万户", ">", "突破100万户"),
        ("服务企业逾2000家", ">", "逾2000家"),
        ("占比高于60%", ">", "高于60%"),
        ("速率大于20M", ">", "大于20M"),
        ("占比达到52.3%", ">=", "达到52.3%"),
        ("覆盖率不低于95%", ">=", "不低于95%"),
        ("开放数据集不少于200个", ">=", "不少于200个"),
        ("宽带用户比例80%以上", ">", "80%以上"),
        ("宽带用户比例80%及以上", ">=", "80%及以上"),
        ("故障率3%以下", "<", "3%以下"),
        ("故障率不足3%", "<", "不足3%"),
        ("故障率低于3%", "<", "低于3%"),
        ("办结时限不超过5个工作日", "<=", "不超过5个工作日"),
        ("响应时间30分钟以内", "<=", "30分钟以内"),
        ("覆盖率≥95%", ">=", "≥95%"),
        ("项目投资1.2亿元", None, "1.2亿元"),
    ],
)
def test_comparators(text, cmp, raw):
    figure = only(text)
    assert figure.cmp == cmp
    assert figure.raw == raw
    assert text[figure.start : figure.end] == raw


def test_right_comparator_wins_over_left():
    figure = only("占比达到95%以上")
    assert figure.cmp == ">"
    assert figure.raw == "达到95%以上"


@pytest.mark.parametrize(
    ("text", "raw", "value"),
    [
        ("降低成本约30%", "约30%", 30),
        ("入驻企业近百家", "近百家", 100),
        ("服务企业430余家", "430余家", 430),
        ("订单量增长一倍多", "一倍多", 1),
        ("覆盖人口60万左右", None, None),  # no unit: not a figure
        ("覆盖率90%左右", "90%左右", 90),
        ("覆盖率90%上下", "90%上下", 90),
        ("参与群众上万人", "上万人", 10_000),
        ("达到近100%", "达到近100%", 100),
    ],
)
def test_approximations(text, raw, value):
    found = find_figures(text)
    if raw is None:
        assert found == []
        return
    assert len(found) == 1
    assert found[0].approx is True
    assert (found[0].raw, found[0].value) == (raw, value)


def test_approximation_and_comparator_together():
    figure = only("覆盖率达到近100%")
    assert (figure.cmp, figure.approx) == (">=", True)


def test_da_after_xia_is_not_a_comparator():
    figure = only("市财政下达3000万元")
    assert figure.cmp is None
    assert figure.raw == "3000万元"


def test_upstream_is_not_approximate():
    figure = only("带动100家上下游企业")
    assert figure.approx is False


def test_supermarket_is_not_a_comparator():
    assert only("覆盖大型超市86家").cmp is None


# Ranges ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("增速保持在15%至20%", [(15, "%"), (20, "%")]),
        ("增速保持在15%-20%", [(15, "%"), (20, "%")]),
        ("增速保持在15%～20%", [(15, "%"), (20, "%")]),
        ("增速保持在15-20%", [(15, "%"), (20, "%")]),
        ("每年新增3至5万户", [(30_000, "户"), (50_000, "户")]),
        ("投资500至1000万元", [(5_000_000, "元"), (10_000_000, "元")]),
        ("新增3万至5万户", [(30_000, "户"), (50_000, "户")]),
        ("新增三至五万户", [(30_000, "户"), (50_000, "户")]),
        ("建设周期2-3年", [(2, "年"), (3, "年")]),
    ],
)
def test_ranges_give_two_figures(text, expected):
    assert pairs(text) == expected


def test_range_offsets_are_each_numbers_own():
    text = "每年新增3至5万户"
    first, second = find_figures(text)
    assert (first.raw, second.raw) == ("3", "5万户")
    assert text[first.start : first.end] == "3"
    assert text[second.start : second.end] == "5万户"


def test_range_shares_kind():
    first, second = find_figures("同比增长15%至20%")
    assert first.kind == second.kind == "change"


def test_shared_percentage_point():
    found = find_figures("分别比6月底提高7.8个和15.3个百分点")
    assert [(f.value, f.unit, f.kind) for f in found] == [
        (7.8, "个百分点", "change"),
        (15.3, "个百分点", "change"),
    ]


# Kind --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("全市FTTH用户达到253万户", "level"),
        ("累计建成基站1.2万个", "level"),
        ("网络零售额同比增长15%", "change"),
        ("占比较去年提高3个百分点", "change"),
        ("产品不良率下降2.1%", "change"),
        ("进出口额增长1.5倍", "change"),
        ("企业平均降低成本约30%", "change"),
        ("增速达到15%", "change"),
        ("全年新增FTTH用户29万户", "level"),
        ("较去年底净增83万户", "level"),
        ("共享率提高到91%", "level"),
        ("接入部门增至53个", "level"),
        ("计划新增FTTH用户35万户", "target"),
        ("百兆以上用户占比力争达到70%", "target"),
        ("全年预计销售28万套", "target"),
        ("到2017年底建成基站3万个", "target"),
        ("年度目标为开放数据集350个", "target"),
        ("明年将新增热点5000个", "target"),
        ("拟新建众创空间20家", "target"),
        ("计划全年网络零售额增长20%以上", "target"),
    ],
)
def test_kind(text, kind):
    assert last(text).kind == kind


def test_kind_ignores_plan_words_in_titles_and_completed_targets():
    assert only("按照《三年行动计划》要求，建成基站3000个").kind == "level"
    assert only("提前完成年度目标，建成基站3000个").kind == "level"
    assert only("占年度计划的48.3%").kind == "level"
    assert only("计划单列市建成基站3000个").kind == "level"


def test_jiang_before_the_number_is_not_future():
    assert only("将62个项目纳入督查").kind == "level"


def test_coordinated_figures_share_kind():
    found = find_figures("网络零售额同比分别增长29.3%和34.8%")
    assert [f.kind for f in found] == ["change", "change"]


def test_kind_step_alone():
    text = "同比增长15%"
    scan = fg.TextScan.of(text)
    assert fg.kind_of(text, 4, "%", scan) == "change"
    assert fg.kind_of(text, 4, "%", scan, since=4) == "level"


# Period ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("上半年新增FTTH用户29万户", "H1"),
        ("截至6月底，全市FTTH用户326万户", "H1"),
        ("1-6月，信息消费规模436.8亿元", "H1"),
        ("1至6月实现网络零售额452.6亿元", "H1"),
        ("全年新建4G基站1.3万个", "FY"),
        ("截至年底，全市众创空间87家", "FY"),
        ("2016年全年实现收入2537亿元", "FY"),
        ("1-11月，全市网络零售额2612.7亿元", "FY"),
        ("截至10月底，全市FTTH用户368万户", "FY"),
        ("累计建成基站4.1万个", "cumulative"),
        ("截至目前，全市众创空间87家", "cumulative"),
        ("全市众创空间87家", None),
        ("比6月底提高7.8%", None),
    ],
)
def test_period(text, period):
    assert only(text).period == period


def test_nearest_period_marker_wins():
    first, second = find_figures("全年新建4G基站1.3万个，累计达到4.1万个")
    assert (first.period, second.period) == ("FY", "cumulative")


def test_first_three_quarters_is_full_year_to_date():
    assert only("前三季度，全市网络零售额2000亿元").period == "FY"


def test_label_before_a_colon_is_in_the_clause():
    assert only("光纤入户用户数：368万户").indicator == "ftth_users"
    assert only("增减：-2.1%").kind == "change"


def test_period_stops_at_sentence_end():
    assert only("上半年工作顺利。建成基站3000个").period is None


def test_period_carries_across_semicolons():
    found = find_figures("1-10月，信息消费规模1536.2亿元；网络零售额2612.7亿元")
    assert [f.period for f in found] == ["FY", "FY"]


# Not figures ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2016年，我市信息消费工作取得成效",
        "二〇一六年七月二十八日",
        "截至6月底，11月30日前报送",
        "2016-2018年三年行动",
        "2015—2017年",
        "第三季度和上半年情况",
        "一、总体情况（二）主要做法 3.下一步打算",
        "根据国发〔2013〕32号和浙政办发〔2016〕12号文件",
        "位居全国第3位，排名第2",
        "入选第一批示范城市",
        "位居全国前10名",
        "服务热线0571-87654321",
        "推进4G网络和5G试验网，发展3D打印",
        "推动工业2.0和互联网+行动",
        "12345热线和110报警平台",
        "采用Z3-600型设备",
        "符合GB/T 22239标准",
        "举办G20杭州峰会，发展O2O和B2B模式，部署IPv6",
        "全市共有企业3000",  # bare number, no unit
        "培育一批龙头企业",
        "走进千家万户",
        "构建一张网、一张图",
        "打通最后一公里",
        "实施三年行动计划",
        "近3年来持续推进",
        "每万人拥有宽带用户",
        "每百户家庭",
        "数十家企业和几百个团队",
        "统一个人信息",
        "会同发改等三部门",
        "推进一带一路建设",
        "千人计划专家",
        "万众创新",
        "建成百亿元产业集群",
        "建设2.4G无线网络",
        "一期工程和二期项目",
        "三年来持续推进",
        "会同三部委",
    ],
)
def test_not_figures(text):
    assert find_figures(text) == []


def test_item_number_before_a_name():
    assert pairs("2.4G基站累计达到4.1万个") == [(41_000, "个")]


def test_rejection_step_names_the_reason():
    text = "2016年"
    (candidate,) = fg.candidates(text)
    numeral = parse_numeral(candidate.number)
    comp = fg.comparison(text, candidate, numeral)
    assert fg.rejection(text, candidate, numeral, comp) == "year"


def test_candidates_step_alone():
    found = fg.candidates("3至5万户，百分之十五，20M")
    assert [(c.number, c.unit, c.pair) for c in found] == [
        ("3万", "户", 1),
        ("5万", "户", 2),
        ("十五", "%", 0),
        ("20", "M", 0),
    ]


# Offsets and robustness ---------------------------------------------------------------------------


def test_offsets_cut_raw_from_the_text_as_given():
    text = "截至10月底，全市ＦＴＴＨ用户达到３６８万户，同比增长１５％。"
    for figure in find_figures(text):
        assert text[figure.start : figure.end] == figure.raw
    assert [f.raw for f in find_figures(text)] == ["达到３６８万户", "１５％"]


@given(
    st.text(
        alphabet=st.sampled_from(
            list("0123456789.%万亿元个户一二十百千近约超过以上至-，。年月第G ")
        ),
        max_size=40,
    )
)
def test_any_text_gives_consistent_figures(text):
    assert [f.raw for f in find_figures("建成基站3000个")] == ["3000个"]  # not vacuous
    for figure in find_figures(text):
        assert text[figure.start : figure.end] == figure.raw
        assert figure.kind in ("level", "change", "target")
        assert figure.period in (None, "H1", "FY", "cumulative")
        assert figure.cmp in (None, ">", ">=", "<", "<=")
        assert math.isfinite(figure.value)
        assert figure.row is None and figure.col is None


def test_figure_is_frozen():
    figure = only("建成基站3000个")
    with pytest.raises(AttributeError):
        figure.value = 1  # type: ignore[misc]


def test_empty_text():
    assert find_figures("") == []


# Indicators in prose ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("城市光纤网络覆盖率达到100%", "fibre_coverage"),
        ("20M以上宽带用户占比达到90.4%", "broadband_20m_share"),
        ("20M以上高速宽带用户比例超过50%", "broadband_20m_share"),
        ("4G网络覆盖率达到98%", "lte_coverage"),
        ("公共区域WLAN覆盖率达到100%", "public_wlan_coverage"),
        ("全市行政村光纤通达率达到100%", "village_fibre"),
        ("政府信息系统互联互通率达到90%", "gov_interconnect"),
        ("公共数据开放共享比例提高到35%", "open_data_share"),
        ("新建铁塔共建共享率达到83%", "infra_sharing"),
        ("创新成果工业转化率达到40%", "innovation_conversion"),
        ("全市信息消费规模1536.2亿元", "info_consumption_scale"),
        ("电子商务交易额达到5640亿元", "ecommerce_volume"),
        ("网络零售额2612.7亿元", "online_retail"),
        ("软件和信息服务业实现业务收入2537亿元", "software_revenue"),
        ("电子信息制造业实现产值2615.3亿元", "electronics_output"),
        ("固定宽带家庭普及率93.6%", "fixed_broadband_penetration"),
        ("全市宽带用户达到420万户", "broadband_users"),
        ("全市FTTH用户达到368万户", "ftth_users"),
        ("光纤入户用户达到368万户", "ftth_users"),
        ("农村家庭宽带平均接入速率超过20M", "avg_broadband_speed"),
        ("新建4G基站1.3万个", "lte_base_stations"),
        ("4G用户突破1100万户", "lte_users"),
        ("免费WLAN热点累计达到2.53万个", "wlan_hotspots"),
        ("开放数据集386个", "open_datasets"),
        ("全市众创空间达到87家", "maker_spaces"),
        ("在孵企业超过5200家", "incubated_firms"),
        ("新建小区500个", None),
    ],
)
def test_indicator_in_prose(text, indicator):
    assert last(text).indicator == indicator


def test_indicator_needs_the_unit_to_agree():
    # the share is a percentage; 网络零售额 is money
    found = find_figures("网络零售额2612.7亿元，同比增长30.5%")
    assert [f.indicator for f in found] == ["online_retail", None]


def test_indicator_stays_in_its_clause():
    found = find_figures("全市众创空间达到87家，培育企业28家")
    assert [f.indicator for f in found] == ["maker_spaces", None]


def test_continuing_clause_takes_the_previous_subject():
    found = find_figures("全年新建4G基站1.3万个，累计达到4.1万个")
    assert [f.indicator for f in found] == ["lte_base_stations", "lte_base_stations"]


def test_resolve_reads_only_the_last_clause():
    assert resolve("全市众创空间建设加快，其中国家级", "家") is None
    assert resolve("全市新建小区300个，众创空间", "家") == "maker_spaces"


def test_package_exports():
    import classify

    assert classify.find_figures is find_figures
    assert classify.figures_in_table is figures_in_table
    assert classify.resolve_indicator is resolve
    assert {"Figure", "check_figure", "check_target", "load_catalogue", "CatalogueError"} <= set(
        classify.__all__
    )


def test_closest_synonym_wins():
    assert resolve("宽带用户中FTTH用户", "户") == "ftth_users"
    assert resolve("FTTH用户和宽带用户", "户") == "broadband_users"
    assert resolve("光纤宽带用户", "户") == "ftth_users"  # the longer synonym at one place
    assert resolve("众创空间建设，新增企业", "个") is None  # another clause
    assert resolve("众创空间", "%") is None  # unit disagrees


# Tables ---------------------------------------------------------------------------------------------

PROGRESS_TABLE = [
    ["指标", "2015年底", "2016年6月底", "2016年10月底", "年度目标"],
    ["固定宽带家庭普及率", "88.5%", "91.2%", "93.6%", "92%以上"],
    ["光纤入户(FTTH)用户数", "285万户", "326万户", "368万户", "360万户"],
    ["开放数据集数量", "—", "210个", "386个", "350个"],
]


def test_table_cells_with_units():
    found = figures_in_table(PROGRESS_TABLE)
    by_cell = {(f.row, f.col): f for f in found}
    assert len(found) == 11  # the — cell is empty
    assert (by_cell[1, 1].value, by_cell[1, 1].unit) == (88.5, "%")
    assert by_cell[1, 1].indicator == "fixed_broadband_penetration"
    assert (by_cell[2, 3].value, by_cell[2, 3].unit) == (3_680_000, "户")
    assert by_cell[2, 3].indicator == "ftth_users"
    assert by_cell[3, 2].indicator == "open_datasets"


def test_table_periods_and_targets_from_headers():
    by_cell = {(f.row, f.col): f for f in figures_in_table(PROGRESS_TABLE)}
    assert by_cell[1, 2].period == "H1"
    assert by_cell[1, 3].period == "FY"
    assert by_cell[1, 1].kind == "level"
    assert by_cell[1, 4].kind == "target"
    assert by_cell[1, 4].cmp == ">"


def test_table_bare_numbers_take_the_header_unit():
    rows = [
        ["序号", "项目名称", "投资额（万元）", "覆盖率(%)", "建成年份"],
        ["1", "光网城市改造", "500", "98.5", "2016"],
        ["2", "4G基站建设", "1,200", "≥95", "2017"],
    ]
    found = figures_in_table(rows)
    assert [(f.row, f.col, f.value, f.unit, f.cmp) for f in found] == [
        (1, 2, 5_000_000, "元", None),
        (1, 3, 98.5, "%", None),
        (2, 2, 12_000_000, "元", None),
        (2, 3, 95, "%", ">="),
    ]


def test_table_offsets_are_within_the_cell():
    rows = [["指标", "完成值（%）"], ["覆盖率", " 约98.5 "]]
    (figure,) = figures_in_table(rows)
    assert figure.raw == "约98.5"
    assert rows[1][1][figure.start : figure.end] == "约98.5"
    assert (figure.approx, figure.row, figure.col) == (True, 1, 1)


def test_table_unit_column_and_indicator_from_label():
    rows = [
        ["序号", "指标", "单位", "目标值", "完成值"],
        ["1", "FTTH用户", "万户", "360", "368"],
        ["2", "20M以上宽带用户比例", "%", "50", "90.4"],
    ]
    found = figures_in_table(rows)
    assert [(f.value, f.unit, f.kind, f.indicator) for f in found] == [
        (3_600_000, "户", "target", "ftth_users"),
        (3_680_000, "户", "level", "ftth_users"),
        (50, "%", "target", "broadband_20m_share"),
        (90.4, "%", "level", "broadband_20m_share"),
    ]


def test_table_row_header_gives_the_unit():
    rows = [["指标", "2016年6月底", "2016年10月底"], ["4G基站数（个）", "34500", "41000"]]
    found = figures_in_table(rows)
    assert [(f.value, f.unit, f.indicator) for f in found] == [
        (34_500, "个", "lte_base_stations"),
        (41_000, "个", "lte_base_stations"),
    ]


def test_table_indicator_from_column_header():
    rows = [["地区", "网络零售额（亿元）", "同比增长（%）"], ["主城区", "1200", "30.5"]]
    found = figures_in_table(rows)
    assert [(f.value, f.unit, f.kind, f.indicator) for f in found] == [
        (120_000_000_000, "元", "level", "online_retail"),
        (30.5, "%", "change", None),
    ]


def test_table_title_row_unit():
    rows = [
        ["单位：亿元", "", ""],
        ["指标", "2015年", "2016年"],
        ["信息消费规模", "1200", "1536.2"],
    ]
    found = figures_in_table(rows)
    assert [(f.row, f.value, f.unit) for f in found] == [
        (2, 120_000_000_000, "元"),
        (2, 153_620_000_000, "元"),
    ]


def test_table_years_and_row_numbers_are_not_figures():
    rows = [
        ["序号", "年份", "项目", "用户数（户）"],
        ["1", "2016", "光网", "500"],
        ["2", "2017", "4G", "800"],
    ]
    found = figures_in_table(rows)
    assert [(f.col, f.value) for f in found] == [(3, 500), (3, 800)]


_CELL_TEXT = st.text(
    alphabet=st.sampled_from(list("0123456789.%万亿元个户（）年月底约以上—-序号指标目标")),
    max_size=10,
)


@given(st.lists(st.lists(_CELL_TEXT, max_size=5), max_size=5))
def test_any_table_gives_offsets_within_cells(rows):
    assert figures_in_table([["指标", "数值（个）"], ["基站", "3000"]])  # not vacuous
    for figure in figures_in_table(rows):
        assert rows[figure.row][figure.col][figure.start : figure.end] == figure.raw


def test_table_bare_number_without_a_unit_is_not_a_figure():
    assert figures_in_table([["指标", "数值"], ["企业数", "3000"]]) == []


def test_header_unit_step():
    assert tf.header_unit("投资额（万元）") == (10_000, "元")
    assert tf.header_unit("覆盖率(%)") == (1, "%")
    assert tf.header_unit("用户数/万户") == (10_000, "户")
    assert tf.header_unit("出口带宽（G）") == (1000, "Mbps")
    assert tf.header_unit("光纤入户(FTTH)用户数") is None
    assert tf.header_unit("指标") is None


def test_empty_table():
    assert figures_in_table([]) == []


# The catalogue -----------------------------------------------------------------------------------

SPEC_IDS = [
    "fibre_coverage",
    "broadband_20m_share",
    "lte_coverage",
    "public_wlan_coverage",
    "village_fibre",
    "gov_interconnect",
    "open_data_share",
    "infra_sharing",
    "innovation_conversion",
    "info_consumption_scale",
    "ecommerce_volume",
    "online_retail",
    "software_revenue",
    "electronics_output",
    "fixed_broadband_penetration",
    "broadband_users",
    "ftth_users",
    "avg_broadband_speed",
    "lte_base_stations",
    "lte_users",
    "wlan_hotspots",
    "open_datasets",
    "maker_spaces",
    "incubated_firms",
]


def test_catalogue_holds_the_spec_table():
    catalogue = load_catalogue()
    assert list(catalogue.indicators) == SPEC_IDS
    assert load_catalogue() is catalogue  # cached
    units = {i.id: i.unit for i in catalogue.indicators.values()}
    assert units["fibre_coverage"] == "%"
    assert units["software_revenue"] == "元"
    assert units["avg_broadband_speed"] == "Mbps"
    assert units["broadband_users"] == "户"
    assert units["incubated_firms"] == "家"


def test_catalogue_targets_are_the_guides():
    indicators = load_catalogue().indicators
    assert (
        indicators["broadband_20m_share"].target.cmp,
        indicators["broadband_20m_share"].target.value,
    ) == (">", 50)
    assert (indicators["village_fibre"].target.cmp, indicators["village_fibre"].target.value) == (
        ">=",
        95,
    )
    assert indicators["village_fibre"].target.note
    assert (indicators["fibre_coverage"].target.cmp, indicators["fibre_coverage"].target.value) == (
        ">=",
        100,
    )
    assert indicators["open_data_share"].target.rising is True
    assert (
        indicators["lte_coverage"].target.cmp is None
        and not indicators["lte_coverage"].target.rising
    )
    assert indicators["online_retail"].target is None


def test_catalogue_file_says_how_to_extend_it():
    head = CATALOGUE_PATH.read_text(encoding="utf-8").split("\n[[indicator]]")[0]
    assert "No code changes" in head or "Nothing else needs changing" in head
    assert "synonyms" in head and "target" in head


def write_catalogue(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "indicators.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_added_indicator_needs_no_code(tmp_path):
    original = CATALOGUE_PATH.read_text(encoding="utf-8")
    path = write_catalogue(
        tmp_path,
        original + '\n[[indicator]]\nid = "smart_meters"\nname = "智能水表安装数"\nunit = "只"\n'
        'synonyms = ["智能水表", "智能…水表"]\n',
    )
    catalogue = load_catalogue(path)
    assert only("智能水表累计安装31.2万只", catalogue).indicator == "smart_meters"
    assert only("智能远传水表累计安装31.2万只", catalogue).indicator == "smart_meters"  # via …
    assert only("远传水表累计安装31.2万只", catalogue).indicator is None
    assert only("智能水表累计安装31.2万只").indicator is None  # the bundled catalogue


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[[indicator]]\nid = "x"\nname = "X"\nunit = "%"\n',
            "indicator #1 (x): missing field 'synonyms'",
        ),
        ('[[indicator]]\nid = "Bad Id"\nname = "X"\nunit = "%"\nsynonyms = ["x"]\n', "id must be"),
        (
            '[[indicator]]\nid = "x"\nname = "X"\nunit = "％"\nsynonyms = ["x"]\n',
            "unit '％' is not a unit",
        ),
        (
            '[[indicator]]\nid = "x"\nname = "X"\nunit = "%"\nsynonyms = "x"\n',
            "synonyms must be a list",
        ),
        (
            '[[indicator]]\nid = "x"\nname = "X"\nunit = "%"\nsynonym = ["x"]\n',
            "unknown field(s) ['synonym']",
        ),
        (
            '[[indicator]]\nid = "x"\nname = "X"\nunit = "%"\nsynonyms = ["x"]\ntarget = {cmp = "≥", value = 95}\n',
            "target.cmp must be one of",
        ),
        (
            '[[indicator]]\nid = "x"\nname = "X"\nunit = "%"\nsynonyms = ["x"]\ntarget = {cmp = ">"}\n',
            "needs cmp and value together",
        ),
        (
            '[[indicator]]\nid = "x"\nname = "X"\nunit = "%"\nsynonyms = ["x"]\ntarget = {rising = "yes"}\n',
            "rising must be true or false",
        ),
        (
            '[[indicator]]\nid = "x"\nname = "X"\nunit = "%"\nsynonyms = ["x"]\n'
            '[[indicator]]\nid = "x"\nname = "Y"\nunit = "%"\nsynonyms = ["y"]\n',
            "indicator #2 (x): duplicate id",
        ),
        (
            '[[indicator]]\nid = "x"\nname = "X"\nunit = "%"\nsynonyms = ["…x"]\n',
            "… goes between two words",
        ),
        ('[[indicator]\nid = "x"\n', "not valid TOML"),
        ('title = "x"\n', "unknown top-level key"),
        ("", "no [[indicator]] entries"),
    ],
)
def test_bad_catalogue_names_the_file_and_entry(tmp_path, body, message):
    path = write_catalogue(tmp_path, body)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_missing_catalogue_file(tmp_path):
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "absent.toml")


# Target checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("indicator", "value", "unit", "kwargs", "verdict"),
    [
        ("broadband_20m_share", 90.4, "%", {}, "met"),
        ("broadband_20m_share", 50, "%", {}, "not_met"),  # more than 50 is asked
        ("broadband_20m_share", 42, "%", {}, "not_met"),
        ("broadband_20m_share", 50, "%", {"cmp": ">"}, "met"),  # 超过50%
        ("broadband_20m_share", 60, "%", {"cmp": "<"}, "not_comparable"),  # 不足60%
        ("broadband_20m_share", 45, "%", {"cmp": "<"}, "not_met"),
        ("village_fibre", 95, "%", {}, "met"),
        ("village_fibre", 93.5, "%", {"cmp": ">="}, "not_met"),  # 达到93.5% is 93.5 reached
        ("village_fibre", 96, "%", {"cmp": ">="}, "met"),
        ("village_fibre", 90, "%", {"cmp": ">"}, "not_comparable"),  # 超过90%: perhaps 96
        ("village_fibre", 93.5, "%", {}, "not_met"),
        ("village_fibre", 96, "%", {"approx": True}, "not_comparable"),  # 约96%
        ("village_fibre", 99, "%", {"approx": True}, "met"),
        ("fibre_coverage", 100, "%", {}, "met"),
        ("fibre_coverage", 100, "%", {"approx": True}, "not_comparable"),  # 近100%
        ("fibre_coverage", 98, "%", {}, "not_met"),
        ("open_data_share", 35, "%", {}, "not_comparable"),  # rising: no previous figure
        ("open_data_share", 35, "%", {"previous": 30}, "met"),
        ("open_data_share", 30, "%", {"previous": 30}, "not_met"),
        ("open_data_share", 28, "%", {"previous": 30}, "not_met"),
        ("lte_coverage", 98, "%", {}, "not_comparable"),  # no number in the guide
        ("online_retail", 1e11, "元", {}, "not_comparable"),  # no target
        ("broadband_20m_share", 90, "户", {}, "not_comparable"),  # unit disagrees
    ],
)
def test_check_target(indicator, value, unit, kwargs, verdict):
    assert check_target(indicator, value, unit, **kwargs) == verdict


def test_check_target_unknown_indicator():
    with pytest.raises(UnknownIndicator):
        check_target("no_such_thing", 1, "%")


def test_check_figure_uses_kind():
    assert check_figure(last("20M以上宽带用户占比达到90.4%")) == "met"
    assert check_figure(last("20M以上宽带用户占比提高3个百分点")) == "not_comparable"  # a change
    assert check_figure(last("20M以上宽带用户占比力争达到90%")) == "not_comparable"  # a plan
    assert check_figure(only("行政村光纤通达率达到93.5%")) == "not_met"
    assert check_figure(only("公共数据开放共享比例达到35%"), previous=30) == "met"
    assert check_figure(only("新建小区500个")) == "not_comparable"  # no indicator


def test_check_figure_reads_the_comparator():
    assert check_figure(last("20M以上宽带用户占比超过50%")) == "met"
    assert check_figure(last("20M以上宽带用户占比不足50%")) == "not_met"


def test_check_figure_on_a_table_figure():
    by_cell = {(f.row, f.col): f for f in figures_in_table(PROGRESS_TABLE)}
    assert check_figure(by_cell[1, 4]) == "not_comparable"  # target column
