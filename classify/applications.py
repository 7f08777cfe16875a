"""Typical applications (典型应用): the cases in a submission, who runs them, where, and reuse.

With the full-year report every city sends its typical applications, usually as an attachment
(附件2：XX市信息消费典型应用案例), sometimes as a section of the progress report (四、典型应用). Each
case is a titled section of a few paragraphs. This module finds the cases in a document that the
caller has already cut into headings and paragraphs (`Section`), names the organisations and
places each case mentions, and measures how much of a case repeats an earlier one.

Text in, text out: no files, no store. The steps are small functions, each testable alone:

    find_cases      sections → cases (by heading level, or by run-in titles `案例一：…`)
    organisations   text → organisation names (suffix rules on the shared jieba pipeline)
    places          text → cities (extract's gazetteer) and the districts/counties named with them
    shingles        text → hashed 5-character shingles of the normalised text
    overlap         containment of two shingle sets
    shared_passages the longest runs two texts have in common, cut from the first text

Recycled cases. Cities send the same case again in a later year, often extended with a new
paragraph of results, or they fold last year's case into a longer one. The measure is therefore
containment, |A∩B| / min(|A|, |B|), not Jaccard, |A∩B| / |A∪B|: a 400-character case copied whole
into a 1,200-character case has a Jaccard similarity of about 0.33, which reads as "different",
while its containment is 1.0, which is what the evaluator needs to see. Shingles are taken over
text folded to simplified characters, without punctuation or spacing, and with every number
written as one 0, so a traditional-character copy, a re-punctuated copy and a copy with updated
figures all count as the same text. The folding is done here rather than with
`classify.tokens.normalize` because it keeps each character's offset in the original, which
`shared_passages` needs to show the repeated words as the city wrote them.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from .numerals import parse_chinese_integer
from .tokens import to_simplified

__all__ = [
    "Case",
    "Section",
    "find_cases",
    "organisations",
    "overlap",
    "places",
    "shared_passages",
    "shingles",
]

MIN_BODY_CHARS = 40
MAX_TITLE_CHARS = 50


@dataclass(frozen=True, slots=True)
class Section:
    """One heading and the paragraphs under it, up to the next heading.

    `level` 0 is the text before any heading (the document title goes here as `heading`);
    1 is `一、` or `案例一：`, 2 `（一）`, 3 `1.`, 4 `（1）`. The caller builds these from extracted
    blocks, so this module never needs to know how a file was read.
    """

    heading: str | None
    level: int
    paragraphs: tuple[str, ...] = ()
    page: int | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """One typical application. `body` keeps the case's inner headings (项目概况, （一）建设单位…)
    as lines of their own, the way `classify/data/apps/train.jsonl` writes case texts, so the tag
    classifier sees the same shape at training and at prediction. `section` is the index, in the
    sections given, of the section where the case starts."""

    title: str
    body: str
    organisations: tuple[str, ...]
    places: tuple[str, ...]
    page: int | None
    section: int


# Headings -------------------------------------------------------------------------------------

_CN = "一二三四五六七八九十百零〇两"
_SPACE_RE = re.compile(r"\s+")
# 案例一：/ 典型案例3、/ 案例（二）
_NUMBERED_CASE_RE = re.compile(
    rf"^\s*(?:典型)?案例\s*[（(]?\s*([{_CN}\d]{{1,3}})\s*[）)]?\s*[：:、.．]?\s*"
)
# A heading that announces cases rather than being one: 四、典型应用 / 附件2：XX市信息消费典型应用案例.
# The first words are specific enough to win over the sub-heading words below (典型应用情况 is
# a section of cases, not a case's 情况); the others count only after them.
_CONTAINER_RE = re.compile(r"典型应用|典型案例|应用案例|案例|示范项目|优秀应用|汇编")
_WEAK_CONTAINER_RE = re.compile(r"典型|应用示范|示范应用")
# In a progress report, a heading that mentions 典型应用 as a task (（五）做好全年示范工作总结和典型应用
# 遴选报送工作) or pushes projects forward (（二）加快推进示范项目建设) is not where the cases are; one
# that names a section (四、典型应用) is.
_ACTION_RE = re.compile(
    r"推进|加快|推动|实施|开展|加强|强化|组织|申报|储备|做好|总结|推广|遴选|报送|完善|培育|打造|"
    r"挖掘|宣传|评选|征集|建设"
)
_CLAUSE_RE = re.compile(r"[，,；;。]")
_MAX_CONTAINER_CHARS = 24
# A heading that groups cases by kind: 一、智慧民生类 / 二、产业升级领域应用.
_GROUP_RE = re.compile(r"(?:类|领域|方面|板块|篇|系列)(?:应用|案例|项目)?$")
_ATTACHMENT_RE = re.compile(rf"^\s*附\s*件\s*[{_CN}\d]*\s*[：:]?\s*$")
_TOC_RE = re.compile(r"^\s*目\s*录\s*$|[.．。…·・\-—_]{4,}\s*\d+\s*$")
# Sections that frame a submission rather than present a case. They are checked before the
# sub-headings of cases below, so 五、下一步工作 after the last case ends it instead of joining it.
_FRAME_RE = re.compile(
    r"^(?:前言|引言|概述|说明|编写说明|总体情况|总体进展|工作情况|工作开展情况|"
    r"下一步工作(?:计划|打算|安排|思路)?|存在的?问题(?:和|及|与)?(?:建议|不足)?|工作建议|有关建议|"
    r"附表|联系人|联系方式)$"
)
# Sub-headings inside a case (项目概况, 主要做法, （三）应用成效…): kept in the case's body.
_INNER_RE = re.compile(
    r"概况|简介|介绍|背景|情况|做法|举措|措施|内容|成效|效果|效益|亮点|创新点|特色|经验|"
    r"价值|模式|单位|主体|投资|规模|下一步|计划|思路|目标|问题|启示|意义|前景|联系|机制|路径|"
    r"成果|作用|体会|进展|难点|特点|方式"
)
_MAX_INNER_CHARS = 10
# The numbering at the start of a heading, for judging what the heading says.
_NUMBERING_RE = re.compile(
    rf"^\s*(?:(?:典型)?案例\s*[（(]?[{_CN}\d]{{1,3}}[）)]?\s*[：:、.．]?|第[{_CN}\d]{{1,4}}[章节部分篇]|"
    rf"[{_CN}]{{1,3}}\s*[、．.，,]|[（(]\s*[{_CN}\d]{{1,3}}\s*[）)]|\d{{1,2}}\s*(?:[、．]|\.(?!\d))|"
    rf"[\u2460-\u2473])\s*"
)
# What is left of a container heading once its words are removed: if nothing, it names no case.
_CONTAINER_WORDS_RE = re.compile(
    r"\d{4}年?|[\u4e00-\u9fff]{2,4}市|信息消费|示范城市|典型|应用|案例|示范|项目|优秀|汇编|情况|"
    r"附件|[：:、.．\s（）()]"
)

# Kinds of heading, decided once per section.
_TRANSPARENT = "transparent"  # 附件 labels, 目录, TOC lines, titles: neither cases nor boundaries
_INNER = "inner"  # 项目概况…: part of whichever case precedes it
_FRAME = "frame"  # 前言, 总体情况…: a section that is not a case, skipped whole
_CONTAINER = "container"  # 典型应用, 附件2：…典型应用案例: look inside for cases
_CASE = "case"  # 案例一：… (numbered): a case wherever it stands
_CANDIDATE = "candidate"  # any other heading: a case if it sits at the cases' level


def _clean(text: str | None) -> str:
    return _SPACE_RE.sub(" ", text or "").strip()


def _label(heading: str) -> str:
    """The heading's words without its numbering and trailing punctuation."""
    return _NUMBERING_RE.sub("", heading, count=1).strip().rstrip("。.：:；;，, ")


