"""Places: text → the cities (extract's gazetteer) and the districts and counties it names; and
both an organisation's and a place's mentions in one pass (`mentions`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .organisations import _NOT_DISTRICTS, _analyse, _Line, _words, names_in
from .text import simplified_same_length

# Places ---------------------------------------------------------------------------------------

_COUNTY_AFTER_CITY_RE = re.compile(r"[\u4e00-\u9fff]{1,5}?(?:区|县|旗)")
# Words that contain a city's short name without naming the city: 阿里巴巴 (阿里地区), 中山大学.
_NOT_PLACE_RE = re.compile(
    r"阿里巴巴|阿里云|阿里健康|阿里研究院|中山大学|中山路|中山公园|中山装|长治久安|三明治|大同小异|"
    r"世界大同|通化学|安康码|平安"
)
_COUNTY_WORD_RE = re.compile(r"^[\u4e00-\u9fff]{1,5}(?:区|县|旗)$")
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
    return mentions(text)[1]


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


def mentions(text: str) -> tuple[list[str], list[str]]:
    """(organisations, places) of a text, segmenting it once."""
    if not text or not text.strip():
        return [], []
    simplified = simplified_same_length(text)
    lines = _analyse(simplified)
    return names_in(text, lines), _places(simplified, lines)
