"""Issuer, year, period and kind of a document, each with the evidence that gave it.

Sources, strongest first (vocabulary.SOURCE_LABELS): the title and the issuing-organ line at the
head of the document (…人民政府办公厅, …经济和信息化委员会, the byline of a report to a people's
congress), the 文号 (杭政办〔2016〕12号), the signature block at the end, the file name and the
folder names, then the first page. A unit merely named in the body is never the issuer: the first
page is read only as weak evidence, and a province's first page naming its cities is the
province's.

A value is *confirmed* when a strong source (title, organ, signature) gives it, or two sources
agree, and no source names an incompatible value (a folder named 江苏省 agrees with 淮安市; a file
name naming 宁波 disagrees with a title naming 杭州). Everything else is a suggestion: the field
goes into `Metadata.unconfirmed` with a Chinese sentence naming the sources, and the evaluator
confirms it. docs/metadata.md has the rules for year and period by kind.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .divisions import Division, division_named, divisions, find_divisions, pinyin_province
from .document import Block, Evidence, Metadata
from .vocabulary import KIND_LABELS, PERIOD_LABELS, SOURCE_LABELS, Kind, Level, Period

_CN_YEAR_DIGITS = str.maketrans("〇零○Ｏ一二三四五六七八九", "0" * 4 + "123456789")
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年")
_CN_YEAR_RE = re.compile(r"二[〇零○Ｏ][一二三四五六七八九〇零○Ｏ]{2}\s*年")
_ISO_DATE_RE = re.compile(
    r"(?<!\d)(20\d\d)[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])(?!\d)"
)
_H1_RE = re.compile(r"上半年|半年度?|1\s*[-－—~至到]+\s*6\s*月|一至六月|前两季度|二季度")
_FY_RE = re.compile(
    r"全年|年度|年终|1\s*[-－—~至到]+\s*1[12]\s*月|一至十[一二]月|工作总结|年工作情况|年总结"
)
# On the first page only an explicit 上半年/全年 counts, and only as a suggestion: a bare 半年
# in a sentence (近半年来, 半年内) says nothing about the report.
_H1_BODY_RE = re.compile(r"上半年|1\s*[-－—~至]\s*6\s*月|一至六月")
_FY_BODY_RE = re.compile(r"全年工作|年度工作|1\s*[-－—~至]\s*1[12]\s*月|一至十[一二]月")

_DATE_RE = re.compile(
    r"((?:19|20)\d\d|二[〇零○Ｏ][一二三四五六七八九〇零○Ｏ]{2})\s*年\s*([\d一二三四五六七八九十]{1,3})\s*月"
    r"(?:\s*[\d一二三四五六七八九十]{1,3}\s*日)?"
)
_DATE_LINE_RE = re.compile(rf"^[（(]?\s*{_DATE_RE.pattern}\s*[）)]?$")
_DOC_NUMBER_RE = re.compile(
    r"([\u4e00-\u9fff]{1,10})\s*[〔\[［【(（]\s*((?:19|20)\d\d)\s*[〕\]］】)）]\s*(\d{1,4})\s*号"
)
_ORGAN_WORD_RE = re.compile(
    r"人民政府|政府办公|委员会|领导小组|办公室|办公厅|调查队|政治部|人大|人民代表大会|审计署"
    r"|[\u4e00-\u9fff](?<![布格大当结开全残时政棋])局(?![面势部])|[\u4e00-\u9fff](?<![餐客大展])厅"
)
_BYLINE_RE = re.compile(r"^[—－\-─]+|会议上|人民代表大会|人大常委会")
_LABEL_RE = re.compile(r"^(?:附件|附表|大纲)\s*[\d一二三四五六七八九十]*\s*[：:]?\s*")
_HEADING_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十]+[章节])"
)
_SALUTATION_RE = re.compile(r"^.{0,20}(?:代表|委员|同志|领导)[^，。]{0,10}[：:！!]$")
# A national body at the start of a head line (国务院关于…, 中央部门单位…, 中华人民共和国能源行业
# 标准, 国家发展改革委…), or a national congress in a byline: no unit issued the document.
_NATIONAL_RE = re.compile(
    r"^(?:国务院|中共中央|党中央|中央|全国人民代表大会|全国人大|中华人民共和国|审计署"
    r"|国家[\u4e00-\u9fff]{1,10}(?:局|委|部|院|署)"
    r"|(?:教育|财政|工业和信息化|公安|民政|商务|科学技术|科技|人力资源社会保障|人力资源和社会保障"
    r"|自然资源|生态环境|住房和城乡建设|住房城乡建设|交通运输|水利|农业农村|文化和旅游|外交|司法)部)"
)
_NATIONAL_BYLINE_RE = re.compile(r"全国人民代表大会|全国人大|审计署")
# A line addressed to a body (省经信委：, 工业和信息化部：) opens the body of a report.
_ADDRESSEE_RE = re.compile(r"(?:委|局|厅|部|政府|办公室|小组)[：:]$")
_STANDARD_RE = re.compile(r"^(?:NB|GB|DL|HJ|JB|YY)/T\s")
_WORK_REPORT_CUE_RE = re.compile(r"代表(.{2,24}?)人民政府[，,]?\s*向大会报告政府工作")
_REVIEW_YEAR_RE = re.compile(r"((?:19|20)\d\d)年工作回顾")
_OUR_PROVINCE_RE = re.compile(r"全省|我省|全自治区")
_PROGRESSISH_RE = re.compile(r"示范城市|信息消费|进展情况|工作总结")

# Kinds, in the order they are tried on one text: audits first (an audit of a budget is not a
# budget), then the document types whose names are unambiguous, the plan words last.
_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        Kind.other,
        re.compile(r"审计工作报告|审计查出|审计结果|整改情况|编制说明|考试大纲|说明书|季度报告"),
    ),
    (Kind.work_report, re.compile(r"政府工作报告")),
    (Kind.disclosure, re.compile(r"信息公开[\u4e00-\u9fff]{0,6}年度报告|信息公开年报")),
    (Kind.budget, re.compile(r"预算执行|预算草案|预算报告|部门预算|决算|预算")),
    (Kind.statistics, re.compile(r"统计公报|统计报告|统计年鉴|统计监测|统计快报")),
    (Kind.applications, re.compile(r"典型应用|应用案例|典型案例|示范案例|案例汇编|优秀案例")),
    (Kind.plan, re.compile(r"(?:通知|意见|方案|规划|办法|细则|纲要|计划)(?:[（(].*[）)])?$")),
    (
        Kind.progress,
        re.compile(r"进展|工作总结|总结|推进情况|建设情况|工作情况|自查报告|汇报|工作开展"),
    ),
    (Kind.plan, re.compile(r"的通知|实施意见|实施方案|行动计划|发展规划|工作方案")),
)

STRONG = ("title", "organ", "signature")
# The order evidence is listed and weighed in (vocabulary.SOURCE_LABELS).
ORDER = ("title", "organ", "doc_number", "signature", "filename", "folder", "first_page", "rule")
FIELD_LABELS = {"city": "发文单位", "year": "年份", "period": "时段", "kind": "文种"}
# Kinds whose period follows from what they are, not from the text.
NO_PERIOD = frozenset({Kind.budget, Kind.plan, Kind.work_report, Kind.other})
# Kinds that always have an issuer and a year: missing ones are for the evaluator to fill in.
NEEDS_ISSUER = frozenset(
    {
        Kind.progress,
        Kind.applications,
        Kind.work_report,
        Kind.disclosure,
        Kind.budget,
        Kind.statistics,
        Kind.plan,
    }
)


def chinese_year(text: str) -> int | None:
    """二〇一六年 → 2016."""
    digits = text.rstrip("年 ").translate(_CN_YEAR_DIGITS)
    return int(digits) if digits.isdigit() and len(digits) == 4 else None


def _month(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    values = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}
    if text in ("十一", "十二"):
        return 10 + values[text[1]]
    return values.get(text)


def _years(text: str) -> list[tuple[int, str]]:
    found = [(int(m.group(1)), m.group(), m.start()) for m in _YEAR_RE.finditer(text)]
    found += [
        (y, m.group(), m.start())
        for m in _CN_YEAR_RE.finditer(text)
        if (y := chinese_year(m.group()))
    ]
    return [(y, t) for y, t, _ in sorted(found, key=lambda f: f[2])]


def _date(text: str) -> tuple[int, int | None, str] | None:
    """The first date written in text: (year, month, matched)."""
    match = _DATE_RE.search(text)
    if not match:
        return None
    raw = match.group(1)
    year = int(raw) if raw.isdigit() else chinese_year(raw + "年")
    return (year, _month(match.group(2)), match.group()) if year else None


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters folded to simplified, so 臺灣/發展和改革委員會 read as written in
    the mainland (the division names and organ words are simplified)."""
    return _converter().convert(text) if text else text


