"""Typical applications (issue 6, detection): cases found in applications attachments and in
progress reports, organisation names and places in case texts, and recycled-case measures.

The documents are built as the caller builds them from extracted blocks: a list of sections, each
a heading with its level and the paragraphs under it. Their texts are written for these tests in
the style of the cities' submissions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classify.applications import (
    Case,
    Section,
    find_cases,
    organisations,
    overlap,
    places,
    shared_passages,
    shingles,
)

REPO = Path(__file__).resolve().parents[1]
TRAIN = REPO / "classify" / "data" / "apps" / "train.jsonl"

S = Section

# Case texts -----------------------------------------------------------------------------------

HEALTH = (
    "“健康杭州”平台由杭州市卫生和计划生育委员会牵头，杭州微医联网络科技有限公司承建，"
    "杭州市民卡有限公司提供支付结算服务，于2015年10月上线运行。平台整合全市市属医院和区县医院号源，"
    "为市民提供预约挂号、诊间结算、检查报告查询、在线复诊等服务。"
)
HEALTH_WORK = (
    "一是推行“先诊疗后付费”，市民凭市民卡或手机绑定医保账户，在诊室即可完成医保和自费部分结算，"
    "免去多次排队；二是建设互联网医院，由副主任以上医师开展常见病、慢性病在线复诊并开具电子处方；"
    "三是打通全市电子健康档案，实现检查检验结果互认。"
)
HEALTH_RESULT = (
    "截至2016年10月，平台接入医院42家，注册用户达120万人，累计诊间结算2860万笔，"
    "患者平均就医时间缩短约1.5小时。该模式已在省内多个城市复制推广。"
)
CARD = (
    "杭州市民卡一卡通综合服务平台以市民卡为载体，整合社保、医疗、公交、公共自行车、图书借阅和小额支付等"
    "功能，全市发卡量超过900万张，覆盖全部常住人口。"
)
CARD_WORK = (
    "平台推出手机虚拟市民卡，市民在手机上即可乘坐公交地铁、租借公共自行车和缴纳水电燃气费用，"
    "并在全市2800余个商户实现扫码支付。"
)
CLOUD = (
    "项目概况：萧山区工业云平台由杭州萧云科技有限公司建设运营，面向全区化纤、纺织、汽车零部件企业，"
    "提供研发设计软件租用、设备联网监测和能耗管理等云服务，已服务企业1200余家。"
)
CLOUD_RESULT = (
    "应用成效：上云企业平均设备利用率提高12%，单位产值能耗下降8.6%，企业软件投入成本平均降低55%。"
)
PARKING = (
    "智慧停车诱导系统由杭州市城市管理委员会组织建设，在主城区312个停车场安装车位检测设备，"
    "通过路侧诱导屏和手机应用实时发布空余车位信息。"
)
PARKING_RESULT = (
    "系统上线后，主城区停车场平均利用率提高18个百分点，驾车找位时间平均缩短6分钟，"
    "高峰时段核心商圈周边道路拥堵指数下降9%。"
)


def applications_attachment() -> list[Section]:
    """An attachment with a label, a title, a preamble, a table of contents, four cases in four
    heading styles (each with inner headings of its own kind) and the signature."""
    return [
        S("附件2", 1),
        S(
            "杭州市2016年信息消费典型应用案例",
            1,
            (
                "为贯彻落实《2016年国家信息消费示范城市建设指南》要求，按照工业和信息化部有关工作安排，"
                "现将我市2016年信息消费典型应用案例报送如下。",
            ),
        ),
        S(
            "目录",
            1,
            ("案例一：“健康杭州”互联网医院平台……1", "案例二：杭州市民卡一卡通综合服务平台……3"),
        ),
        # 案例一 and its 一、项目概况 both read as level 1.
        S("案例一：“健康杭州”互联网医院平台", 1, (), page=1),
        S("一、项目概况", 1, (HEALTH,), page=1),
        S("二、主要做法", 1, (HEALTH_WORK,), page=2),
        S("三、应用成效", 1, (HEALTH_RESULT,), page=2),
        # Half-width colon; inner headings one level down.
        S("案例二:杭州市民卡一卡通综合服务平台", 1, (CARD,), page=3),
        S("（一）主要做法", 2, (CARD_WORK,), page=3),
        S(
            "（二）应用成效",
            2,
            ("市民卡日均交易量达到260万笔，年节约市民办事往返时间约800万小时。",),
            page=3,
        ),
        # Arabic number, no colon, run-in labels inside paragraphs.
        S("案例3 萧山区工业云平台", 1, (CLOUD, CLOUD_RESULT), page=4),
        # 典型案例 with 、, a level-3 sub-heading and a level-4 point inside it.
        S("典型案例四、智慧停车诱导系统", 1, (PARKING,), page=5),
        S(
            "1.建设内容",
            3,
            ("系统接入公共停车场、道路泊位和商业综合体停车库，统一车位编码和数据接口。",),
            page=5,
        ),
        S("（1）数据接入", 4, ("停车场每30秒上报一次空余车位数。",), page=5),
        S(
            "2.应用成效",
            3,
            (PARKING_RESULT, "杭州市信息消费示范城市建设领导小组办公室", "二〇一六年十一月二十日"),
            page=6,
        ),
    ]


# find_cases: applications documents ----------------------------------------------------------


def test_attachment_cases_in_four_heading_styles() -> None:
    cases = find_cases(applications_attachment(), applications_document=True)

    assert [c.title for c in cases] == [
        "案例一：“健康杭州”互联网医院平台",
        "案例二:杭州市民卡一卡通综合服务平台",
        "案例3 萧山区工业云平台",
        "典型案例四、智慧停车诱导系统",
    ]
    assert [c.section for c in cases] == [3, 7, 10, 11]
    assert [c.page for c in cases] == [1, 3, 4, 5]
    health, card, cloud, parking = cases
    # Inner headings stay in the body, as lines of their own, in order.
    assert health.body.split("\n") == [
        "一、项目概况",
        HEALTH,
        "二、主要做法",
        HEALTH_WORK,
        "三、应用成效",
        HEALTH_RESULT,
    ]
    assert card.body.startswith(CARD + "\n（一）主要做法\n" + CARD_WORK)
    assert cloud.body == CLOUD + "\n" + CLOUD_RESULT
    assert "1.建设内容" in parking.body and "（1）数据接入" in parking.body
    # The signature and date after the last case are not part of it.
    assert parking.body.endswith(PARKING_RESULT)
    # Neither the preamble nor the table of contents becomes a case or part of one.
    assert not any("为贯彻落实" in c.body or "……1" in c.body for c in cases)


def test_attachment_cases_carry_organisations_and_places() -> None:
    health, card, cloud, parking = find_cases(applications_attachment(), applications_document=True)
    assert health.organisations == (
        "杭州市卫生和计划生育委员会",
        "杭州微医联网络科技有限公司",
        "杭州市民卡有限公司",
    )
    assert health.places == ("杭州市",)
    assert cloud.organisations == ("杭州萧云科技有限公司",)
    assert "萧山区" in cloud.places
    assert parking.organisations == ("杭州市城市管理委员会",)
    assert isinstance(card, Case)


def test_cases_inside_a_cases_section_after_an_overview() -> None:
    """一、基本情况 frames the attachment; the cases are the （一）… sections of 二、典型应用案例."""
    sections = [
        S("宁波市2016年信息消费典型应用", 0, ()),
        S(
            "一、基本情况",
            1,
            ("2016年，我市围绕智慧民生和产业升级，培育了一批信息消费典型应用。" * 2,),
        ),
        S("二、典型应用案例", 1, ("现选取五个案例介绍如下。",)),
        S("（一）宁波云医院智慧健康服务平台", 2, (HEALTH,)),
        S("（二）“甬工云”工业互联网服务平台", 2, (CLOUD,)),
        S("1.建设单位", 3, ("宁波市经济和信息化委员会、宁波甬工云科技有限公司。",)),
        S("（五）宁波智造集团工业云平台", 2, (CLOUD_RESULT + CLOUD,)),
    ]
    cases = find_cases(sections, applications_document=True)
    assert [c.title for c in cases] == [
        "（一）宁波云医院智慧健康服务平台",
        "（二）“甬工云”工业互联网服务平台",
        "（五）宁波智造集团工业云平台",
    ]
    assert [c.section for c in cases] == [3, 4, 6]
    assert "1.建设单位\n宁波市经济和信息化委员会" in cases[1].body


def test_group_headings_are_looked_inside() -> None:
    sections = [
        S("一、智慧民生类", 1, ()),
        S("（一）智慧停车诱导系统", 2, (PARKING, PARKING_RESULT)),
        S("（二）市民卡一卡通综合服务平台", 2, (CARD, CARD_WORK)),
        S("二、产业升级类", 1, ()),
        S("（三）萧山区工业云平台", 2, (CLOUD, CLOUD_RESULT)),
    ]
    cases = find_cases(sections, applications_document=True)
    assert [c.title for c in cases] == [
        "（一）智慧停车诱导系统",
        "（二）市民卡一卡通综合服务平台",
        "（三）萧山区工业云平台",
    ]


def test_cases_at_level_three_when_that_is_the_shallowest() -> None:
    sections = [
        S("郑州市信息消费典型应用", 0, ("按照工作要求，现将有关情况报告如下。",)),
        S("1.智慧停车诱导系统", 3, (PARKING,)),
        S("（1）建设单位", 4, ("郑州市城市管理局。",)),
        S("2.工业云平台", 3, (CLOUD,)),
    ]
    cases = find_cases(sections, applications_document=True)
    assert [c.title for c in cases] == ["1.智慧停车诱导系统", "2.工业云平台"]
    assert "（1）建设单位" in cases[0].body


def test_a_case_with_a_container_word_in_its_title_keeps_its_numbered_points() -> None:
    """（三）车联网示范应用 is one case; its 1./2. paragraphs are its points, not cases."""
    sections = [
        S("（三）车联网示范应用", 2, ("1.建设内容。" + CLOUD, "2.推广应用情况。" + CLOUD_RESULT)),
        S("（四）智慧停车诱导系统", 2, (PARKING,)),
    ]
    cases = find_cases(sections, applications_document=True)
    assert [c.title for c in cases] == ["（三）车联网示范应用", "（四）智慧停车诱导系统"]


def sections_of(blocks: list) -> list[Section]:
    """Sections from an extracted document's blocks, the way the store side builds them."""
    sections: list[Section] = []
    heading, level, paragraphs, page = None, 0, [], None
    for block in blocks:
        if block.kind in ("title", "heading"):
            if heading is not None or paragraphs:
                sections.append(Section(heading, level, tuple(paragraphs), page))
            heading, paragraphs, page = block.text, [], block.page
            level = block.level if block.kind == "heading" else 0
        elif block.kind == "paragraph":
            paragraphs.append(block.text)
            page = page if page is not None else block.page
    if heading is not None or paragraphs:
        sections.append(Section(heading, level, tuple(paragraphs), page))
    return sections


