"""The shared vocabulary: the codes the store, the exports and both interfaces use, with the
Chinese words evaluators see for them. Defined once here, at the bottom layer, so extract/,
classify/, corpus/, cli and web/ all say the same thing and nothing imports in a circle.

The codes are `StrEnum`s: a member equals its plain string (`Kind.progress == "progress"`), so
rows written before the enums existed still compare and filter correctly.
"""

from __future__ import annotations

from enum import StrEnum


class Period(StrEnum):
    """The two reporting periods of the guide's calendar."""

    H1 = "H1"  # 上半年, due early August, figures as of 6月底
    FY = "FY"  # 全年, due end of November, figures as of 10月底/11月底


PERIOD_LABELS: dict[str, str] = {Period.H1: "上半年", Period.FY: "全年"}
# Calendar order within a year: a first half comes before the full year.
PERIOD_ORDER: dict[str, int] = {Period.H1: 0, Period.FY: 1}


def period_label(period: str | None) -> str:
    """上半年 / 全年 for a code; anything else (None, "cumulative") as given."""
    return PERIOD_LABELS.get(period or "", period or "")


def period_choices() -> str:
    """The words an error message lists: `H1 上半年、FY 全年`."""
    return "、".join(f"{code} {label}" for code, label in PERIOD_LABELS.items())


class Kind(StrEnum):
    """What a submitted document is. Kind decides what the scorecard, the application finder and
    the exports look at: only progress reports are judged against the guide's targets."""

    progress = "progress"  # 示范工作进展情况
    applications = "applications"  # 典型应用 attachment
    work_report = "work_report"  # 政府工作报告 (delivered in January, reviews the year before)
    disclosure = "disclosure"  # 政府信息公开工作年度报告
    budget = "budget"  # 预算 / 决算 (a plan or an account, no reporting period)
    statistics = "statistics"  # 统计公报
    plan = "plan"  # 规划 / 方案 / 通知 / 意见
    other = "other"


KIND_LABELS: dict[str, str] = {
    Kind.progress: "进展报告",
    Kind.applications: "典型应用",
    Kind.work_report: "政府工作报告",
    Kind.disclosure: "政府信息公开年度报告",
    Kind.budget: "预算/决算",
    Kind.statistics: "统计公报",
    Kind.plan: "规划/方案/通知",
    Kind.other: "其他",
}


class Level(StrEnum):
    """The administrative level of an issuing unit."""

    province = "province"  # 省、自治区、直辖市
    city = "city"  # 地级市、自治州、地区、盟
    county = "county"  # 市辖区、县、县级市、旗、新区


LEVEL_LABELS: dict[str, str] = {
    Level.province: "省级",
    Level.city: "地市级",
    Level.county: "区县级",
}


class FigureRole(StrEnum):
    """What a figure says about time: only a current level is judged against a level target."""

    baseline = "baseline"  # an earlier value (2015年底, 由…)
    current = "current"  # the value at the report's date
    target = "target"  # a goal the unit set itself or the guide set
    plan = "plan"  # 计划、力争、到2017年底
    change = "change"  # 新增, 提高, 同比增长


ROLE_LABELS: dict[str, str] = {
    FigureRole.baseline: "基期值",
    FigureRole.current: "当期值",
    FigureRole.target: "目标",
    FigureRole.plan: "计划",
    FigureRole.change: "变化量",
}


class FigureKind(StrEnum):
    """What sort of statement a figure is (before its role is known)."""

    level = "level"  # a stock at a date: 用户数达到120万户
    change = "change"  # a flow or growth: 新增, 增长
    target = "target"  # 目标, 计划


FIGURE_KIND_LABELS: dict[str, str] = {
    FigureKind.level: "水平",
    FigureKind.change: "变化",
    FigureKind.target: "计划",
}


class Check(StrEnum):
    """A figure judged against the guide's target for its indicator."""

    met = "met"
    not_met = "not_met"
    not_comparable = "not_comparable"  # another unit, a baseline, a plan, a change


CHECK_LABELS: dict[str, str] = {
    Check.met: "达标",
    Check.not_met: "未达标",
    Check.not_comparable: "无法比较",
}


class Review(StrEnum):
    """An evaluator's decision on a figure."""

    accepted = "accepted"
    rejected = "rejected"
    corrected = "corrected"


REVIEW_LABELS: dict[str, str] = {
    Review.accepted: "已确认",
    Review.rejected: "已否决",
    Review.corrected: "已更正",
}

# Where a recognised metadata value came from, strongest first (extract.metadata weighs them in
# this order), with the words evaluators see.
SOURCE_LABELS: dict[str, str] = {
    "title": "标题",
    "organ": "发文机关",
    "doc_number": "文号",
    "signature": "落款",
    "filename": "文件名",
    "folder": "文件夹名",
    "first_page": "首页",
    "rule": "按报送规则推定",
    "option": "指定",
    "evaluator": "评估人员确认",
}