# --- the document's parts ------------------------------------------------------------------


@dataclass
class Parts:
    """The texts each source reads, simplified."""

    title: str = ""
    organ: list[str] = field(default_factory=list)
    head_dates: list[str] = field(default_factory=list)
    doc_numbers: list[tuple[str, str, str]] = field(default_factory=list)  # (prefix, year, 文号)
    signature: list[str] = field(default_factory=list)
    signature_date: tuple[int, int | None, str] | None = None
    first_page: str = ""
    attachment: bool = False
    national: str | None = None  # the national organ named at the head (国务院, 审计署…)
    has_text: bool = False


def _is_organ_line(line: str) -> bool:
    return len(line) <= 60 and "关于" not in line and bool(_ORGAN_WORD_RE.search(line))


def _is_body(block: Block, text: str) -> bool:
    if block.kind == "table":
        return True
    if _HEADING_RE.match(text) or _SALUTATION_RE.match(text) or _ADDRESSEE_RE.search(text):
        return True
    if not any("\u4e00" <= c <= "\u9fff" for c in text):
        return False  # an English subtitle, a code: page furniture of the head
    return len(text) > 60 or (len(text) > 8 and text.endswith(("。", "；", "：", ":")))


def parts(blocks: Sequence[Block]) -> Parts:
    """Given the blocks, returns the head (title, organ lines, dates, 文号), the signature block
    and the first page's body text."""
    out = Parts(has_text=any(b.text.strip() for b in blocks))
    if not blocks:
        return out
    first = blocks[0].page
    title_lines: list[str] = []
    head_lines: list[str] = []
    head_end = 0
    for i, block in enumerate(blocks[:14]):
        text = simplified(block.text.strip())
        if (first is not None and block.page not in (first, None)) or _is_body(block, text):
            break
        head_end = i + 1
        if not text:
            continue
        if label := _LABEL_RE.match(text):
            if label.group().startswith(("附件", "附表")):
                out.attachment = True
            text = text[label.end() :]
            if not text:
                continue
        head_lines.append(text)
        for prefix, year, number in _DOC_NUMBER_RE.findall(text):
            out.doc_numbers.append((prefix, year, f"{prefix}〔{year}〕{number}号"))
        if _STANDARD_RE.match(text):
            out.national = out.national or text  # NB/T 20513.1-2018: a national trade standard
        if _DATE_LINE_RE.match(text):
            out.head_dates.append(text)
        elif _DOC_NUMBER_RE.fullmatch(text):
            continue  # 甬经信〔2016〕88号 on its own line
        elif "会议文件" in text:
            out.organ.append(text)  # 二次会议文件（十二）: the congress's masthead
        elif (
            _BYLINE_RE.match(text)
            or (title_lines and _BYLINE_RE.search(text))
            or (_is_organ_line(text) and not (title_lines == [] and _title_like(text)))
        ):
            out.organ.append(text)
        elif not any("\u4e00" <= c <= "\u9fff" for c in text) or text.startswith(("（", "(")):
            if title_lines and text.startswith(("（", "(")) and len(text) <= 20:
                title_lines.append(text)  # （2022年修订）, （书面）
            continue
        elif len(title_lines) < 4:
            title_lines.append(text)
    # A block the reader marked as the title (large, bold, centred) is the title, with the
    # parenthesised lines right after it; other short lines are subtitles, not the title.
    marked = [
        _LABEL_RE.sub("", simplified(b.text.strip()))
        for b in blocks[:head_end]
        if b.kind == "title" and not _DATE_LINE_RE.match(simplified(b.text.strip()))
    ]
    if marked:
        title_lines = [
            t for t in title_lines if t in marked or (t.startswith(("（", "(")) and len(t) <= 20)
        ]
    out.title = "".join(title_lines)
    # A report with no title page: "我代表北京市人民政府，向大会报告政府工作".
    for block in blocks[head_end : head_end + 4]:
        text = simplified(block.text)
        if m := _WORK_REPORT_CUE_RE.search(text):
            out.organ.append(m.group())
    for text in head_lines:
        if out.national is None and (m := _NATIONAL_RE.match(text)):
            out.national = m.group()
    for text in out.organ:
        if out.national is None and (m := _NATIONAL_BYLINE_RE.search(text)):
            out.national = m.group()
    # The signature block: organ lines and a date among the last blocks.
    for block in reversed(blocks[max(head_end, len(blocks) - 8) :]):
        text = simplified(block.text.strip())
        if not text or text in ("（盖章）", "(盖章)"):
            continue
        if _DATE_LINE_RE.match(text):
            if out.signature_date is None:
                out.signature_date = _date(text)
            continue
        if _is_organ_line(text) and len(text) <= 40 and "印" not in text:
            out.signature.append(text)
            for prefix, year, number in _DOC_NUMBER_RE.findall(text):
                out.doc_numbers.append((prefix, year, f"{prefix}〔{year}〕{number}号"))
            continue
        if out.signature or out.signature_date:
            break
        if len(text) > 40:
            break
    # A date under the title (2024年4月29日, （2023年3月）) is the document's own date, as a
    # signature's would be; so is an organ line with a date at its end (深圳市统计局…二〇二二年十二月).
    if out.signature_date is None and out.head_dates:
        out.signature_date = _date(out.head_dates[0])
    if out.signature_date is None:
        for line in out.organ:
            if (date := _date(line)) and not _BYLINE_RE.search(line):
                out.signature_date = date
                break
    body: list[str] = []
    for block in blocks[head_end:]:
        # The first page of text: a cover page with only a title lends its place to the next.
        if first is not None and block.page not in (first, first + 1, None):
            break
        if first is not None and block.page == first + 1 and sum(map(len, body)) > 200:
            break
        if block.kind != "table":
            body.append(simplified(block.text))
        if sum(map(len, body)) > 1500:
            break
    out.first_page = "\n".join(body)
    return out