@pytest.mark.parametrize(
    ("name", "titles"),
    [
        (
            "附件2-典型应用案例(宁波).pdf",
            [
                "案例一：宁波云医院智慧健康服务平台",
                "案例二：“甬工云”工业互联网服务平台",
                "案例三：宁波跨境电商进口综合服务平台",
                "案例四：“天一约书”公共数字阅读服务",
            ],
        ),
        (
            "成都市信息消费典型应用(3个).docx",
            [
                "一、成都市公共交通智能调度与出行服务平台",
                "二、“菁蓉汇”创新创业综合服务平台",
                "三、锦江区“智慧养老”社区服务平台",
            ],
        ),
    ],
)
def test_bundled_sample_attachments(name: str, titles: list[str]) -> None:
    """The sample attachments, read by the real extractor: the cases, without the signature."""
    from extract import read_document

    document = read_document(REPO / "corpus" / "samples" / name)
    assert document.metadata.kind == "applications"
    cases = find_cases(sections_of(document.blocks), applications_document=True)
    assert [c.title for c in cases] == titles
    assert all(c.page for c in cases)
    assert not any(c.body.endswith(("日", "办公室", "委员会")) for c in cases)


# find_cases: progress reports ----------------------------------------------------------------


def progress_report() -> list[Section]:
    return [
        S(
            "杭州市2016年国家信息消费示范城市建设工作情况报告",
            0,
            (
                "2016年，我市围绕信息消费示范城市建设目标任务，统筹推进各项工作。现将全年工作情况报告如下。",
            ),
            page=1,
        ),
        S("一、主要工作成效", 1, (), page=1),
        S(
            "（一）网络基础全面夯实",
            2,
            (
                "1.宽带网络提前完成年度目标。截至10月底，全市FTTH用户达到368万户，较去年底净增83万户。",
                "2.4G和公共WLAN实现重点区域深度覆盖。全年新建4G基站1.3万个，累计达到4.1万个。",
            ),
            page=1,
        ),
        S(
            "（二）智慧应用深入推进",
            2,
            ("“城市大脑”交通模块在主城区上线，接入路口信号灯128个。" * 2,),
            page=2,
        ),
        S(
            "二、存在的问题",
            1,
            ("部分区县信息消费统计口径不一，农村地区信息消费潜力释放不足。" * 2,),
            page=3,
        ),
        S("三、下一步工作", 1, (), page=3),
        S(
            "（五）做好全年示范工作总结和典型应用遴选报送工作",
            2,
            ("认真总结示范经验，做好全年示范工作总结和典型应用报送。" * 2,),
            page=3,
        ),
        S("四、典型应用", 1, ("我市2016年信息消费典型应用主要有以下两个。",), page=4),
        S("（一）“健康杭州”互联网医院平台", 2, (HEALTH, HEALTH_RESULT), page=4),
        S("1.建设单位", 3, ("杭州市卫生和计划生育委员会、杭州微医联网络科技有限公司。",), page=4),
        S("（二）智慧停车诱导系统", 2, (PARKING, PARKING_RESULT), page=5),
        S("五、工作建议", 1, ("建议工业和信息化部加强对示范城市的分类指导。" * 3,), page=5),
    ]