def _kind(section: Section, *, applications_document: bool) -> str:
    heading = _clean(section.heading)
    if not heading or section.level <= 0:
        return _TRANSPARENT
    simplified = to_simplified(heading)
    if _ATTACHMENT_RE.match(simplified) or _TOC_RE.search(simplified):
        return _TRANSPARENT
    if _NUMBERED_CASE_RE.match(simplified):
        return _CASE
    label = _label(simplified)
    if not label:
        return _TRANSPARENT
    container = applications_document or (
        len(label) <= _MAX_CONTAINER_CHARS
        and not _ACTION_RE.search(label)
        and not _CLAUSE_RE.search(label)
    )
    if container and _CONTAINER_RE.search(label):
        return _CONTAINER
    if _FRAME_RE.match(label):
        return _FRAME
    if len(label) <= _MAX_INNER_CHARS and _INNER_RE.search(label):
        return _INNER
    if container and _WEAK_CONTAINER_RE.search(label):
        return _CONTAINER
    return _CANDIDATE


def _names_a_case(heading: str) -> bool:
    """Whether a container heading (（三）XX智慧医疗示范项目) names something of its own, so that it
    can be a case when no cases are found inside it; 四、典型应用 names nothing."""
    rest = _CONTAINER_WORDS_RE.sub("", _label(to_simplified(heading)))
    return len(rest) >= 2


# Run-in titles --------------------------------------------------------------------------------

# Each style of run-in title, in the order they are preferred; group 1 is the number.
_RUN_IN_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("case", _NUMBERED_CASE_RE),
    ("cn", re.compile(rf"^\s*([{_CN}]{{1,3}})\s*[、．.]\s*")),
    ("paren-cn", re.compile(rf"^\s*[（(]\s*([{_CN}]{{1,3}})\s*[）)]\s*")),
    ("arabic", re.compile(r"^\s*(\d{1,2})\s*(?:[、．]|\.(?!\d))\s*")),
    ("paren-arabic", re.compile(r"^\s*[（(]\s*(\d{1,2})\s*[）)]\s*")),
)
_TITLE_END_RE = re.compile(r"[。！？；!?;\n]")


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    return parse_chinese_integer(text)


def _run_in_title(paragraph: str, style: str, pattern: re.Pattern[str]) -> tuple[int, str, str]:
    """`案例一：XX平台。平台由…` → (1, "案例一：XX平台", "平台由…"), or (0, "", "") when the
    paragraph does not open with a title of this style (a long numbered item is a list item)."""
    match = pattern.match(paragraph)
    if not match or _TOC_RE.search(paragraph):  # 案例一：XX平台……1 is a line of the contents
        return 0, "", ""
    number = _number(match.group(1))
    if not number:
        return 0, "", ""
    rest = paragraph[match.end() :]
    end = _TITLE_END_RE.search(rest)
    if end and end.start() <= MAX_TITLE_CHARS:
        title, body = rest[: end.start()], rest[end.end() :]
    elif not end and len(rest) <= MAX_TITLE_CHARS:
        title, body = rest, ""
    else:
        return 0, "", ""
    title = title.strip().rstrip("：:")
    # "1.全市接入医院42家，…" is a list item: a plain numbered title has no clause break;
    # "1.项目概况。…" is a part of a case, not a case.
    if not title or (
        style != "case"
        and (
            "，" in title
            or "," in title
            or (len(title) <= _MAX_INNER_CHARS and _INNER_RE.search(title))
        )
    ):
        return 0, "", ""
    return number, (paragraph[: match.end()] + title).strip(), body.strip()