def _title_like(text: str) -> bool:
    """An organ line that is really the title's first line (杭州市人民政府办公厅关于…的通知)."""
    return any(rule.search(text) for _, rule in _KIND_RULES) or bool(_YEAR_RE.search(text))


# --- evidence ------------------------------------------------------------------------------


@dataclass
class Found:
    evidence: list[Evidence]
    units: dict[str, Division]  # city evidence value → unit

    def add(self, value: str, source: str, text: str) -> None:
        self.evidence.append(Evidence(value, source, text))


def _units_in(text: str) -> list[tuple[Division, str]]:
    return [(m.unit, m.text) for m in find_divisions(text) if m.unit is not None]


def _main_units(mentions: list[tuple[Division, str]]) -> list[tuple[Division, str]]:
    """The units a head line names as its issuers: of units that nest (浙江省杭州市, 浙江省…杭州市)
    the most specific; units that do not nest (杭州市、宁波市) each, so that they disagree."""
    out: list[tuple[Division, str]] = []
    for unit, text in mentions:
        if any(unit == u or u.within(unit) for u, _ in out):
            continue  # already named, or a unit inside it is
        out = [(u, t) for u, t in out if not unit.within(u)]
        out.append((unit, text))
    return out


def _main_unit(mentions: list[tuple[Division, str]]) -> tuple[Division, str] | None:
    """The unit a file or folder name names: the most specific of the first ones that nest."""
    units = _main_units(mentions)
    return units[0] if units else None