def test_progress_report_splits_only_the_typical_applications_section() -> None:
    cases = find_cases(progress_report(), applications_document=False)
    assert [c.title for c in cases] == [
        "（一）“健康杭州”互联网医院平台",
        "（二）智慧停车诱导系统",
    ]
    assert [c.section for c in cases] == [8, 10]
    assert [c.page for c in cases] == [4, 5]
    assert cases[0].body.endswith(
        "1.建设单位\n杭州市卫生和计划生育委员会、杭州微医联网络科技有限公司。"
    )
    # 五、工作建议 ends the last case.
    assert "工作建议" not in cases[1].body


def test_the_kind_of_document_decides_what_is_split() -> None:
    """Titled sections are cases in an attachment; in a progress report they are its work items
    unless a 典型应用 heading presents them."""
    sections = [S("一、智慧停车诱导系统", 1, (PARKING,)), S("二、萧山区工业云平台", 1, (CLOUD,))]
    assert len(find_cases(sections, applications_document=True)) == 2
    assert find_cases(sections, applications_document=False) == []
    # Read as an attachment, the progress report's framing sections are still not cases.
    titles = [c.title for c in find_cases(progress_report(), applications_document=True)]
    assert titles == ["（一）“健康杭州”互联网医院平台", "（二）智慧停车诱导系统"]