def _run_in_cases(items: Sequence[tuple[int, str]]) -> list[tuple[int, str, list[str]]]:
    """Given (section index, paragraph) pairs without headings, returns (section, title, lines)
    for each case opened by a run-in title. One numbering style is used, the `案例一` style when
    there is one, otherwise the style whose first title comes first (the outermost numbering),
    and only titles numbered in sequence (1, 2, 3…) split, so numbered points inside a case body
    stay in the body."""
    best: tuple[str, re.Pattern[str]] | None = None
    best_at = len(items)
    for style, pattern in _RUN_IN_STYLES:
        first = next(
            (i for i, (_, p) in enumerate(items) if _run_in_title(p, style, pattern)[0]), None
        )
        if first is None:
            continue
        if style == "case":
            best = (style, pattern)
            break
        if first < best_at:
            best, best_at = (style, pattern), first
    if best is None:
        return []
    style, pattern = best
    cases: list[tuple[int, str, list[str]]] = []
    expected: int | None = None
    for index, paragraph in items:
        number, title, rest = _run_in_title(paragraph, style, pattern)
        if number and (expected is None or number == expected):
            cases.append((index, title, [rest] if rest else []))
            expected = number + 1
        elif cases:
            cases[-1][2].append(paragraph)
    return cases


# The signature at the end of a document (成都市…领导小组办公室 / 二〇一六年十一月二十四日)
# follows the last case's text; it is not part of the case.
_DATE_LINE_RE = re.compile(
    r"^[\s(（]*(?:[一二三四五六七八九〇○零Ｏ0-9]{4}\s*年\s*[一二三四五六七八九十0-9]{1,2}\s*月"
    r"(?:\s*[一二三四五六七八九十0-9]{1,3}\s*日)?)[\s)）]*$"
)


def _without_signature(lines: list[str]) -> list[str]:
    """Lines without the trailing date and signing organisation(s)."""
    end = len(lines)
    while end > 0:
        line = lines[end - 1].strip()
        if _DATE_LINE_RE.match(line) or (
            len(line) <= MAX_NAME_CHARS
            and not _CLAUSE_RE.search(line)
            and organisations(line) == [line]
        ):
            end -= 1
            continue
        break
    return lines[:end]


# Finding cases --------------------------------------------------------------------------------


def _body_chars(text: str) -> int:
    return len(_SPACE_RE.sub("", text))


class _Finder:
    """The sections of one document with their kinds, and the walk that finds cases in them."""

    def __init__(self, sections: Sequence[Section], *, applications_document: bool) -> None:
        self.sections = list(sections)
        self.applications_document = applications_document
        self.kinds = [_kind(s, applications_document=applications_document) for s in self.sections]

    def structural(self, k: int) -> bool:
        return self.kinds[k] in (_FRAME, _CONTAINER, _CASE, _CANDIDATE)

    def paragraphs(self, lo: int, hi: int) -> list[tuple[int, str]]:
        return [
            (k, p)
            for k in range(lo, hi)
            for p in (_clean(x) for x in self.sections[k].paragraphs)
            if p
        ]

    def lines(self, lo: int, hi: int) -> list[str]:
        """The case body of sections lo..hi-1: inner headings and paragraphs, one a line."""
        out: list[str] = []
        for k in range(lo, hi):
            if k > lo and self.kinds[k] != _TRANSPARENT:
                out.append(_clean(self.sections[k].heading))
            out.extend(p for p in (_clean(x) for x in self.sections[k].paragraphs) if p)
        return out

    def case(self, k: int, title: str, lines: list[str]) -> Case | None:
        body = "\n".join(_without_signature([line for line in lines if line]))
        if not title or _body_chars(body) < MIN_BODY_CHARS:
            return None
        names, where = _mentions(f"{title}\n{body}")
        return Case(
            title=title,
            body=body,
            organisations=tuple(names),
            places=tuple(where),
            page=self.sections[k].page,
            section=k,
        )

    def run_in(self, lo: int, hi: int) -> list[Case]:
        found = (self.case(k, t, lines) for k, t, lines in _run_in_cases(self.paragraphs(lo, hi)))
        return [c for c in found if c]

    def extent(self, k: int, hi: int) -> int:
        """The end of the section started by the heading at k: the next structural heading at
        the same or a shallower level. Inner headings never end a case, whatever their level,
        because 案例一 and its 一、项目概况 both read as level 1."""
        level = self.sections[k].level
        for j in range(k + 1, hi):
            if self.structural(j) and self.sections[j].level <= level:
                return j
        return hi

    def is_group(self, k: int, end: int) -> bool:
        """A heading that gathers cases (一、智慧民生类) rather than being one: its name says so,
        or it has no text of its own and at least two sub-sections with case-sized bodies."""
        if _GROUP_RE.search(_label(to_simplified(_clean(self.sections[k].heading)))):
            return any(self.structural(j) for j in range(k + 1, end))
        if any(_clean(p) for p in self.sections[k].paragraphs):
            return False
        children = [j for j in range(k + 1, end) if self.structural(j)]
        if not children:
            return False
        top = min(self.sections[j].level for j in children)
        sized = 0
        for j in children:
            if self.sections[j].level == top:
                body = "".join(self.lines(j, self.extent(j, end)))
                sized += _body_chars(body) >= MIN_BODY_CHARS
        return sized >= 2

    def within(self, lo: int, hi: int) -> list[Case]:
        """Cases in sections lo..hi-1: those at the shallowest structural level, looking inside
        containers and groups; run-in titles when there is no structural heading at all."""
        tops = [k for k in range(lo, hi) if self.structural(k)]
        if not tops:
            return self.run_in(lo, hi)
        level = min(self.sections[k].level for k in tops)
        tops = [k for k in tops if self.sections[k].level == level]
        cases: list[Case] = []
        for n, k in enumerate(tops):
            cases.extend(self.node(k, tops[n + 1] if n + 1 < len(tops) else hi))
        return cases

    def node(self, k: int, end: int) -> list[Case]:
        """The cases of the heading at k, whose section ends at `end`: none for a framing
        section, those inside a container or group, or the section itself."""
        kind = self.kinds[k]
        if kind == _FRAME:
            return []
        if kind == _CONTAINER or (kind == _CANDIDATE and self.is_group(k, end)):
            # （三）车联网示范应用 names a case of its own: it gathers cases only when it has
            # headings under it; its numbered paragraphs are then the case's points.
            names = kind == _CONTAINER and _names_a_case(self.sections[k].heading)
            if any(self.structural(j) for j in range(k + 1, end)):
                inside = self.within(k + 1, end)
            else:
                # Run-in titles may start in the container's own paragraphs.
                inside = [] if names else self.run_in(k, end)
            if inside or not names:
                return inside
        case = self.case(k, _clean(self.sections[k].heading), self.lines(k, end))
        return [case] if case else []

    def applications(self) -> list[Case]:
        cases = self.within(0, len(self.sections))
        return cases or self.run_in(0, len(self.sections))

    def progress(self) -> list[Case]:
        """Only what a progress report presents as cases: the sections under a 典型应用-style
        heading (at any level), and numbered 案例 headings wherever they stand."""
        cases: list[Case] = []
        k = 0
        while k < len(self.sections):
            if self.kinds[k] in (_CONTAINER, _CASE):
                end = self.extent(k, len(self.sections))
                cases.extend(self.node(k, end))
                k = end
            else:
                k += 1
        return cases