def _first_page_unit(text: str) -> tuple[Division, str] | None:
    """The unit a first page speaks for: the most named; a province named together with two or
    more of its own cities or counties (a province's summary of its cities) is the province."""
    mentions = _units_in(text)
    if not mentions:
        return None
    counts = Counter(u for u, _ in mentions)
    for unit in counts:
        if unit.level == Level.province:
            inside = {u for u in counts if u.within(unit)}
            if len(inside) >= 2:
                return unit, next(t for u, t in mentions if u == unit)
    # 全省/我省 and two or more cities of one province: the province speaks, unnamed.
    if said := _OUR_PROVINCE_RE.search(text):
        provinces = Counter(u.province for u in counts if u.level != Level.province)
        top = provinces.most_common(1)
        if top and top[0][1] >= 2 and (province := division_named(top[0][0])):
            return province, said.group()
    top = max(
        counts, key=lambda u: (counts[u], -next(i for i, (v, _) in enumerate(mentions) if v == u))
    )
    return top, next(t for u, t in mentions if u == top)


_PROVINCE_ABBREVIATIONS = {
    "京": "北京市", "津": "天津市", "沪": "上海市", "渝": "重庆市", "冀": "河北省", "晋": "山西省",
    "辽": "辽宁省", "黑": "黑龙江省", "苏": "江苏省", "浙": "浙江省", "皖": "安徽省", "闽": "福建省",
    "赣": "江西省", "鲁": "山东省", "豫": "河南省", "鄂": "湖北省", "湘": "湖南省", "粤": "广东省",
    "琼": "海南省", "川": "四川省", "黔": "贵州省", "滇": "云南省", "陕": "陕西省", "陇": "甘肃省",
    "青": "青海省", "蒙": "内蒙古自治区", "桂": "广西壮族自治区", "藏": "西藏自治区",
    "新": "新疆维吾尔自治区",
}  # fmt: skip
# Cities whose 文号 abbreviation is not the first character of their name.
_CITY_ABBREVIATIONS = {
    "甬": "宁波市", "榕": "福州市", "穗": "广州市", "蓉": "成都市", "筑": "贵阳市", "邕": "南宁市",
    "并": "太原市", "鹭": "厦门市", "厦": "厦门市", "深": "深圳市", "锡": "无锡市",
}  # fmt: skip