def test_progress_report_without_a_cases_section_has_no_cases() -> None:
    """Up to 四、典型应用: the （五）…典型应用遴选报送工作 task is not a cases section."""
    sections = progress_report()[:7]
    assert find_cases(sections, applications_document=False) == []


def test_progress_report_cases_from_run_in_titles() -> None:
    sections = [
        S("一、工作进展", 1, ("全市信息消费规模达到1536.2亿元，同比增长19.2%。" * 3,)),
        S(
            "（三）信息消费典型案例",
            2,
            (
                "今年以来，我市培育了一批典型应用。",
                "1.智慧停车诱导系统。" + PARKING,
                PARKING_RESULT,
                "2.萧山区工业云平台。" + CLOUD,
            ),
        ),
        S("二、下一步工作", 1, ("继续推进光网城市建设。" * 5,)),
    ]
    cases = find_cases(sections, applications_document=False)
    assert [c.title for c in cases] == ["1.智慧停车诱导系统", "2.萧山区工业云平台"]
    assert cases[0].body == PARKING + "\n" + PARKING_RESULT
    assert [c.section for c in cases] == [1, 1]


def test_numbered_case_headings_in_a_progress_report() -> None:
    """案例一：/案例二： read as level 1, like the report's own 一、 headings."""
    sections = [
        S("一、主要做法", 1, ("我市以智慧应用为抓手推进信息消费。" * 4,)),
        S("四、典型应用", 1, ()),
        S("案例一：“健康杭州”互联网医院平台", 1, (HEALTH,)),
        S("案例二：智慧停车诱导系统", 1, (PARKING,)),
        S("五、下一步工作", 1, ("继续推进光网城市建设。" * 5,)),
    ]
    cases = find_cases(sections, applications_document=False)
    assert [c.title for c in cases] == [
        "案例一：“健康杭州”互联网医院平台",
        "案例二：智慧停车诱导系统",
    ]
    assert "下一步" not in cases[1].body


# find_cases: paragraphs only -------------------------------------------------------------------


