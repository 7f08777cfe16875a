"""Finding the cases: a document cut into headings and paragraphs (`Section`) → its typical-
application cases (`Case`), by heading level or by run-in titles (`案例一：…`), each with the
organisations and places it names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..numerals import parse_chinese_integer
from ..tokens import to_simplified
from .organisations import MAX_NAME_CHARS, organisations
from .places import mentions

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
        names, where = mentions(f"{title}\n{body}")
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