def _doc_number_unit(prefix: str) -> Division | None:
    """杭政办 → 杭州市; 浙政办 → 浙江省; None when the abbreviation fits several units."""
    head = prefix[0]
    if head in _CITY_ABBREVIATIONS:
        return division_named(_CITY_ABBREVIATIONS[head])
    if head in _PROVINCE_ABBREVIATIONS:
        return division_named(_PROVINCE_ABBREVIATIONS[head])
    fits = [u for u in divisions() if u.level == Level.city and not u.former and u.name[0] == head]
    return fits[0] if len(fits) == 1 else None


def _city_evidence(p: Parts, stem: str, folders: Sequence[str]) -> Found:
    found = Found([], {})

    def add(unit: Division, source: str, text: str) -> None:
        found.units[unit.name] = unit
        found.add(unit.name, source, text)

    # In 浙江省人民政府关于支持杭州市…的意见 the unit before 关于 issues; the one after is the
    # subject. With nobody before it (关于安徽省2023年预算执行情况…), the subject is the issuer.
    title = p.title
    if "关于" in title and _units_in(title.split("关于", 1)[0]):
        title = title.split("关于", 1)[0]
    for source, texts in (("title", [title]), ("organ", p.organ)):
        for text in texts:
            for unit, matched in _main_units(_units_in(text)):
                add(unit, source, matched)
    for prefix, _, text in p.doc_numbers:
        if unit := _doc_number_unit(prefix):
            add(unit, "doc_number", text)
    for text in p.signature:
        for unit, matched in _main_units(_units_in(text)):
            add(unit, "signature", matched)
    name = simplified(stem)
    if (hit := _main_unit(_units_in(name))) or (hit := pinyin_province(name)):
        add(hit[0], "filename", hit[1])
    for folder in reversed(folders):
        if hit := _main_unit(_units_in(simplified(folder))):
            add(hit[0], "folder", hit[1])
    if hit := _first_page_unit(p.first_page):
        add(hit[0], "first_page", hit[1])
    return found


def _kind_of(text: str) -> tuple[str, str] | None:
    for kind, rule in _KIND_RULES:
        if m := rule.search(text):
            return kind, m.group()
    return None