def test_paragraphs_only_attachment_split_on_case_titles() -> None:
    paragraphs = (
        "附件2",
        "杭州市2016年信息消费典型应用案例",
        "按照《2016年国家信息消费示范城市建设指南》要求，现将我市典型应用案例报送如下。",
        "目录",
        "案例一：“健康杭州”互联网医院平台………………1",
        "案例二：杭州市民卡一卡通综合服务平台………………3",
        "案例一：“健康杭州”互联网医院平台。" + HEALTH,
        "1.接入医院42家。",
        HEALTH_RESULT,
        "案例二：杭州市民卡一卡通综合服务平台",
        CARD,
        "2.平台推出手机虚拟市民卡。" + CARD_WORK,
        "案例三：萧山区工业云平台。" + CLOUD,
    )
    cases = find_cases([S(None, 0, paragraphs)], applications_document=True)
    assert [c.title for c in cases] == [
        "案例一：“健康杭州”互联网医院平台",
        "案例二：杭州市民卡一卡通综合服务平台",
        "案例三：萧山区工业云平台",
    ]
    assert cases[0].body == "\n".join([HEALTH, "1.接入医院42家。", HEALTH_RESULT])
    assert cases[1].body.startswith(CARD + "\n2.平台推出")
    assert all(c.section == 0 for c in cases)


def test_paragraphs_only_with_chinese_numbering_keeps_inner_points() -> None:
    """（一）-titles are the cases; the 1./2. points and 一是/二是 inside them stay in the body."""
    paragraphs = (
        "成都市信息消费典型应用",
        "（一）成都市公共交通智能调度与出行服务平台。" + PARKING,
        "1.项目概况。平台以全市1.2万余辆公交车车载智能终端为基础。",
        "2.应用成效。" + PARKING_RESULT,
        "（二）“菁蓉汇”创新创业综合服务平台。" + CARD,
        "一是推行“一网通办”；二是建立创业项目数据库。" + CARD_WORK,
        "（四）这个编号不连续，不是新的案例。" + CLOUD,
    )
    cases = find_cases([S("成都市信息消费典型应用", 0, paragraphs[1:])], applications_document=True)
    assert [c.title for c in cases] == [
        "（一）成都市公共交通智能调度与出行服务平台",
        "（二）“菁蓉汇”创新创业综合服务平台",
    ]
    assert "1.项目概况" in cases[0].body and "2.应用成效" in cases[0].body
    assert "（四）这个编号不连续" in cases[1].body


def test_paragraphs_only_progress_report_has_no_cases() -> None:
    paragraphs = ("案例一：“健康杭州”互联网医院平台。" + HEALTH,)
    assert find_cases([S(None, 0, paragraphs)], applications_document=False) == []


# find_cases: empty and degenerate inputs --------------------------------------------------------


@pytest.mark.parametrize("applications_document", [True, False])
def test_degenerate_inputs(applications_document: bool) -> None:
    def cases(sections: list[Section]) -> list[Case]:
        return find_cases(sections, applications_document=applications_document)

    assert cases([]) == []
    assert cases([S(None, 0, ())]) == []
    assert cases([S("   ", 1, ("  ", ""))]) == []
    assert cases([S("附件2", 1), S("目录", 1)]) == []
    assert cases([S("一、", 1, (HEALTH,))]) == []  # a heading that is only numbering
    # Too short to be a case.
    assert cases([S("典型应用", 1), S("案例一：智慧停车", 1, ("系统已上线。",))]) == []


def test_whitespace_heading_continues_the_case_before_it() -> None:
    sections = [
        S("案例一：智慧停车诱导系统", 1, (PARKING,)),
        S(" \u3000 ", 2, (PARKING_RESULT,)),
        S("案例二：萧山区工业云平台", 1, (CLOUD,)),
    ]
    cases = find_cases(sections, applications_document=True)
    assert [c.title for c in cases] == ["案例一：智慧停车诱导系统", "案例二：萧山区工业云平台"]
    assert cases[0].body == PARKING + "\n" + PARKING_RESULT


def test_attachment_with_only_a_title_and_preamble_has_no_cases() -> None:
    sections = [
        S(
            "杭州市2016年信息消费典型应用案例",
            0,
            ("为贯彻落实《2016年国家信息消费示范城市建设指南》要求，现报送如下。",),
        )
    ]
    assert find_cases(sections, applications_document=True) == []


def test_long_document_is_split_quickly() -> None:
    sections = [S("杭州市信息消费典型应用汇编", 0, ("为贯彻落实指南要求，现将有关案例汇编如下。",))]
    for n in range(1, 301):
        sections.append(S(f"案例{n}：第{n}个智慧应用服务平台", 1, (PARKING, PARKING_RESULT)))
        sections.append(S("（一）主要做法", 2, (HEALTH_WORK,)))
    started = time.perf_counter()
    cases = find_cases(sections, applications_document=True)
    elapsed = time.perf_counter() - started
    assert len(cases) == 300
    assert cases[-1].title == "案例300：第300个智慧应用服务平台"
    assert cases[-1].section == len(sections) - 2
    assert elapsed < 30, elapsed


