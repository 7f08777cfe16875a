"""Figures: the numbers with units that progress reports state, in canonical form.

Evaluators compare cities by these numbers ("20M以上宽带用户占比达到90.4%"), so each figure is
found with its exact span, its value fully expanded, a canonical unit, and what the words around
it say: a comparator (超过 → ">"), an approximation (约, 余), whether it is a level, a change or a
plan, the period it covers and, when the words name one, the indicator it measures.

Prose goes through a pipeline of small steps, each a pure function that can be tested alone:

    candidates      regex: numeral + unit, ranges split in two, 百分之N
    numeral value   classify.numerals.parse_numeral
    canonical_unit  万/亿 expanded, 千兆 → 1000 Mbps, 千米 → 公里
    comparison      超过/达到/以上/约/近/左右… around the span; the span grows to include them
    rejection       years, dates, ordinals, names (4G, G20), idioms (一批, 千家万户)…
    kind_of         level / change / target
    period_of       H1 / FY / cumulative / None
    indicator_of    the catalogue's synonym closest before, in the same clause

Tables (classify.table_figures) reuse the steps, and give a bare number its unit from the column
or row header. The date each figure speaks of and its role (baseline, current, change…) are read
afterwards, in classify.figure_time.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from extract.vocabulary import Period

from .indicators import Catalogue, Verdict, check_target, load_catalogue
from .numerals import (
    CN_DIGITS,
    Numeral,
    fold,
    multiplier_tail,
    parse_numeral,
)
from .units import DURATIONS, UNIT_TABLE, canonical_unit

Kind = Literal["level", "change", "target"]


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure. `raw` is the source text at `start:end` (offsets into the text given, or into
    the cell's text for a table figure, whose `row` and `col` are set)."""

    raw: str
    value: float
    unit: str
    approx: bool
    cmp: str | None
    kind: Kind
    period: str | None
    indicator: str | None
    start: int
    end: int
    row: int | None = None
    col: int | None = None
    # When and what: set by classify.figure_time (None until then). `as_of` is the ISO date of
    # the last day the figure covers, `precision` how finely the text gave it (day, month, half,
    # year), `role` an extract.vocabulary.FigureRole, `pair_start` the start of the other figure
    # of a from→to pair (由2M提升至50M) in the same text.
    role: str | None = None
    as_of: str | None = None
    precision: str | None = None
    as_of_source: str | None = None
    pair_start: int | None = None


# Units ----------------------------------------------------------------------------------------


def _unit_alternation() -> str:
    """Units longest first (个百分点 before 个); ASCII units may not run on into a word (20MHz)."""
    parts = []
    for unit in sorted(UNIT_TABLE, key=len, reverse=True):
        escaped = re.escape(unit)
        parts.append(
            escaped + "(?![A-Za-z])" if unit[-1].isascii() and unit[-1].isalpha() else escaped
        )
    return "|".join(parts)


# Candidates -----------------------------------------------------------------------------------

_CN_DIGIT_CLASS = "〇零一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_CN_CLASS = _CN_DIGIT_CLASS + "十百千万亿拾佰仟"
_ARABIC = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_NUM = (
    rf"(?:(?<![\d.])(?<!\d,){_ARABIC}(?:[余多几]?[十百千万亿])*[余多几]?"
    rf"|(?<![{_CN_CLASS}])[{_CN_CLASS}]+(?:点[{_CN_DIGIT_CLASS}]+)?(?:[余多几][万亿]*)?)"
)
_UNIT = _unit_alternation()
_SEP = r"[-~～—－至到]"
# The leading look-ahead lets the engine skip, in one test, the positions where no numeral starts.
_CANDIDATE_RE = re.compile(
    rf"(?=[\d{_CN_CLASS}])(?:(?P<a>{_NUM})[ \u00a0]?(?P<au>{_UNIT})?[ \u00a0]?{_SEP}[ \u00a0]?(?P<b>{_NUM})[ \u00a0]?(?P<bu>{_UNIT})"
    rf"|百分之(?P<p>{_NUM})"
    rf"|(?P<n>{_NUM})[ \u00a0]?(?P<u>{_UNIT}))"
)
# "提高7.8个和15.3个百分点": the first 个 is a percentage point too.
_SHARED_POINTS_RE = re.compile(rf"[和、及与]\s*{_NUM}\s*个百分点")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A numeral with a unit, as the regex found it. `number` and `unit` are what to value: for the
    first number of a range they borrow the second's multiplier and unit (`3至5万户` → 3万, 户)."""

    start: int
    end: int
    number: str
    unit: str
    unit_start: int
    pair: int = 0  # 0: alone; 1, 2: first and second number of a range