def find_cases(sections: Sequence[Section], *, applications_document: bool) -> list[Case]:
    """Given a document as sections, returns its typical-application cases in order.

    In an applications document (the 典型应用 attachment) the cases are the sections at the
    shallowest heading level that holds case-like sections; the title, 附件 labels, a table of
    contents and framing sections (前言, 总体情况) are skipped, headings that gather cases
    (典型应用案例, 一、智慧民生类) are looked inside, and deeper headings stay in the case body. In a
    progress report only the sections under a heading such as 典型应用/典型案例/应用案例/示范项目
    are split into cases. Where there are no sub-headings, run-in titles (`案例一：…`, `（一）XX平台。…`)
    split the paragraphs. A case needs a title and at least 40 characters of body.
    """
    finder = _Finder(sections, applications_document=applications_document)
    if not finder.sections:
        return []
    return finder.applications() if applications_document else finder.progress()


# Organisations --------------------------------------------------------------------------------

# Suffix classes. STRONG names stand on their own (XX科技有限公司 is a name whoever XX is). WEAK
# ones (中心, 局, 医院…) are names only when they start with a place or a national prefix
# (杭州市信息中心, not 数据中心), and need more than the place before the suffix. BARE ones are
# weak but the place alone is enough (郑州海关, 贵阳银行, 青岛大学).
_STRONG, _WEAK, _BARE = "strong", "weak", "bare"


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of a word list written as text (easier to read and edit
    than a list of quoted strings)."""
    return frozenset(text.split())


# 综治办, 数字办…: 办 alone is a verb (主办, 一网通办), so only these abbreviations end a name.
_OFFICE_ABBREVIATIONS = _words(
    "综治 数字 网信 经信 金融 商务 政务 数据 城管 应急 扶贫 信访 外事 侨务 督查 创建 编"
)
_SUFFIXES: tuple[tuple[str, str], ...] = (
    (
        r"(?:[（(]集团[）)]|集团)?(?:股份)?有限(?:责任)?公司|集团(?:股份)?公司|股份公司|总公司",
        _STRONG,
    ),
    (r"分公司|分行|支行|办事处|营业部", _WEAK),
    (r"研究院|研究所|研究中心|设计院|科学院|研究基地", _STRONG),
    (r"集团", _WEAK),
    (r"人民政府|海关|银行|大学|图书馆|博物馆|文化馆|艺术馆|美术馆|档案馆|科技馆|科学技术馆", _BARE),
    (r"委员会|管委会|办公室|医院|学院|学校|中学|小学|书院|电视台|公司", _WEAK),
    ("(?:" + "|".join(f"(?<={w})" for w in _OFFICE_ABBREVIATIONS) + ")办", _WEAK),
    (r"中心(?!城|区|村|镇|站|店|路|线|点|任务|工作|环节|位置|地带|地位)", _WEAK),
    (r"(?:研究|设计|规划|科学|测绘|地理信息|信息|勘察|检验|检测|法|检察|医学|技术)院", _WEAK),
    (r"局|厅|教育馆", _WEAK),
    (
        r"开发区|实验区|试验区|产业园区?|科技园|软件园|物流园|创业园|孵化园|工场|小镇|集群|基金",
        _WEAK,
    ),
    (r"协会|学会|商会|联盟|联合会|促进会|研究会|支队|大队|总队|派出所", _WEAK),
)
_SUFFIX_RE = re.compile("|".join(f"(?P<s{i}>{p})" for i, (p, _) in enumerate(_SUFFIXES)))
# Words ending in a suffix character that are not organisations: 格局, 大厅, 大学生…
_NOT_SUFFIX_TOKENS = _words(
    "格局 布局 结局 开局 大局 全局 僵局 新格局 当局 大厅 餐厅 客厅 展厅 门厅 营业厅 办事大厅 "
    "服务大厅 政务大厅 舞厅 歌厅 大学生 院士 院校 院落 局面 局部 公司化 集团化 中心化"
)
# Tokens that end a name when walking left from its suffix: prepositions, conjunctions, verbs of
# building and running, and the generic nouns a sentence puts before a name (平台由…, 龙头企业…).
_STOP_TOKENS = _words(
    """
    由 与 及 以及 同 跟 和 或 且 即 并 并且 及其 联合 联手 携手 会同 依托 依靠 借助 通过 委托 受 经
    在 于 对 向 为 是 将 把 被 让 给 从 以 用 按 按照 根据 据 等 的 了 所 携 经过 围绕 针对 来自
    属于 隶属 作为 下属 旗下 所属 设立 投资设立 成立 组建 组织 引进 引入 面向 位于 指导 推动 协调
    牵头 承建 建成 推出 打造 实施 支持 主办 承办 提供 负责 发布 参与 入驻 落户 包括 涵盖 覆盖 如
    其中 目前 已 已经 已有 拥有 共 还 也 同时 分别 主导 主管 协助 配合 共同 相关 有关 其他 其它
    一家 两家 多家 多个 若干 带动 吸引 促成 帮助 推荐 授权 选择 采用 整合 对接 连接 接入 为主
    出资 参股 收购 并购 签约 签署 达成 由此 并由 再由 交由 改由 均由 则由 主要由 共建 联建 筹建
    新建 创建 建立 布局 占 开展 推进 加快 形成 实现 完成 获得 荣获 获批 入选 评为 认定 及时 联动
    协作 通知 要求 鼓励 推广 项目 企业 龙头企业 单位 部门 机构 主体 牵头单位 承建单位 运营单位
    建设单位 实施单位 责任单位 提供商 运营商 服务商 供应商 开发商 厂商 全市 全省 全区 全县 我市
    本市 本地 当地 全国 各地 各级 依託 聯合 委託 與 並
    """
)
# Words that end a name only once the walk has passed the name's own distinctive words: they are
# also common inside names (…旅游开发有限公司, …创业服务有限公司, 管廊建设投资有限公司,
# …风景名胜区管理委员会), where they stand right before the suffix.
_CONTENT_STOPS = _words("管理 服务 运营 投资 建设 开发 研发 控股 支撑 协同 合作 平台")
_GENERIC_NAME_WORDS = _CONTENT_STOPS | _words(
    """
    引导 发展 创新 产业 技术 信息 科技 数据 网络 智能 智慧 数字 电子 文化 综合 公共 城市 社会
    经济 工业 创业 软件 电子商务 物流 传媒 咨询 设计 工程 资源 信息技术 网络科技 领导小组 小组
    工作 示范
    """
)
# Leading words that make a name generic: 本公司, 该公司, 各医院.
_DETERMINERS = _words("本 该 各 其 我 此 这 那 每 诸 原 现 新 全 贵 某 上述 这些 那些 下属 旗下")
# Prefixes that may stand before the place in a name: 国网福州供电公司, 中国移动通信集团浙江有限公司.
_NATIONAL = ("中国", "国家", "国网", "中共", "中央", "全国", "中华")
# Generic words ending in 区/县/镇 that are not places: 城区, 园区, 社区…
_NOT_DISTRICTS = _words(
    """
    城区 园区 景区 社区 小区 新区 市区 山区 核心区 片区 辖区 库区 校区 示范区 试验区 实验区 开发区
    保税区 功能区 商务区 风景区 旅游区 集聚区 产业园区 街区 郊区 牧区 矿区 灾区 服务区 老城区
    主城区 中心城区 地区 县区 区县 各区 全区 本区 该区 全县 各县 本县 郊县 试点县 城镇 乡镇 村镇
    小镇 特色小镇 集镇 市县 区域 园区内 景区内 街道
    """
)
_DISTRICT_RE = re.compile(r"^[\u4e00-\u9fff]{1,6}(?:区|县|镇|乡|街道|屿|岛)$")
_HARD_BOUNDARY_RE = re.compile(r"\W")
_PARENS = frozenset("（()）")
_DIGIT_RE = re.compile(r"\d")
_BOOK_TITLE_RE = re.compile(r"《[^》\n]{0,80}》")
# Parentheses inside a name: 腾讯科技（深圳）有限公司, 杭州某某（集团）有限公司.
_INNER_PARENS_RE = re.compile(
    r"(?<=[\u4e00-\u9fff])[（(][\u4e00-\u9fff]{1,6}[）)](?=[\u4e00-\u9fff])"
)
_COMPANY_END_RE = re.compile(r"公司$")
_PARENT_RE = re.compile(r"(?:集团|公司)$")
_BRANCH_RE = re.compile(r"分公司|分行|支行|办事处|营业部")
_GOVERNMENT_RE = re.compile(r"(?:委员会|局|办公室|厅)$")
_ORG_END_RE = re.compile(r"(?:公司|集团|委员会|局|办公室|中心|医院|大学|银行|政府|海关)$")
_NAME_FUNCTION_CHARS = frozenset("内外等的与和及为是将在对向由、，。；：")
MAX_NAME_CHARS = 36


@lru_cache(maxsize=1)
def _province_pattern() -> re.Pattern[str]:
    from extract.gazetteer import cities

    names = {
        name
        for city in cities()
        for name in (city.province, city.province + "省", city.province + "自治区")
    }
    return re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True))))


@lru_cache(maxsize=1)
def _city_pattern() -> re.Pattern[str]:
    from extract.gazetteer import cities

    names = {city.name for city in cities()} | {c.short for c in cities() if len(c.short) >= 2}
    return re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True))))


@lru_cache(maxsize=1)
def _place_pattern() -> re.Pattern[str]:
    """Cities (full and short names) and provinces, longest first."""
    return re.compile(f"{_province_pattern().pattern}|{_city_pattern().pattern}")


def _simplified_same_length(text: str) -> str:
    """Simplified text with the offsets of the original, so a name found in the simplified text
    is cut from the original in its own script. OpenCC maps character for character nearly
    always; when it does not, each character is converted alone."""
    simplified = to_simplified(text)
    if len(simplified) == len(text):
        return simplified
    out = []
    for ch in text:
        converted = to_simplified(ch)
        out.append(converted if len(converted) == 1 else ch)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    """The jieba words of the text with their offsets, as the shared pipeline's tokenizer
    (classify.nlp) gives them, without building a spaCy Doc: jieba keeps every character, so a
    word's offset is the length of the words before it."""
    from .tokens import _jieba

    out, start = [], 0
    for word in _jieba().cut(text):
        if word.strip():
            out.append(_Token(word, start, start + len(word)))
        start += len(word)
    return out