HEADINGS = [
    None,
    "",
    "  ",
    "附件2",
    "目录",
    "四、典型应用",
    "二、典型应用案例",
    "案例一：“健康杭州”互联网医院平台",
    "案例二:智慧停车诱导系统",
    "一、项目概况",
    "（二）主要做法",
    "3.应用成效",
    "一、智慧民生类",
    "（五）XX集团工业云平台",
    "1.智慧停车诱导系统",
    "五、下一步工作",
    "案例一：智慧停车诱导系统……………2",
]
PARAGRAPHS = [
    HEALTH,
    PARKING,
    CLOUD_RESULT,
    "案例三：萧山区工业云平台。" + CLOUD,
    "1.智慧停车诱导系统。" + PARKING,
    "（一）市民卡平台。" + CARD,
    "二〇一六年十一月二十日",
    "",
    "。",
]
sections_strategy = st.lists(
    st.builds(
        Section,
        st.sampled_from(HEADINGS),
        st.integers(min_value=-1, max_value=6),
        st.lists(st.sampled_from(PARAGRAPHS), max_size=3).map(tuple),
        st.one_of(st.none(), st.integers(min_value=1, max_value=40)),
    ),
    max_size=14,
)


@settings(max_examples=60, deadline=None)
@given(sections_strategy, st.booleans())
def test_any_sections_give_well_formed_cases(sections: list[Section], applications: bool) -> None:
    cases = find_cases(sections, applications_document=applications)
    indices = [c.section for c in cases]
    assert indices == sorted(indices)
    for case in cases:
        assert case.title.strip()
        assert len("".join(case.body.split())) >= 40
        assert 0 <= case.section < len(sections)
        assert case.page == sections[case.section].page


_ORG_NOISE = st.text(
    alphabet="杭州市卫生和计划生育委员会有限公司由与中心局医院本该各，。、（）\n 12",
    max_size=80,
)
KNOWN_ORG = "杭州微医联网络科技有限公司"


@settings(max_examples=60, deadline=None)
@given(_ORG_NOISE, _ORG_NOISE)
def test_organisations_of_any_text_are_names_in_it(before: str, after: str) -> None:
    """Any text's names are in it, trimmed; and a known name set in any text as its own sentence
    is found (so the test fails if organisations() finds nothing at all)."""
    text = f"{before}。{KNOWN_ORG}承建。{after}"
    found = organisations(text)
    assert KNOWN_ORG in found
    for name in found + organisations(before + after):
        assert name in text or name in before + after
        assert name.strip() == name


# Organisations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "平台由杭州市卫生和计划生育委员会牵头，杭州微医联网络科技有限公司承建。",
            ["杭州市卫生和计划生育委员会", "杭州微医联网络科技有限公司"],
        ),
        # 和 inside a government body's name, and between two names.
        (
            "在陕西省通信管理局和西安市工业和信息化委员会的协调下推进。",
            ["陕西省通信管理局", "西安市工业和信息化委员会"],
        ),
        (
            "宁波市经信委和宁波市卫生和计划生育委员会联合推进。",
            ["宁波市卫生和计划生育委员会"],
        ),
        # Verbs between two names.
        (
            "西安市周至县人民政府引进西安秦岭果业电子商务有限公司建设基地。",
            ["西安市周至县人民政府", "西安秦岭果业电子商务有限公司"],
        ),
        (
            "苏州市国土资源局组织苏州测绘地理信息院建设地理信息公共服务平台。",
            ["苏州市国土资源局", "苏州测绘地理信息院"],
        ),
        (
            "重庆巴渝文化云科技有限公司建设数字文化馆，与福州市图书馆合作。",
            ["重庆巴渝文化云科技有限公司", "福州市图书馆"],
        ),
        # 服务/管理/投资 inside names, right before the suffix.
        (
            "郑州黄河风景名胜区管理委员会与成都菁蓉创投服务有限公司合作。",
            ["郑州黄河风景名胜区管理委员会", "成都菁蓉创投服务有限公司"],
        ),
        ("杭州市城市管廊建设投资有限公司委托运维。", ["杭州市城市管廊建设投资有限公司"]),
        # Branches, parents, parentheses and national prefixes.
        (
            "中国移动通信集团浙江有限公司杭州分公司负责网络建设。",
            ["中国移动通信集团浙江有限公司杭州分公司"],
        ),
        ("腾讯科技（深圳）有限公司提供支付服务。", ["腾讯科技（深圳）有限公司"]),
        ("国网福州供电公司联合推进智能电表改造。", ["国网福州供电公司"]),
        (
            "依托青岛大学附属医院和郑州大学第一附属医院。",
            ["青岛大学附属医院", "郑州大学第一附属医院"],
        ),
        ("郑州海关、贵阳银行和广州图书馆参与。", ["郑州海关", "贵阳银行", "广州图书馆"]),
        (
            "以厦门市思明区筼筜街道社区卫生服务中心为代表。",
            ["厦门市思明区筼筜街道社区卫生服务中心"],
        ),
        ("由厦门市综治办牵头、福州市数字办配合。", ["厦门市综治办", "福州市数字办"]),
        (
            "项目由厦门鹭岛文旅信息科技有限公司与鼓浪屿管理委员会合作建设。",
            ["厦门鹭岛文旅信息科技有限公司", "鼓浪屿管理委员会"],
        ),
        # Traps: generic words, determiners, verbs, document titles, counts.
        ("加快数据中心建设，提升呼叫中心和指挥中心能力。", []),
        ("本公司和该公司以及各医院、各有关单位积极参与。", []),
        ("二是建设互联网医院，全市42家医院接入平台。", []),
        ("依托市大数据中心和社区卫生服务中心开展服务。", []),
        ("形成全市联动新格局，福州市网上办事大厅上线运行。", []),
        ("落实《成都市促进国际创新创业中心建设若干政策措施》。", []),
        ("全市200余所学校接入教育城域网。", []),
        ("定制订单占集团总订单的三成。", []),
        ("当地一家科技有限公司和多家软件开发有限公司参与。", []),
        ("", []),
        ("   \n  ", []),
    ],
)
def test_organisations(text: str, expected: list[str]) -> None:
    assert organisations(text) == expected