def _kind_evidence(p: Parts, stem: str, folders: Sequence[str]) -> list[Evidence]:
    out: list[Evidence] = []
    if p.title and (hit := _kind_of(p.title)):
        out.append(Evidence(hit[0], "title", hit[1]))
    for line in p.organ:
        if m := _WORK_REPORT_CUE_RE.search(line):
            out.append(Evidence(Kind.work_report, "organ", m.group()))
        elif "统计局" in line and not out and not _BYLINE_RE.search(line):
            out.append(Evidence(Kind.statistics, "organ", "统计局"))
    if hit := _kind_of(simplified(stem)):
        out.append(Evidence(hit[0], "filename", hit[1]))
    for folder in reversed(folders):
        if hit := _kind_of(simplified(folder)):
            out.append(Evidence(hit[0], "folder", hit[1]))
    return out


def _year_in_title(title: str, kind: str | None) -> tuple[int, str] | None:
    years = _years(title)
    if not years:
        return None
    # 关于2023年预算执行情况和2024年预算草案的报告: a budget report is the budget year's.
    return years[-1] if kind == Kind.budget else years[0]


def _year_evidence(p: Parts, stem: str, folders: Sequence[str], kind: str | None) -> list[Evidence]:
    out: list[Evidence] = []
    if p.title and (hit := _year_in_title(p.title, kind)):
        out.append(Evidence(str(hit[0]), "title", hit[1]))
    name = simplified(stem)
    if hit := _year_in_title(name, kind):
        out.append(Evidence(str(hit[0]), "filename", hit[1]))
    for folder in reversed(folders):
        if hit := _year_in_title(simplified(folder), kind):
            out.append(Evidence(str(hit[0]), "folder", hit[1]))
    if kind == Kind.work_report and (m := _REVIEW_YEAR_RE.search(p.first_page)):
        # A government work report is delivered in January and reviews the year before.
        out.append(Evidence(str(int(m.group(1)) + 1), "rule", m.group()))
    return out


@dataclass
class _Dated:
    """A date that tells the year only within one: a report is signed in its year or early in
    the next (a full-year report in January, a bulletin in April)."""

    year: int
    month: int | None
    source: str
    text: str


def _dates(p: Parts) -> list[_Dated]:
    out: list[_Dated] = []
    for line in p.organ:
        if _BYLINE_RE.search(line) and (d := _date(line)):
            out.append(_Dated(d[0], d[1], "organ", d[2]))
    for _, year, text in p.doc_numbers:
        out.append(_Dated(int(year), None, "doc_number", text))
    if p.signature_date:
        year, month, text = p.signature_date
        out.append(_Dated(year, month, "signature", text))
    return out


def _page_year(p: Parts) -> Evidence | None:
    """The year the first page names most (its dates included): weak, it is history as often."""
    found = _years(p.first_page) + [
        (int(m.group(1)), m.group()) for m in _ISO_DATE_RE.finditer(p.first_page)
    ]
    if not found:
        return None
    top = Counter(y for y, _ in found).most_common(1)[0][0]
    return Evidence(str(top), "first_page", next(t for y, t in found if y == top))


def _year(
    p: Parts, stem: str, folders: Sequence[str], kind: str
) -> tuple[str | None, list[Evidence], str | None]:
    """The year and its evidence. Years written as such (title, file name, folder) decide;
    dates (the byline, the 文号, the signature) back a year when they fall in it or early in the
    next; with no written year, a signing date after February gives it."""
    years = _sorted(_year_evidence(p, stem, folders, kind))
    dates = _dates(p)
    page = _page_year(p)
    if years:
        if page:
            years.append(page)
        year, note = _decide("year", years)
        value = int(year)  # type: ignore[arg-type]
        late = [d for d in dates if d.source != "first_page" and d.year not in (value, value + 1)]
        if late and note is None:
            listed = "；".join(f"{SOURCE_LABELS[d.source]}日期为{d.text}" for d in late)
            note = f"年份与日期不符：{_label(years[0], 'year')}，但{listed}，请确认。"
        years += [
            Evidence(str(d.year), d.source, d.text) for d in dates if d.source != "first_page"
        ]
        return year, _sorted(years), note
    signed = [d for d in dates if d.source != "first_page"]
    if signed:
        d = min(signed, key=lambda d: ORDER.index(d.source))
        out = [Evidence(str(x.year), x.source, x.text) for x in signed]
        if page:
            out.append(page)
        out = [e for e in _sorted(out) if e.source == d.source] + [
            e for e in _sorted(out) if e.source != d.source
        ]
        if kind in (Kind.statistics, Kind.disclosure) and d.year > 2000:
            # An annual bulletin or disclosure report is published in the spring after the year
            # it reports on: the signing year is the year after.
            return (
                str(d.year - 1),
                out,
                f"仅有{SOURCE_LABELS[d.source]}日期（{d.text}）；年度公报、年度报告于次年发布，"
                f"暂按{d.year - 1}年，请确认。",
            )
        if d.month is not None and d.month > 2:
            return str(d.year), out, None
        return (
            str(d.year),
            out,
            f"仅有{SOURCE_LABELS[d.source]}日期（{d.text}），年初所签报告可能说的是上一年，请确认。",
        )
    if page:
        return page.value, [page], f"仅有首页提到的年份（{page.text}），证据不足，请确认。"
    return None, [], None