def candidates(text: str) -> list[Candidate]:
    """Given folded text, returns every numeral-with-unit it contains, in order. Ranges give two
    candidates; 百分之十五 gives one with unit %. Nothing is judged here."""
    out: list[Candidate] = []
    for match in _CANDIDATE_RE.finditer(text):
        if match.group("p") is not None:
            out.append(Candidate(match.start(), match.end(), match.group("p"), "%", match.start()))
        elif match.group("n") is not None:
            unit = match.group("u")
            if unit == "个" and _SHARED_POINTS_RE.match(text, match.end()):
                unit = "个百分点"
            out.append(
                Candidate(match.start(), match.end(), match.group("n"), unit, match.start("u"))
            )
        else:
            first, second = match.group("a"), match.group("b")
            borrowed = first if multiplier_tail(first) else first + multiplier_tail(second)
            first_unit = match.group("au") or match.group("bu")
            first_end = match.end("au") if match.group("au") else match.end("a")
            unit_start = match.start("au") if match.group("au") else match.end("a")
            out.append(Candidate(match.start("a"), first_end, borrowed, first_unit, unit_start, 1))
            out.append(
                Candidate(
                    match.start("b"), match.end(), second, match.group("bu"), match.start("bu"), 2
                )
            )
    return out


# Comparators and approximations ---------------------------------------------------------------

_LEFT_WORDS: dict[str, tuple[str | None, bool]] = {
    "不低于": (">=", False),
    "不少于": (">=", False),
    "不小于": (">=", False),
    "至少": (">=", False),
    "达到": (">=", False),
    "达": (">=", False),
    ">=": (">=", False),
    "≥": (">=", False),
    "超过": (">", False),
    "突破": (">", False),
    "高于": (">", False),
    "大于": (">", False),
    "多于": (">", False),
    "逾": (">", False),
    "超": (">", False),
    ">": (">", False),
    "不超过": ("<=", False),
    "不高于": ("<=", False),
    "不大于": ("<=", False),
    "不多于": ("<=", False),
    "<=": ("<=", False),
    "≤": ("<=", False),
    "低于": ("<", False),
    "不足": ("<", False),
    "少于": ("<", False),
    "小于": ("<", False),
    "不到": ("<", False),
    "<": ("<", False),
    "约为": (None, True),
    "大约": (None, True),
    "约": (None, True),
    "将近": (None, True),
    "接近": (None, True),
    "近": (None, True),
    "上": (None, True),  # 上百家, 上千: only before a bare 百/千/万 (see comparison)
}
_RIGHT_WORDS: dict[str, tuple[str | None, bool]] = {
    "及以上": (">=", False),
    "以上": (">", False),
    "及以下": ("<=", False),
    "以下": ("<", False),
    "以内": ("<=", False),
    "之内": ("<=", False),
    "左右": (None, True),
    "上下": (None, True),
}