def test_organisations_keep_the_script_they_were_written_in() -> None:
    text = "蘇州市園林和綠化管理局與蘇州姑蘇智遊信息技術有限公司合作，建設蘇州古典園林智慧旅遊服務平臺。"
    assert organisations(text) == ["蘇州市園林和綠化管理局", "蘇州姑蘇智遊信息技術有限公司"]


def test_organisations_are_listed_once_in_order_of_first_mention() -> None:
    text = "宁波图书馆联合宁波甬阅科技有限公司推出服务。\n宁波图书馆负责运营，宁波甬阅科技有限公司负责技术。"
    assert organisations(text) == ["宁波图书馆", "宁波甬阅科技有限公司"]


def score_organisations() -> tuple[float, float]:
    """Precision and recall of exact names against the `orgs` of the labelled case texts."""
    tp = fp = fn = 0
    for line in TRAIN.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold, found = set(row["orgs"]), set(organisations(row["text"]))
        tp, fp, fn = tp + len(gold & found), fp + len(found - gold), fn + len(gold - found)
    return tp / (tp + fp), tp / (tp + fn)


def test_organisations_on_the_labelled_cases() -> None:
    precision, recall = score_organisations()
    assert precision >= 0.85, precision
    assert recall >= 0.75, recall


# Places ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("成都市青羊区教育局联合杭州余杭区开展试点。", ["成都市", "青羊区", "杭州市", "余杭区"]),
        ("郫县菁蓉镇已入驻创业团队1200余个。", ["郫县"]),
        ("蘇州市園林和綠化管理局", ["苏州市"]),
        ("金水区、二七区完成光纤改造。", ["金水区", "二七区"]),
        # 安康 in a company's name, 阿里 in 阿里巴巴: no city named.
        ("成都安康智慧养老服务有限公司与阿里巴巴集团合作。", ["成都市"]),
        ("城区、园区、景区和社区实现全覆盖，市区和开发区同步推进。", []),
        ("", []),
    ],
)
def test_places(text: str, expected: list[str]) -> None:
    assert places(text) == expected


# Recycled cases ----------------------------------------------------------------------------------