def _is_place_token(token: str) -> bool:
    return bool(_DISTRICT_RE.match(token)) and token not in _NOT_DISTRICTS


def _anchored(name: str, by_start: dict[int, _Token], start: int) -> int:
    """The length of the place prefix `name` starts with; 0 when it has none. The prefix is read
    in the order names are built: national words (中国, 国网), a province, a city, then districts
    (深圳市南山区, 浙江省杭州市, 国网福州). A second city is not part of it: in 成都安康智慧养老…,
    安康 is a brand, not the city."""
    length = 0
    while rest := next((n for n in _NATIONAL if name.startswith(n, length)), None):
        length += len(rest)
    for pattern in (_province_pattern(), _city_pattern()):
        match = pattern.match(name, length)
        if match:
            length = match.end()
    while token := by_start.get(start + length):
        if token.end > start + len(name) or not _is_place_token(token.text):
            break
        length += len(token.text)
    return length


def _cut_at_place(name: str) -> int:
    """Where a name really starts when words the walk could not stop at precede its place
    (组织苏州测绘地理信息院 → 苏州…): the first place outside parentheses, unless what stands
    before it is a national prefix or a parent company (中国移动通信集团浙江有限公司)."""
    for match in _place_pattern().finditer(name):
        before = name[: match.start()]
        if (
            not before
            or before.startswith(_NATIONAL)
            or _PARENT_RE.search(before)
            or "（" in before
            or "(" in before
        ):
            return 0
        return match.start()
    return 0


