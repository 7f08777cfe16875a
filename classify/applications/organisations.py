"""Organisations: text → the names of the organisations it mentions (suffix rules on the shared
jieba pipeline)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..tokens import _jieba, cut
from .text import lines_of, simplified_same_length

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
_COUNTY_CHAR_RE = re.compile(r"[区县旗]")  # a line that may name a district is segmented too


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


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    """The jieba words of the text with their offsets, as the shared pipeline's tokenizer
    (classify.nlp) gives them, without building a spaCy Doc: jieba keeps every character, so a
    word's offset is the length of the words before it."""
    out, start = [], 0
    for word in cut(_jieba().dt, text):
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
    for offset, line in lines_of(simplified):
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
    if not text or not text.strip():
        return []
    return names_in(text, _analyse(simplified_same_length(text)))


def names_in(text: str, lines: Sequence[_Line]) -> list[str]:
    """The organisation names of analysed lines (`_analyse`), each once, cut from `text`."""
    names: list[str] = []
    for line in lines:
        for start, end, _ in line.names:
            name = text[line.offset + start : line.offset + end]
            if name not in names:
                names.append(name)
    return names