CASE_2015 = HEALTH + HEALTH_WORK + HEALTH_RESULT
# The same case sent again a year later: new figures, a list shortened, one sentence reworded,
# one added, punctuation changed.
CASE_2016_EDITED = (
    CASE_2015.replace("2015年10月", "2015年9月")
    .replace("42家", "58家")
    .replace("120万人", "186万人")
    .replace("预约挂号、诊间结算、检查报告查询、在线复诊等服务", "预约挂号、诊间结算和在线复诊服务")
    .replace("该模式已在省内多个城市复制推广。", "该模式已被省内6个城市借鉴。")
    .replace("，", ",")
    + "2016年平台新增处方药品配送到家服务，覆盖主城区全部社区。"
)
# Another smart-healthcare case of another city.
OTHER_HEALTH = (
    "宁波云医院智慧健康服务平台依托全市区域卫生信息平台和居民电子健康档案，整合市、县、乡、村四级医疗"
    "卫生资源，提供在线咨询、复诊配药、慢病管理、家庭医生签约、远程会诊等线上线下一体化服务。平台在社区"
    "卫生服务中心和村卫生室设立云诊室420个，群众在家门口即可获得三级医院专家服务；慢病患者监测数据实时"
    "上传，由家庭医生团队动态干预。平台注册用户达到61万人，累计提供在线诊疗服务27.3万人次。"
)


def test_overlap_of_a_case_with_itself() -> None:
    assert overlap(CASE_2015, CASE_2015) == 1.0


def test_overlap_of_a_lightly_edited_copy() -> None:
    assert overlap(CASE_2015, CASE_2016_EDITED) > 0.7


def test_overlap_of_a_copy_inside_a_longer_case() -> None:
    longer = OTHER_HEALTH + CASE_2015 + CARD + CARD_WORK + PARKING + PARKING_RESULT
    a, b = shingles(CASE_2015), shingles(longer)
    assert overlap(CASE_2015, longer) > 0.95
    assert overlap(longer, CASE_2015) == overlap(CASE_2015, longer)
    # What containment is for: Jaccard would call these different.
    assert len(a & b) / len(a | b) < 0.5


def test_overlap_of_unrelated_cases_of_the_same_area() -> None:
    assert overlap(CASE_2015, OTHER_HEALTH) < 0.3
    assert overlap(PARKING + PARKING_RESULT, CLOUD + CLOUD_RESULT) < 0.3


def test_traditional_copy_is_the_same_text() -> None:
    import opencc

    traditional = opencc.OpenCC("s2t").convert(CASE_2015)
    assert traditional != CASE_2015
    assert overlap(CASE_2015, traditional) > 0.95


def test_overlap_takes_shingle_sets_and_handles_empty_input() -> None:
    assert overlap(shingles(CASE_2015), shingles(CASE_2016_EDITED)) == overlap(
        CASE_2015, CASE_2016_EDITED
    )
    assert overlap("", CASE_2015) == 0.0
    assert overlap(CASE_2015, "，。 \n") == 0.0
    assert overlap(frozenset(), frozenset()) == 0.0


def test_shingles() -> None:
    assert shingles("") == frozenset()
    assert shingles("，。！ \n\t") == frozenset()
    assert len(shingles("智慧停车")) == 1  # shorter than k: one shingle
    assert len(shingles("智慧停车诱导系统", k=3)) == 6
    # Spacing, punctuation and the figures themselves do not matter.
    assert shingles("平台接入医院42家，注册用户120万人。") == shingles(
        "平台接入医院 58 家注册用户186万人"
    )
    with pytest.raises(ValueError):
        shingles("智慧停车", k=0)


def test_shingles_are_stable_across_processes() -> None:
    """Shingle sets may be stored and compared later, so they must not depend on hash seeds."""
    code = "from classify.applications import shingles; print(sorted(shingles('智慧停车诱导系统'))[:3])"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_shared_passages_show_what_repeats_as_written() -> None:
    longer = OTHER_HEALTH + "\n" + CASE_2016_EDITED + "\n" + CARD
    passages = shared_passages(CASE_2015, longer)
    assert passages, "the copied case shares passages"
    assert passages == sorted(passages, key=len, reverse=True)
    # Cut from the first text, with its punctuation.
    assert all(p in CASE_2015 for p in passages)
    assert any("市民凭市民卡或手机绑定医保账户" in p for p in passages)
    # A run keeps the quote it opens with.
    assert any(p.startswith("“健康杭州”平台由") for p in passages)
    # Only runs of at least min_chars normalised characters.
    assert all(len(p) >= 30 for p in passages)
    assert shared_passages(CASE_2015, OTHER_HEALTH) == []


def test_shared_passages_across_scripts_and_empty_input() -> None:
    import opencc

    traditional = opencc.OpenCC("s2t").convert(HEALTH_WORK)
    passages = shared_passages(HEALTH_WORK, traditional)
    assert passages and passages[0] in HEALTH_WORK
    assert len(passages[0]) > 0.9 * len(HEALTH_WORK)
    assert shared_passages("", HEALTH_WORK) == []
    assert shared_passages(HEALTH_WORK, "") == []