def _alternation(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_LEFT_RE = re.compile(rf"(?:{_alternation(list(_LEFT_WORDS))})[ \u00a0]?\Z")
_RIGHT_RE = re.compile(rf"[ \u00a0]?(?:{_alternation(list(_RIGHT_WORDS))})(?![游级班])")
_AFTER_UNIT_APPROX = frozenset({"倍", "年", "个月", "天", "小时", "分钟"})
_NOT_REACH = frozenset("下到送抵传表直转通")  # 下达, 到达… are not "reaches"


@dataclass(frozen=True, slots=True)
class Comparison:
    """The comparator and approximation read around a candidate, and the span grown to hold the
    words they came from ("超过50%", "近百家", "92%以上")."""

    cmp: str | None
    approx: bool
    start: int
    end: int
    left_word: str | None = None
    negative: bool = False


def _is_bare_magnitude(number: str) -> bool:
    """百, 千, 万, 百万, 上亿: a magnitude word with no digit, which only counts as a numeral after
    近/上/超过… (近百家) or as bandwidth (千兆)."""
    core = number.rstrip("余多几")
    return bool(core) and all(c in "百千万亿" for c in core)


def comparison(text: str, candidate: Candidate, numeral: Numeral) -> Comparison:
    """Given a candidate and its numeral, returns the comparator (`>`, `>=`, `<`, `<=` or None)
    and approximation around it. Words directly before the numeral (超过, 达到, 约, 近…) and after
    the unit (以上, 以内, 左右…) count; 余/多/几 in the numeral make it approximate. A range's first
    number reads only the words before it, its second only those after."""
    cmp: str | None = None
    approx = numeral.suffix is not None
    start, end = candidate.start, candidate.end
    left_word = None
    negative = _is_negative(text, start) and candidate.pair == 0
    if negative:
        start -= 1
    elif candidate.pair != 2:
        for _ in range(2):  # 达到近100%: an approximation inside a comparator
            window = text[max(0, start - 4) : start]
            match = _LEFT_RE.search(window)
            if match is None:
                break
            word = match.group().strip()
            if word == "上" and not _is_bare_magnitude(candidate.number):
                break
            word_start = start - (len(window) - match.start())
            if word == "达" and word_start > 0 and text[word_start - 1] in _NOT_REACH:
                break
            word_cmp, word_approx = _LEFT_WORDS[word]
            cmp = cmp or word_cmp
            approx = approx or word_approx
            left_word = left_word or word
            start = word_start
    if candidate.pair != 1:
        if candidate.unit in _AFTER_UNIT_APPROX and text[end : end + 1] in ("多", "余"):
            approx, end = True, end + 1  # 一倍多, 两年多
        match = _RIGHT_RE.match(text, end)
        if match:
            word_cmp, word_approx = _RIGHT_WORDS[match.group().strip()]
            cmp = word_cmp or cmp  # 达到95%以上 is "more than 95"
            approx = approx or word_approx
            end = match.end()
    return Comparison(cmp, approx, start, end, left_word, negative)


_MINUS = frozenset("-－−")


def _is_negative(text: str, start: int) -> bool:
    """A minus sign directly before an Arabic number that follows a label or a colon
    ("增减：-16.55%"), not a hyphen inside a word, a code or a range (GB/T 2-3)."""
    if start == 0 or text[start - 1] not in _MINUS or not text[start].isdigit():
        return False
    before = text[start - 2] if start >= 2 else " "
    return before in " ：:（(，,；;=为" or before == "\n"


# Rejection of non-figures ---------------------------------------------------------------------

# Set phrases whose numeral is not a quantity: 培育一批企业, 千家万户, 一张网, 四个全面…
_IDIOM_RE = re.compile(
    "一批|最后一公里|一笔带过|千家万户|万家灯火|一张[网图卡表]|一件事|一次性|跑一次|一次办|一部分|一条龙|一带一路|四个全面"
    "|[一二三四五六七八九]位一体|两个一百年|千人计划|万人计划|百人计划|一个中心|一站式|一揽子"
)
# A one-character unit followed by one of these characters begins another word (三部门, 两名单,
# 一期工程), so it is not a unit there.
_UNIT_WORD_NEXT = {
    "部": "门委署分",
    "名": "单称录",
    "项": "目",
    "人": "员民",
    "条": "件例",
    "场": "景所",
    "处": "理于",
    "位": "置于",
    "台": "账",
    "组": "织建成",
    "种": "类",
    "批": "准复",
    "次": "数",
    "例": "如",
    "路": "线",
    "所": "属有",
    "本": "地市",
    "套": "餐",
    "款": "项式",
    "只": "有是",
    "件": "事",
    "家": "居电",
    "个": "性体",
    "户": "籍",
    "张": "贴",
    "年": "级度代龄",
    "集": "团成中聚",
    "支": "持付撑",
    "篇": "章",
    "期": "工项建间末初刊",
}
_FOLLOWED_AS_DATE = frozenset("月底末初度前后代级")
_NAMED_PLAN_RE = re.compile(r"(?:行动|计划|规划|攻坚|发展规划)")
_ITEM_START_RE = re.compile(r"\s*\Z")
_NAME_GENERATIONS = frozenset({2.0, 3.0, 4.0, 5.0, 6.0})
_WIFI_BANDS = frozenset({2.4, 5.8})
_LONE_ONE_BEFORE = frozenset("统同唯单第之进万逐某每任下另")


def rejection(text: str, candidate: Candidate, numeral: Numeral, comp: Comparison) -> str | None:
    """Given a candidate, its numeral and comparison, returns why it is not a figure (a short
    reason, useful in tests and for debugging) or None when it is one."""
    start, number, unit = candidate.start, candidate.number, candidate.unit
    before = text[start - 1] if start else ""
    after = text[candidate.end : candidate.end + 2]
    core = number.rstrip("余多几")
    is_chinese = not number[0].isdigit()
    if before == "第" or (before == "前" and unit in ("名", "位")):
        return "ordinal"
    if before.isascii() and before.isalpha():
        return "name or code (letter before the number)"  # G20, O2O, IPv6, X86
    if before and before in "几数若" and number[0] in "十百千万亿":
        return "vague count (数十, 几百)"
    if before == "每":
        return "rate denominator (每万人)"
    if is_chinese:
        bare = not any(c in CN_DIGITS for c in core) and not core.startswith("十")
        spelled_percent = text.startswith("百分之", start)  # 百分之百
        if (
            bare
            and comp.left_word is None
            and not spelled_percent
            and UNIT_TABLE.get(unit, ("", 0))[0] != "Mbps"
        ):
            return "bare magnitude word (万人, 百家) without 近/上/超过"
        if core == "一" and before in _LONE_ONE_BEFORE:
            return "part of a word (统一, 同一)"
    elif len(core) > 2 and core[0] == "0" and core[1].isdigit():
        return "code or phone number (leading zero)"
    if unit == "年":
        if numeral.value == int(numeral.value) and 1900 <= numeral.value <= 2100:
            return "year"
        if after[:1] in _FOLLOWED_AS_DATE or after.startswith(("上半", "下半", "全年")):
            return "date"
        if _NAMED_PLAN_RE.match(text, candidate.end):
            return "name of a plan (三年行动计划)"
        if after[:1] == "来" or after == "以来":
            return "time span (三年来)"
    if unit in DURATIONS and comp.left_word == "近":
        return "time span (近3年, 近三个月)"
    next_char = text[candidate.unit_start + 1 : candidate.unit_start + 2]
    if len(unit) == 1 and next_char and next_char in _UNIT_WORD_NEXT.get(unit, ""):
        return "the unit character begins another word (三部门)"
    if unit == "G":
        if numeral.value in _NAME_GENERATIONS and "." not in number:
            return "name (4G, 5G)"
        if numeral.value in _WIFI_BANDS:
            return "name (2.4G band)"
        if (
            "." in number
            and _ITEM_START_RE.match(text[:start])
            and number.split(".")[1] in ("2", "3", "4", "5")
        ):
            return "item number before a name (2.4G基站 as 2. 4G基站)"
    if is_chinese and _idiom_at(text, start, candidate.end):
        return "set phrase (一批, 千家万户)"
    return None


def _idiom_at(text: str, start: int, end: int) -> bool:
    """True when a set phrase overlaps text[start:end]."""
    window_start = max(0, start - 4)
    for match in _IDIOM_RE.finditer(text, window_start, min(len(text), end + 4)):
        if match.start() < end and match.end() > start:
            return True
    return False


# Scanning a text once for sentence bounds and markers -------------------------------------------

_CLAUSE_END_RE = re.compile(r"[，,；;。！？!?\n]")
_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_PERIOD_RE = re.compile(
    r"(?P<cum>截至目前|截止目前|截至当前|截止当前|目前累计|累计|迄今|至今(?![年天日]))"
    rf"|(?P<range>(?<!\d)(?:0?1|一)\s*[-—－~～至到]\s*(?P<rm>{_MONTH})\s*月)"
    rf"|(?P<mend>(?:截至|截止到|截止|到|至)\s*(?:20\d\d\s*年\s*)?(?P<mm>{_MONTH})\s*月(?:底|末|份)?"
    rf"|(?<![\d比较与同和自从])(?P<mm2>{_MONTH})\s*月(?:底|末))"
    r"|(?<![比较与同和自从去上前半])(?P<h1>上半年)"
    r"|(?<![比较与同和自从去上前半季])(?P<fy>全年|年底|年末|(?<=\d年)度|前三季度)"
)
_TARGET_RE = re.compile(
    r"(?<!行动)(?<!年度)计划(?!单列)|力争|预计|预期|争取|(?<!模)(?<!虚)拟(?!定)|规划"
    r"|(?<!完成)(?<!实现)(?<!完成年度)(?<!完成全年)(?<!超额完成)目标(?!管理|考核|责任|任务)"
    r"|(?<!截)(?:到|至)20\d\d年"
)
_CLAUSE_TARGET_RE = re.compile(r"将(?!近)")
_TITLE_RE = re.compile(r"《[^》]*》")


_CN_MONTHS = {
    name: n
    for n, name in enumerate(
        ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"], 1
    )
}


def _month(text: str) -> int:
    return int(text) if text.isdigit() else _CN_MONTHS.get(text, 0)


def _period_of_marker(match: re.Match[str]) -> str | None:
    if match.group("cum"):
        return "cumulative"
    if match.group("h1"):
        return Period.H1
    if match.group("fy"):
        return Period.FY
    month = match.group("rm") or match.group("mm") or match.group("mm2")
    if month is None:
        return None
    return Period.H1 if _month(month) <= 6 else Period.FY


def _outside_titles(positions: list[int], titles: list[tuple[int, int]]) -> list[int]:
    """Plan words inside 《…》 are part of a title (《三年行动计划》), not a plan."""
    if not titles:
        return positions
    return [p for p in positions if not any(a <= p < b for a, b in titles)]


@dataclass(frozen=True, slots=True)
class TextScan:
    """Where a text's sentences and clauses start, and where its period and plan words are.
    Built once per text, so each figure looks them up by bisection."""

    sentences: list[int]  # starts of sentences (after 。！？)
    strong: list[int]  # starts of sentences or ；-parts
    clauses: list[int]  # starts of clauses (after ，；。！？)
    period_ends: list[int]
    periods: list[str]
    targets: list[int]  # ends of plan words (计划, 力争…), outside titles
    clause_targets: list[int]  # ends of 将

    @classmethod
    def of(cls, text: str) -> TextScan:
        titles = [m.span() for m in _TITLE_RE.finditer(text)] if "《" in text else []
        period_ends: list[int] = []
        periods: list[str] = []
        for match in _PERIOD_RE.finditer(text):
            period = _period_of_marker(match)
            if period:
                period_ends.append(match.end())
                periods.append(period)
        sentences, strong, clauses = [0], [0], [0]
        for match in _CLAUSE_END_RE.finditer(text):
            end = match.end()
            clauses.append(end)
            char = match.group()
            if char not in "，,":
                strong.append(end)
                if char not in "；;":
                    sentences.append(end)
        return cls(
            sentences=sentences,
            strong=strong,
            clauses=clauses,
            period_ends=period_ends,
            periods=periods,
            targets=_outside_titles([m.end() for m in _TARGET_RE.finditer(text)], titles),
            clause_targets=_outside_titles(
                [m.end() for m in _CLAUSE_TARGET_RE.finditer(text)], titles
            ),
        )

    @staticmethod
    @lru_cache(maxsize=256)
    def cached(text: str) -> TextScan:
        """`of`, kept for the last texts: find_figures, then figure_time.date_figures, scan the
        same passage. A scan is never changed once built, so sharing it is safe."""
        return TextScan.of(text)

    @staticmethod
    def start_of(starts: list[int], position: int) -> int:
        return starts[bisect_right(starts, position) - 1]

    @staticmethod
    def any_between(positions: list[int], low: int, high: int) -> bool:
        index = bisect_right(positions, high) - 1
        return index >= 0 and positions[index] >= low


# Kind, period, indicator ----------------------------------------------------------------------

_CHANGE_RE = re.compile(
    r"(?P<rate>增幅|增速|降幅|增长率|增减|同比|环比)|增长|增加|提高|提升|上升|下降|降低|减少|回落|缩短|缩小|压缩|缩减|节约|节省|扩大|翻"
)
_TO_RE = re.compile(r"[到至为达]")


def kind_of(text: str, start: int, unit: str, scan: TextScan, since: int = 0) -> Kind:
    """Given a figure's start, returns "target" when a plan word (计划, 力争, 预计, 目标, 拟,
    到2017年…) comes before it in its sentence (将 in its clause), "change" for a growth or drop
    (同比增长15%, 提高3个百分点, 增长1.5倍) and "level" otherwise. 新增/净增 and "提高到91%" are
    levels. `since` is the end of the previous figure: a change word before it is not this one's."""
    sentence = scan.start_of(scan.strong, start)
    clause = scan.start_of(scan.clauses, start)
    # 将 marks the future only when a verb follows it (将新增…), not 将62个项目纳入…
    if scan.any_between(scan.targets, sentence, start) or scan.any_between(
        scan.clause_targets, clause, start - 1
    ):
        return "target"
    if unit == "个百分点":
        return "change"
    gap_start = max(clause, since)
    last = None
    for match in _CHANGE_RE.finditer(text, gap_start, start):
        last = match  # the change word nearest the figure counts
    if last is None:
        return "level"
    if last.group("rate"):
        return "change"
    if _TO_RE.search(text, last.end(), start):
        return "level"  # 提高到91%, 增长至53个
    return "change"


def period_of(start: int, scan: TextScan) -> str | None:
    """Given a figure's start, returns the period named by the nearest marker before it in its
    sentence: "H1" (上半年, 截至6月底, 1-6月), "FY" (全年, 截至年底, 1-11月), "cumulative" (累计,
    截至目前) or None. Markers after 比/较 (比6月底提高) name a reference, not the period."""
    index = bisect_right(scan.period_ends, start) - 1
    if index < 0 or scan.period_ends[index] <= scan.start_of(scan.sentences, start):
        return None
    return scan.periods[index]


# A clause that only continues the previous one ("，累计达到4.1万个", "，较去年底净增83万户") takes
# its subject from there.
_CONTINUATION_RE = re.compile(
    "(?:累计|总计|合计|共计|共|已经|已|其中|目前|全年|上半年|截至目前|同比|环比|较上年底?|较去年底?|较年初"
    "|比上年底?|比去年底?|分别|平均|新增|净增|新建|增长到|增长|下降|提高到|提高|提升至|提升|增加|减少|增至"
    "|达到|达|为|超过|突破|逾|约|近|将近|实现|完成|再|又|，|,)*"
)


def indicator_of(
    text: str, start: int, unit: str, scan: TextScan, catalogue: Catalogue
) -> str | None:
    """Given a figure, returns the indicator named by the closest synonym before it in its clause
    (or in the previous clause of the sentence, when its own clause only continues that one)."""
    clause = scan.start_of(scan.clauses, start)
    found = catalogue.resolve(text[clause:start], unit)
    if found is not None or clause == 0:
        return found
    if not _CONTINUATION_RE.fullmatch(text, clause, start):
        return None
    if clause <= scan.start_of(scan.strong, start):
        return None
    previous = scan.start_of(scan.clauses, clause - 1)
    return catalogue.resolve(text[previous : clause - 1], unit)


# The pipeline ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Valued:
    """A candidate that survived: value, unit and comparison, before the context steps."""

    candidate: Candidate
    value: float
    unit: str
    comp: Comparison


def valued(text: str, candidates_: list[Candidate]) -> list[_Valued]:
    """Steps 2 to 5 over a text's candidates: numeral value, canonical unit, comparison and
    rejection. A range's second number falls with its first when the first is not a figure for a
    reason of context (第1-3名)."""
    out: list[_Valued] = []
    dropped_first = False
    for candidate in candidates_:
        numeral = parse_numeral(candidate.number)
        if numeral is None:
            dropped_first = candidate.pair == 1
            continue
        comp = comparison(text, candidate, numeral)
        reason = rejection(text, candidate, numeral, comp)
        if reason is not None or (candidate.pair == 2 and dropped_first):
            dropped_first = candidate.pair == 1
            continue
        dropped_first = False
        value, unit = canonical_unit(
            -numeral.value if comp.negative else numeral.value, candidate.unit
        )
        out.append(_Valued(candidate, value, unit, comp))
    return out


_COORDINATED_RE = re.compile(r"\s*[和、及与]\s*")


def find_figures(text: str, *, catalogue: Catalogue | None = None) -> list[Figure]:
    """Given a passage's text, returns its figures in order. Offsets are into `text` as given
    (full-width digits included: folding keeps offsets)."""
    if not text:
        return []
    folded = fold(text)
    found = valued(folded, candidates(folded))
    if not found:
        return []
    catalogue = catalogue or load_catalogue()
    scan = TextScan.cached(folded)
    figures: list[Figure] = []
    since = 0
    for item in found:
        comp = item.comp
        if item.candidate.pair == 2 and figures and figures[-1].end <= comp.start:
            # the second number of a range says what the first says: same kind, period, indicator
            first = figures[-1]
            kind, period, indicator = first.kind, first.period, first.indicator
            if indicator is not None and first.unit != item.unit:
                indicator = None
        elif figures and _COORDINATED_RE.fullmatch(folded, since, comp.start):
            # 同比分别增长29.3%和34.8%: a coordinated figure shares the kind and period
            kind, period = figures[-1].kind, figures[-1].period
            indicator = indicator_of(folded, comp.start, item.unit, scan, catalogue)
        else:
            kind = kind_of(folded, comp.start, item.unit, scan, since)
            period = period_of(comp.start, scan)
            indicator = indicator_of(folded, comp.start, item.unit, scan, catalogue)
        figures.append(
            Figure(
                raw=text[comp.start : comp.end],
                value=item.value,
                unit=item.unit,
                approx=comp.approx,
                cmp=comp.cmp,
                kind=kind,
                period=period,
                indicator=indicator,
                start=comp.start,
                end=comp.end,
            )
        )
        since = comp.end
    return figures


def check_figure(
    figure: Figure, previous: float | None = None, *, catalogue: Catalogue | None = None
) -> Verdict:
    """Whether a figure meets the guide's target for its indicator. Only a current level figure
    (role current, or not yet dated) with an indicator can: a change (提高3个百分点) or a plan (力争达到70%) says nothing about the level
    reached, so it is not_comparable. See indicators.check_target."""
    if figure.kind != "level" or figure.indicator is None:
        return "not_comparable"
    if figure.role is not None and figure.role != "current":
        return "not_comparable"  # a baseline (2015年底), a plan or a change is not the result
    return check_target(
        figure.indicator,
        figure.value,
        figure.unit,
        previous,
        cmp=figure.cmp,
        approx=figure.approx,
        catalogue=catalogue,
    )