def _period_of(text: str) -> tuple[str, str] | None:
    h1, fy = _H1_RE.search(text), _FY_RE.search(text)
    if h1 and (not fy or "半年" in h1.group()):
        return Period.H1, h1.group()
    if fy:
        return Period.FY, fy.group()
    return None


# --- deciding ------------------------------------------------------------------------------


def _label(e: Evidence, field: str) -> str:
    value = e.value
    if field == "period":
        value = PERIOD_LABELS.get(value, value)
    elif field == "kind":
        value = KIND_LABELS.get(value, value)
    return f"{SOURCE_LABELS.get(e.source, e.source)}为“{value}”（{e.text}）"


def _decide(
    field: str,
    evidence: list[Evidence],
    compatible=lambda a, b: a == b,
    strong: Sequence[str] = STRONG,
) -> tuple[str | None, str | None]:
    """Given a field's evidence, strongest first, returns (value, unconfirmed sentence or None).

    The strongest source's value is taken. It is confirmed when a strong source gives it (or two
    sources do) and no source but the first page names a value incompatible with it."""
    if not evidence:
        return None, None
    value = evidence[0].value
    against = [e for e in evidence if e.source != "first_page" and not compatible(value, e.value)]
    backing = {e.source for e in evidence if e.value == value}
    if against:
        listed = "；".join(_label(e, field) for e in evidence if e.source != "first_page")
        return (
            value,
            f"各来源不一致：{listed}。暂按{SOURCE_LABELS[evidence[0].source]}取值，请确认。",
        )
    if backing & set(strong) or len(backing) >= 2:
        return value, None
    e = evidence[0]
    return value, f"仅有{_label(e, field)}，证据不足，请确认。"


def _sorted(evidence: list[Evidence]) -> list[Evidence]:
    return sorted(evidence, key=lambda e: ORDER.index(e.source) if e.source in ORDER else 99)