def _walk_left(
    text: str,
    tokens: Sequence[_Token],
    at: int,
    suffix_start: int,
    parens: frozenset[int],
    government: bool,
    branch: bool,
) -> int:
    """From token `at` (which holds the suffix's first character), the start of the longest name
    to the left: up to punctuation or spacing, a stop word, or MAX_NAME_CHARS. `和` joins the
    words of a government body (卫生和计划生育委员会) but separates two names
    (…通信管理局和西安市…, …有限公司和…). A company's name ends a walk (…有限公司建设数字文化馆),
    except before a branch (…浙江有限公司杭州分公司)."""
    start = tokens[at].start
    stem = [text[start:suffix_start]] if start < suffix_start else []
    for i in range(at - 1, -1, -1):
        token = tokens[i]
        if token.end != start or start - token.start > MAX_NAME_CHARS:
            break
        if token.text in _PARENS:
            if token.start not in parens:
                break
        elif _HARD_BOUNDARY_RE.search(token.text) or (
            not branch and _COMPANY_END_RE.search(token.text)
        ):
            break
        elif token.text == "和":
            following = tokens[i + 1].text
            if (
                not government
                or _place_pattern().match(following)
                or _ORG_END_RE.search(text[: token.start])
            ):
                break
        elif token.text in _CONTENT_STOPS:
            if any(word not in _GENERIC_NAME_WORDS for word in stem):
                break
        elif token.text in _STOP_TOKENS:
            break
        stem.append(token.text)
        start = token.start
    return start


def _strip_determiners(by_start: dict[int, _Token], start: int) -> int:
    """A name does not start with 本/该/各: 本公司 and 各医院 name nothing."""
    token = by_start.get(start)
    return token.end if token and token.text in _DETERMINERS else start


def _suffix_class(match: re.Match[str]) -> str:
    return _SUFFIXES[int((match.lastgroup or "s0")[1:])][1]


