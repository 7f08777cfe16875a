"""Figures in time: the date each figure speaks of (`as_of`) and its role (baseline, current,
target, plan, change).

Reports compare: a table puts 2015年底 beside 2016年11月底, prose says 由2M提升至50M, 新增3.2万户,
累计达到…, 同比增长15%. Only the current level may be judged against a level target, so every
figure needs its date and role before a scorecard picks one. Each is read from the nearest
evidence, in this order:

    column header   2015年底 | 2016年11月底 | 指南目标     (table figures)
    the figure's own parenthesis   1786亿元（全年）
    the clause/sentence            截至2016年11月底, 1-11月, 上半年, 2015年底
    the heading                    one unambiguous date in the passage's heading path
    the submission's period        what the caller knows: 2016 H1 → 2016-06-30, FY → 2016-12-31

Dates after 比/较/同比 (比上年, 较年初) name the base of a change, not the figure's date; dates
followed by 以来/起/前 name a start or a deadline and are not used either.

Pure functions over text and Figure objects (classify.figures): no files, no database.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from extract.vocabulary import FigureRole, Period

from .figures import Figure, TextScan
from .numerals import fold

Precision = Literal["day", "month", "half", "year"]


@dataclass(frozen=True, slots=True)
class When:
    """What the caller knows of the submission: its year and period (H1/FY), either may be None."""

    year: int | None = None
    period: str | None = None


@dataclass(frozen=True, slots=True)
class AsOf:
    """A date a figure speaks of: the ISO date of the last day it covers, and how finely the text
    gave it. ISO strings sort as dates do, so the store can order and filter by them."""

    date: str
    precision: Precision

    @property
    def year(self) -> int:
        return int(self.date[:4])

    @property
    def label(self) -> str:
        return as_of_label(self.date, self.precision)


def as_of_label(date: str | None, precision: str | None) -> str:
    """The words evaluators read: 2016年11月底, 2015年底, 2016年上半年, 2016年, 2016年6月30日."""
    if not date:
        return "日期不详"
    year, month, day = int(date[:4]), int(date[5:7]), int(date[8:10])
    if precision == "year":
        return f"{year}年"
    if precision == "half":
        return f"{year}年上半年" if month <= 6 else f"{year}年"
    if precision == "day":
        return f"{year}年{month}月{day}日"
    return f"{year}年底" if month == 12 else f"{year}年{month}月底"


@lru_cache(maxsize=1024)  # a scorecard asks for the same few period ends thousands of times
def _month_end(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def period_end(when: When) -> AsOf | None:
    """The date a submission speaks of when its text names none: H1 → 6月30日, FY (or a year
    without period, as a bulletin) → 12月31日."""
    if when.year is None:
        return None
    if when.period == Period.H1:
        return AsOf(_month_end(when.year, 6), "half")
    return AsOf(_month_end(when.year, 12), "year")


def period_start(when: When) -> str | None:
    return f"{when.year:04d}-01-01" if when.year is not None else None


# Date marks ---------------------------------------------------------------------------------

_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_DATE_RE = re.compile(
    rf"(?<!\d)(?P<y>(?:19|20)\d\d)\s*年\s*(?:(?P<h>上半年|下半年|前三季度|全年|年底|年末|底|末|度)"
    rf"|(?P<m>{_MONTH})\s*月\s*(?:(?P<d>[0-3]?\d)\s*日|(?P<me>底|末|份))?)?"
    rf"|(?<![\d年])(?:0?1|一)\s*[-—－~～至到]\s*(?P<rm>{_MONTH})\s*月(?:份)?"
    rf"|(?<![\d年])(?P<m2>{_MONTH})\s*月\s*(?:底|末)"
    r"|(?P<h2>上半年|前三季度|全年|年底|年末|今年|本年)"
    r"|(?P<ref>上年底|上年末|上年|去年底|去年|年初|同期)"
)
_REFERENCE_BEFORE_RE = re.compile(r"(?:比|较|同比|环比|与|相比|对比|低于|高于)\s*$")
_FROM_BEFORE_RE = re.compile(r"(?:由|从)\s*$")
_NOT_A_DATE_AFTER_RE = re.compile(r"\s*(?:以来|起|开始|前|以前|之前|期间|至今|，?先后)")
_BRACKETS_RE = re.compile(r"《[^》]*》|〔[^〕]*〕|\[[^\]]*\]")
_CN_MONTHS = {n: i for i, n in enumerate("一二三四五六七八九十", 1)} | {"十一": 11, "十二": 12}


def _month(text: str) -> int:
    return int(text) if text.isdigit() else _CN_MONTHS.get(text, 0)


@dataclass(frozen=True, slots=True)
class DateMark:
    """A date in the text. `year` is None when the words name no year (6月底, 上半年): the year is
    then the one in force (the sentence's, else the submission's). `reference` marks the base of
    a comparison (比上年, 较年初); `base` the start of a from→to pair (由年初的88%)."""

    start: int
    end: int
    year: int | None
    month: int  # the last month covered
    day: int | None
    precision: Precision
    offset: int = 0  # years relative to the year in force (上年: -1)
    reference: bool = False
    base: bool = False

    def resolve(self, year: int | None) -> AsOf | None:
        """The date, given the year in force when the words name none."""
        y = self.year if self.year is not None else (None if year is None else year + self.offset)
        if y is None:
            return None
        if self.day is not None:
            return AsOf(f"{y:04d}-{self.month:02d}-{self.day:02d}", "day")
        return AsOf(_month_end(y, self.month), self.precision)


def date_marks(text: str) -> list[DateMark]:
    """Every date in (folded) text, outside titles 《…》 and document numbers 〔…〕."""
    hidden = [m.span() for m in _BRACKETS_RE.finditer(text)]
    marks: list[DateMark] = []
    for match in _DATE_RE.finditer(text):
        start, end = match.span()
        if any(a <= start < b for a, b in hidden):
            continue
        if _NOT_A_DATE_AFTER_RE.match(text, end):
            continue
        mark = _mark(match)
        if mark is None:
            continue
        before = text[max(0, start - 4) : start]
        base = bool(_FROM_BEFORE_RE.search(before))
        reference = mark.reference or bool(_REFERENCE_BEFORE_RE.search(before))
        marks.append(replace(mark, reference=reference and not base, base=base))
    return marks


def _mark(match: re.Match[str]) -> DateMark | None:
    start, end = match.span()
    if match.group("y"):
        year = int(match.group("y"))
        half = match.group("h")
        if match.group("m"):
            month = _month(match.group("m"))
            if not 1 <= month <= 12:
                return None
            day = match.group("d")
            if day is not None:
                d = int(day)
                if not 1 <= d <= calendar.monthrange(year, month)[1]:
                    return None
                return DateMark(start, end, year, month, d, "day")
            return DateMark(start, end, year, month, None, "month")
        if half in ("上半年",):
            return DateMark(start, end, year, 6, None, "half")
        if half == "前三季度":
            return DateMark(start, end, year, 9, None, "month")
        if half in ("年底", "年末", "底", "末"):
            return DateMark(start, end, year, 12, None, "month")
        return DateMark(start, end, year, 12, None, "year")
    if match.group("rm") or match.group("m2"):
        month = _month(match.group("rm") or match.group("m2"))
        return DateMark(start, end, None, month, None, "month") if 1 <= month <= 12 else None
    half = match.group("h2")
    if half == "上半年":
        return DateMark(start, end, None, 6, None, "half")
    if half == "前三季度":
        return DateMark(start, end, None, 9, None, "month")
    if half in ("年底", "年末"):
        return DateMark(start, end, None, 12, None, "month")
    if half:
        return DateMark(start, end, None, 12, None, "year")
    ref = match.group("ref")
    if ref in ("年初", "上年底", "上年末", "去年底"):
        return DateMark(start, end, None, 12, None, "month", offset=-1, reference=True)
    if ref in ("上年", "去年"):
        return DateMark(start, end, None, 12, None, "year", offset=-1, reference=True)
    return None  # 同期: a reference with no date of its own


def single_date(text: str, year: int | None) -> AsOf | None:
    """The one date a short text (a column header, a heading, a parenthesis) names, or None when
    it names none or several different ones (安徽省2023年预算执行情况和2024年预算草案)."""
    if not text:
        return None
    folded = fold(text)
    found = {
        m.resolve(year if year is not None else _year_before(folded, m.start, None))
        for m in date_marks(folded)
        if not m.reference
    }
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def _year_before(text: str, position: int, default: int | None) -> int | None:
    """The last explicit year written before `position` (2016年…6月底 → 2016), else `default`."""
    last = default
    for match in re.finditer(r"(?<!\d)((?:19|20)\d\d)\s*年", text[:position]):
        last = int(match.group(1))
    return last


# Roles --------------------------------------------------------------------------------------

_INCREMENT_RE = re.compile(
    r"(?:新增|新建|净增|新开通|新发展|新认定|新培育|新安装|新签约|新上线|新引进|新落户|新招引)"
)
_TOTAL_RE = re.compile(r"累计|总数|总量|总计|合计|共计|达到|达|余额|规模|增至|提高到|提升至")
_GOAL_RE = re.compile(r"目标")
_PLAN_RE = re.compile(r"计划|力争|预计|预期|争取|拟|规划|将")
_TO_GAP_RE = re.compile(
    r"\s*(?:的)?\s*(?:提升|提高|增长|增加|扩大|上升|下降|降低|压缩|缩短|减少|缩减|扩容|跃升|升|增|降|缩)?"
    r"\s*(?:到|至|为)\s*"
)
_FROM_RE = re.compile(r"(?:由|从)[^，,；;。]{0,12}$")


def _pairs(text: str, figures: list[Figure]) -> dict[int, int]:
    """From→to pairs (由82%提高到96.5%, 由原来的20天压缩至8天以内): index of the first figure →
    index of the second. The first must follow 由/从 in its clause, the gap between them must say
    "(提高)到/至"."""
    out: dict[int, int] = {}
    for i in range(len(figures) - 1):
        a, b = figures[i], figures[i + 1]
        if a.unit != b.unit or a.row != b.row or a.col != b.col:
            continue
        if not _FROM_RE.search(text[max(0, a.start - 14) : a.start]):
            continue
        if _TO_GAP_RE.fullmatch(text, a.end, b.start):
            out[i] = i + 1
    return out


def _plan_role(before: str) -> str:
    """目标 alone names a target; 计划, 力争, 预计, 到2017年… name a plan."""
    if _GOAL_RE.search(before) and not _PLAN_RE.search(before):
        return FigureRole.target
    return FigureRole.plan


def level_role(gap: str, as_of: AsOf | None, when: When) -> str:
    """A level figure's role: an increment (新增, 新建, 净增 with no 累计/达到 after it) is a change;
    a level dated before the submission's year is a baseline, one dated after its period a plan;
    the rest is current."""
    last_increment = None
    for match in _INCREMENT_RE.finditer(gap):
        last_increment = match
    if last_increment is not None and not _TOTAL_RE.search(gap, last_increment.end()):
        return FigureRole.change
    start, end = period_start(when), period_end(when)
    if as_of is not None and start is not None and as_of.date < start:
        return FigureRole.baseline
    if as_of is not None and end is not None and as_of.date > end.date:
        return FigureRole.plan  # a level dated after the report: 2024年安排… in a 2023 report
    return FigureRole.current


# Prose ----------------------------------------------------------------------------------------

_PAREN_AFTER_RE = re.compile(r"\s*[（(]([^（）()]{1,12})[)）]")


def date_figures(text: str, figures: list[Figure], when: When, heading: str = "") -> list[Figure]:
    """Given a passage's text and its figures (classify.figures.find_figures), returns them with
    as_of, precision, as_of_source, role and, for from→to pairs, pair_start."""
    if not figures:
        return []
    folded = fold(text)
    scan = TextScan.cached(folded)
    marks = date_marks(folded)
    fallback = single_date(heading, when.year)
    fallback_source = "heading"
    if fallback is None:
        fallback, fallback_source = period_end(when), "submission"
    pairs = _pairs(folded, figures)
    seconds = {j: i for i, j in pairs.items()}
    out: list[Figure] = []
    for index, figure in enumerate(figures):
        sentence = scan.start_of(scan.sentences, figure.start)
        # a date without a year (11月底, 上半年) is in the submission's year; the sentence's own
        # year only counts when the submission's is unknown (2015年底…；截至11月底… is 2016 in 2016)
        year = (
            when.year
            if when.year is not None
            else _year_before(folded[sentence:], figure.start - sentence, None)
        )
        as_of, source = _own_date(folded, figure, marks, sentence, year, index in pairs)
        if as_of is None and index not in pairs:  # an undated base (由82%) stays undated
            as_of, source = fallback, fallback_source
        previous_end = figures[index - 1].end if index else 0
        gap = folded[max(sentence, previous_end) : figure.end]  # with the raw: 新建…达到86%
        if figure.kind == "target":
            role = _plan_role(folded[sentence : figure.start])
            if source == fallback_source and when.year is not None:
                as_of = AsOf(_month_end(when.year, 12), "year")  # 全年计划: the year's end
        elif figure.kind == "change":
            role = FigureRole.change
        elif index in pairs:
            role = FigureRole.baseline
        elif index in seconds:
            role = FigureRole.current
        else:
            role = level_role(gap, as_of, when)
        pair_start = None
        if index in pairs:
            pair_start = figures[pairs[index]].start
        elif index in seconds:
            pair_start = figures[seconds[index]].start
        out.append(
            replace(
                figure,
                role=str(role),
                as_of=as_of.date if as_of else None,
                precision=as_of.precision if as_of else None,
                as_of_source=source if as_of else None,
                pair_start=pair_start,
            )
        )
    return out


def _own_date(
    text: str,
    figure: Figure,
    marks: list[DateMark],
    sentence: int,
    year: int | None,
    is_base: bool,
) -> tuple[AsOf | None, str | None]:
    """The date the figure's own words give: a parenthesis right after it (1786亿元（全年）), else
    the nearest date before it in its sentence that is not the base of a comparison. A from→to
    base takes only a date between 由 and itself (由年初的88%)."""
    paren = _PAREN_AFTER_RE.match(text, figure.end)
    if paren:
        found = single_date(paren.group(1), year)
        if found is not None:
            return found, "clause"
    best = None
    for mark in marks:
        if mark.end > figure.start or mark.start < sentence:
            continue
        if is_base:
            if mark.base and mark.start >= figure.start - 14:
                best = mark
            continue
        if mark.reference or mark.base:
            continue
        best = mark
    if best is None:
        return None, None
    if best.base or best.reference:
        best = replace(best, reference=False, base=False)
    return best.resolve(year), "clause"


# Tables ---------------------------------------------------------------------------------------

_TARGET_HEADER_RE = re.compile(r"目标|指南|要求")
_PLAN_HEADER_RE = re.compile(r"计划|预计|力争|规划|预期")


def date_table_figures(
    rows: list[list[str]], figures: list[Figure], when: When, heading: str = ""
) -> list[Figure]:
    """Given a table's rows and its figures (classify.table_figures.figures_in_table), returns them
    dated and with roles. A value takes its date from its column header (2015年底, 2016年11月底),
    else its own parenthesis (1023.4亿元（1-6月）), else the row label, the heading, the
    submission. Among the dated level columns the latest is current and the earlier ones are
    baselines; a 目标 column holds targets, a 计划/预计 column plans, a 增幅 column changes."""
    if not figures:
        return []
    from .table_figures import table_layout  # the layout is the table module's step

    layout = table_layout([[c or "" for c in row] for row in rows])
    headers = layout.headers
    fallback = single_date(heading, when.year)
    fallback_source = "heading" if fallback is not None else "submission"
    fallback = fallback or period_end(when)
    end = period_end(when)
    column_dates: dict[int, AsOf] = {}
    for col, header in enumerate(headers):
        found = single_date(header, when.year)
        if found is not None:
            column_dates[col] = found
    level_cols = {
        f.col
        for f in figures
        if f.kind == "level" and f.col in column_dates and not _goal_header(headers, f.col)
    }
    dated = [column_dates[c] for c in level_cols if end is None or column_dates[c].date <= end.date]
    latest_as_of = max(dated, key=lambda d: d.date, default=None)
    latest = latest_as_of.date if latest_as_of else None
    out: list[Figure] = []
    for figure in figures:
        header = headers[figure.col] if figure.col is not None and figure.col < len(headers) else ""
        label = _label(rows, figure, layout.label_col)
        cell = rows[figure.row][figure.col] if figure.row is not None else ""
        as_of, source = column_dates.get(figure.col), "column"
        if as_of is None:
            paren = _PAREN_AFTER_RE.match(fold(cell), figure.end)
            as_of = single_date(paren.group(1), when.year) if paren else None
            source = "clause"
        if as_of is None:
            as_of, source = single_date(label, when.year), "row"
        if as_of is None and figure.kind == "change" and latest is not None:
            as_of, source = latest_as_of, "column"
        if as_of is None:
            as_of, source = fallback, fallback_source
        if figure.kind == "target" or _goal_header(headers, figure.col):
            role = FigureRole.plan if _PLAN_HEADER_RE.search(header) else FigureRole.target
            if source != "column" and when.year is not None:
                as_of, source = AsOf(_month_end(when.year, 12), "year"), "submission"
        elif figure.kind == "change":
            role = FigureRole.change
        elif end is not None and as_of is not None and as_of.date > end.date:
            role = FigureRole.plan
        elif figure.col in level_cols and latest is not None and as_of.date < latest:
            role = FigureRole.baseline
        else:
            role = level_role(f"{label}{header}", as_of, when)
        out.append(
            replace(
                figure,
                role=str(role),
                as_of=as_of.date if as_of else None,
                precision=as_of.precision if as_of else None,
                as_of_source=source if as_of else None,
            )
        )
    return out


def _goal_header(headers: list[str], col: int | None) -> bool:
    if col is None or col >= len(headers):
        return False
    header = headers[col]
    return bool(_TARGET_HEADER_RE.search(header) or _PLAN_HEADER_RE.search(header))


def _label(rows: list[list[str]], figure: Figure, label_col: int | None) -> str:
    if figure.row is None or label_col is None:
        return ""
    row = rows[figure.row]
    return row[label_col] or "" if label_col < len(row) else ""