def recognise(
    file_stem: str, blocks: list[Block], folders: Sequence[str] = ()
) -> tuple[Metadata, list[str]]:
    """Given the file name (no extension), the blocks and the folder names between the ingest
    root and the file (innermost last), returns the metadata and Chinese warnings, one for each
    field left unconfirmed."""
    p = parts(blocks)
    meta = Metadata(title=p.title or None)
    unconfirmed: dict[str, str] = {}
    evidence: dict[str, list[Evidence]] = {}

    # Kind first: it decides how the year and the period are read.
    kinds = _sorted(_kind_evidence(p, file_stem, folders))
    kind = (kinds[0].value if kinds else None) or Kind.other
    meta.kind = kind
    if kinds:
        evidence["kind"] = kinds

    # Issuer.
    found = _city_evidence(p, file_stem, folders)
    cities = _sorted(found.evidence)

    def same_or_nested(a: str, b: str) -> bool:
        return found.units[a].compatible(found.units[b])

    city, note = _decide("city", cities, same_or_nested)
    if cities and p.national and cities[0].source == "first_page":
        city, note = None, None  # a national organ's document; its first page names regions
        cities = []
    if city is None and not p.national:
        if not p.has_text:
            note = "未能读出文字，无法判断发文单位，请确认。"
        else:  # whatever the kind: an unknown issuer is for the evaluator to settle
            note = "标题、发文机关、落款和文件名都未写明发文单位，请确认。"
    if city is not None:
        unit = found.units[city]
        meta.city, meta.level, meta.province, meta.code = (
            unit.name,
            unit.level,
            unit.province,
            unit.code,
        )
        meta.parent = unit.parent if unit.level == Level.county else None
    if cities:
        evidence["city"] = cities
    if note:
        unconfirmed["city"] = note

    # Year.
    year, years, note = _year(p, file_stem, folders, kind)
    if year is None and note is None:
        # Whatever the kind: an unknown year is for the evaluator to settle.
        note = "未能读出文字，无法判断年份，请确认。" if not p.has_text else "未找到年份，请确认。"
    meta.year = int(year) if year is not None else None
    if years:
        evidence["year"] = years
    if note:
        unconfirmed["year"] = note

    # A file name that names the issuer the title or organ line names is the document's own
    # name, not a mail client's: it then settles the kind and the period as a title would.
    strong = STRONG
    if "city" not in unconfirmed and any(
        e.source == "filename" and e.value == meta.city for e in cities
    ):
        strong = (*STRONG, "filename")
    _, note = _decide("kind", kinds, strong=strong)
    if not kinds:
        if not p.has_text:
            note = "未能读出文字，无法判断文种，请确认。"
        elif p.attachment and (not p.title or p.title.endswith(("图", "表"))):
            note = "这是一份附件（图或表），正文未写明文种，请按所附文件确认。"
        elif _PROGRESSISH_RE.search(p.first_page + p.title):
            note = "标题未写明文种，首页像进展报告，请确认。"
        else:  # "other" by default is a guess, not a finding
            note = "标题、文件名和首页都未写明文种，暂按“其他”归类，请确认。"
    if note:
        unconfirmed["kind"] = note

    # Period.
    period, note, periods = _period(p, file_stem, folders, kind, strong)
    meta.period = period  # type: ignore[assignment]
    if periods:
        evidence["period"] = periods
    if note:
        unconfirmed["period"] = note

    meta.evidence = evidence
    meta.unconfirmed = unconfirmed
    warnings = [f"{FIELD_LABELS[field]}待确认：{text}" for field, text in unconfirmed.items()]
    return meta, warnings


def _period(
    p: Parts, stem: str, folders: Sequence[str], kind: str, strong: Sequence[str] = STRONG
) -> tuple[str | None, str | None, list[Evidence]]:
    """The reporting period by kind: budgets, plans, work reports and other documents have none;
    a disclosure annual report and an annual statistical bulletin are full-year; progress reports
    and applications say which in their title or file name."""
    if kind in NO_PERIOD:
        return None, None, []
    found: list[Evidence] = []
    for source, text in (("title", p.title), ("filename", simplified(stem))):
        if text and (hit := _period_of(text)):
            found.append(Evidence(hit[0], source, hit[1]))
    for folder in reversed(folders):
        if hit := _period_of(simplified(folder)):
            found.append(Evidence(hit[0], "folder", hit[1]))
    if kind == Kind.disclosure:
        found.append(Evidence(Period.FY, "rule", "政府信息公开工作年度报告按全年报告"))
    elif kind == Kind.statistics:
        # 10月 in a name is a monthly report; 2024年5月7日 (a date in a byline) is not.
        monthly = re.search(r"(?<![年\d-])\d{1,2}月(?!\s*\d{1,2}\s*日)|月报|季度", p.title + stem)
        if monthly and not found:
            return None, None, []
        found.append(Evidence(Period.FY, "rule", "年度统计公报按全年报告"))
    elif kind == Kind.applications and not found:
        # Typical applications are sent with the full-year report (guide, reporting calendar).
        found.append(Evidence(Period.FY, "rule", "典型应用随全年进展报告报送"))
    if not found:
        h1, fy = _H1_BODY_RE.search(p.first_page), _FY_BODY_RE.search(p.first_page)
        if h1 or fy:
            hit = (Period.H1, h1.group()) if h1 else (Period.FY, fy.group())  # type: ignore[union-attr]
            e = Evidence(hit[0], "first_page", hit[1])
            return e.value, f"仅有{_label(e, 'period')}，证据不足，请确认。", [e]
        note = (
            "未找到报告时段（上半年或全年），请确认。"
            if p.has_text
            else "未能读出文字，无法判断时段，请确认。"
        )
        return None, note, []
    found = _sorted(found)
    value, note = _decide("period", found, strong=strong)
    if note and found[0].source == "rule":
        note = None  # the kind decides it
    return value, note, found