def _spans(simplified: str, tokens: Sequence[_Token]) -> list[tuple[int, int, int]]:
    """(start, end, length of the leading place) of each organisation name in one line of
    simplified text, given its words."""
    if not tokens:
        return []
    starts = [t.start for t in tokens]
    by_start = {t.start: t for t in tokens}
    ends = frozenset(t.end for t in tokens)
    parens = frozenset(
        i for m in _INNER_PARENS_RE.finditer(simplified) for i in (m.start(), m.end() - 1)
    )
    titles = [m.span() for m in _BOOK_TITLE_RE.finditer(simplified)]
    found: list[tuple[int, int, int]] = []
    for match in _SUFFIX_RE.finditer(simplified):
        s_start, s_end = match.span()
        at = bisect_right(starts, s_start) - 1
        if at < 0 or tokens[at].text in _NOT_SUFFIX_TOKENS:
            continue
        # Names in the title of a document (《成都市促进国际创新创业中心建设若干政策措施》) are
        # not organisations.
        if any(a < s_start < b for a, b in titles):
            continue
        # A suffix ends a word (大学 in 大学生 does not), or a function character follows it.
        if not (
            s_end in ends or s_end >= len(simplified) or simplified[s_end] in _NAME_FUNCTION_CHARS
        ):
            continue
        kind = _suffix_class(match)
        government = bool(_GOVERNMENT_RE.search(match.group()))
        branch = bool(_BRANCH_RE.match(match.group()))
        start = _walk_left(simplified, tokens, at, s_start, parens, government, branch)
        start = _strip_determiners(by_start, start)
        start += _cut_at_place(simplified[start:s_end])
        # A start inside an earlier name moves to that name's end, so a wrong stop inside one
        # name never yields two overlapping names.
        for f_start, f_end, _ in found:
            if f_start < start < f_end:
                start = f_end
        name = simplified[start:s_end]
        stem = name[: len(name) - len(match.group())]
        if (
            not stem
            or len(name) > MAX_NAME_CHARS
            or (kind == _STRONG and len(stem) < 2)
            or _DIGIT_RE.search(name)
        ):
            continue
        place = _anchored(name, by_start, start)
        if kind != _STRONG and (not place or (kind == _WEAK and place >= len(stem))):
            continue
        # 一家科技有限公司 names no one: a name needs a word of its own before the suffix.
        if not place and _generic(stem):
            continue
        # A name that swallows earlier ones (中国移动通信集团 → …集团浙江有限公司) replaces them.
        found = [f for f in found if not (start <= f[0] and f[1] <= s_end)]
        found.append((start, s_end, place))
    return found


def _generic(stem: str) -> bool:
    """Whether a name's stem is made of generic words only (科技, 软件开发, 信息技术服务)."""
    reachable = [True] + [False] * len(stem)
    for end in range(1, len(stem) + 1):
        reachable[end] = any(
            reachable[start] and stem[start:end] in _GENERIC_NAME_WORDS
            for start in range(max(0, end - 4), end)
        )
    return reachable[-1]


@dataclass(frozen=True, slots=True)
class _Line:
    offset: int
    tokens: list[_Token]
    names: list[tuple[int, int, int]]  # (start, end, leading place length), offsets in the line


def _analyse(simplified: str) -> list[_Line]:
    """Words and organisation names of each line that may hold a name or a district. Segmenting
    is the slow step, so lines without a suffix or a 区/县/旗 are not segmented at all."""
    out: list[_Line] = []
    for offset, line in _lines(simplified):
        if _SUFFIX_RE.search(line) or _COUNTY_CHAR_RE.search(line):
            tokens = _tokens(line)
            out.append(_Line(offset, tokens, _spans(line, tokens)))
    return out


def organisations(text: str) -> list[str]:
    """Given text (simplified or traditional), returns the organisations it names, in order of
    first mention, each once, as written in the text.

    A name is found from its suffix (有限公司, 委员会, 局, 中心, 医院, 大学…) and extended to the
    left over the jieba words of the shared pipeline until punctuation or a stop word (由, 联合,
    依托, 与, 承建…), keeping place prefixes (杭州市卫生和计划生育委员会). Weak suffixes need a
    place at the start, so 数据中心建设, 本公司 and 各医院 are not names.
    """
    return _mentions(text)[0]


def _mentions(text: str) -> tuple[list[str], list[str]]:
    """(organisations, places) of a text, segmenting it once."""
    if not text or not text.strip():
        return [], []
    simplified = _simplified_same_length(text)
    lines = _analyse(simplified)
    names: list[str] = []
    for line in lines:
        for start, end, _ in line.names:
            name = text[line.offset + start : line.offset + end]
            if name not in names:
                names.append(name)
    return names, _places(simplified, lines)


# Places ---------------------------------------------------------------------------------------

_COUNTY_AFTER_CITY_RE = re.compile(r"[\u4e00-\u9fff]{1,5}?(?:区|县|旗)")
# Words that contain a city's short name without naming the city: 阿里巴巴 (阿里地区), 中山大学.
_NOT_PLACE_RE = re.compile(
    r"阿里巴巴|阿里云|阿里健康|阿里研究院|中山大学|中山路|中山公园|中山装|长治久安|三明治|大同小异|"
    r"世界大同|通化学|安康码|平安"
)
_COUNTY_WORD_RE = re.compile(r"^[\u4e00-\u9fff]{1,5}(?:区|县|旗)$")
_COUNTY_CHAR_RE = re.compile(r"[区县旗]")
_NOT_COUNTIES = _NOT_DISTRICTS | _words(
    """高新区 经开区 自贸区 新城区 工业区 商业区 住宅区 生活区 居住区 综试区 保税港区 港区 景区内
    小县 大县 强县 名县 贫困县 全市各区 各区县"""
)


def _is_county(word: str) -> bool:
    if not _COUNTY_WORD_RE.match(word) or word in _NOT_COUNTIES:
        return False
    # Two characters only for 县 (郫县, 沛县); 港区, 出区 are not districts.
    return len(word) >= 3 or word.endswith("县")


def places(text: str) -> list[str]:
    """Given text, returns the cities it names (full names from extract's gazetteer: 杭州 →
    杭州市) and the districts and counties it names, right after a city (成都市青羊区 → 青羊区)
    or as words of their own (郫县, 余杭区), in order of first mention, each once, simplified.

    The gazetteer stops at prefecture level, so districts and counties are recognised by their
    ending (区/县/旗) on jieba's words, minus the generic words that end the same way (城区, 园区,
    社区, 开发区…). A place inside an organisation's name counts only where the name starts with
    it: 成都安康智慧养老服务有限公司 names 成都, not 安康.
    """
    return _mentions(text)[1]


def _places(simplified: str, lines: Sequence[_Line]) -> list[str]:
    from extract.gazetteer import find_cities

    masked = _NOT_PLACE_RE.sub(lambda m: " " * len(m.group()), simplified)
    inside = [
        (line.offset + start + place, line.offset + end)
        for line in lines
        for start, end, place in line.names
    ]

    def named_inside(position: int) -> bool:
        return any(a <= position < b for a, b in inside)

    found: list[tuple[int, str]] = []
    for city, position, matched in find_cities(masked):
        if named_inside(position):
            continue
        found.append((position, city.name))
        after = position + len(matched)
        match = _COUNTY_AFTER_CITY_RE.match(masked, after)
        if match and _is_county(match.group()):
            found.append((after, match.group()))
    covered = {p for p, _ in found}
    for line in lines:
        for token in line.tokens:
            at = line.offset + token.start
            if at not in covered and not named_inside(at) and _is_county(token.text):
                found.append((at, token.text))
    out: list[str] = []
    for _, name in sorted(found):
        if name not in out:
            out.append(name)
    return out


def _lines(text: str) -> list[tuple[int, str]]:
    """(offset, line) for each line: the pipeline runs line by line, so offsets stay simple and
    a very long document never reaches spaCy's length limit in one piece."""
    out: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


# Recycled cases -------------------------------------------------------------------------------

_NUMBER_RUN_RE = re.compile(r"\d+(?:[.,]\d+)*")


def _normalised(text: str) -> tuple[str, list[int]]:
    """Text folded for comparison, with the original offset of each character kept: simplified,
    lower case, only letters and digits, and every number written as one 0 (updated figures
    should not hide a copy)."""
    simplified = _simplified_same_length(text).lower()
    chars: list[str] = []
    where: list[int] = []
    i = 0
    while i < len(simplified):
        number = _NUMBER_RUN_RE.match(simplified, i) if simplified[i].isdigit() else None
        if number:
            chars.append("0")
            where.append(i)
            i = number.end()
            continue
        if simplified[i].isalnum():
            chars.append(simplified[i])
            where.append(i)
        i += 1
    return "".join(chars), where


def _hash(shingle: str) -> int:
    """A stable 64-bit hash: Python's str hash changes between processes, and shingle sets may be
    stored and compared across runs."""
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def shingles(text: str, k: int = 5) -> frozenset[int]:
    """Given text, returns the hashed k-character shingles of its normalised form (simplified, no
    spacing or punctuation, numbers folded). Text shorter than k is one shingle; empty text none."""
    if k < 1:
        raise ValueError("k must be at least 1")
    norm, _ = _normalised(text or "")
    if not norm:
        return frozenset()
    if len(norm) <= k:
        return frozenset({_hash(norm)})
    return frozenset(_hash(norm[i : i + k]) for i in range(len(norm) - k + 1))


def overlap(a: str | Iterable[int], b: str | Iterable[int]) -> float:
    """Containment of two texts or shingle sets, |A∩B| / min(|A|, |B|): 1.0 when one is copied
    whole into the other, 0.0 when either is empty. See the module docstring for why not Jaccard."""
    sa = shingles(a) if isinstance(a, str) else frozenset(a)
    sb = shingles(b) if isinstance(b, str) else frozenset(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


_OPENING = frozenset("“‘《（(「『【[\"'")
_CLOSING = frozenset("”’》）)」』】]\"'。！？；!?;")


def shared_passages(a: str, b: str, min_chars: int = 30) -> list[str]:
    """Given two texts, returns the runs they share of at least `min_chars` normalised characters,
    longest first, each cut from `a` as written there (with its quotes and final stop), so the
    evaluator reads the original words.

    Compared after the same folding as `shingles`, so script, punctuation and changed figures do
    not break a run; a passage shows `a`'s figures. SequenceMatcher is quadratic in the worst
    case: this is meant for case-sized texts, not whole reports.
    """
    norm_a, where_a = _normalised(a or "")
    norm_b, _ = _normalised(b or "")
    if not norm_a or not norm_b:
        return []
    matcher = SequenceMatcher(None, norm_a, norm_b, autojunk=False)
    runs = [m for m in matcher.get_matching_blocks() if m.size >= min_chars]
    runs.sort(key=lambda m: m.size, reverse=True)
    out: list[str] = []
    for m in runs:
        start = where_a[m.a]
        last = where_a[m.a + m.size - 1]
        number = _NUMBER_RUN_RE.match(a, last) if a[last].isdigit() else None
        end = number.end() if number else last + 1
        while start > 0 and a[start - 1] in _OPENING:
            start -= 1
        while end < len(a) and a[end] in _CLOSING:
            end += 1
        out.append(a[start:end])
    return out
