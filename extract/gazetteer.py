"""The cities of China at prefecture level and above, for finding cities mentioned in text.

A view of extract/divisions.py (one table of divisions, one place): classify/ uses it to list the
places a typical application names. The issuer of a document is recognised at every level by
extract.divisions and extract.metadata, not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .divisions import _short, division_named, divisions

_LEVELS = {
    "直辖市": "municipality",
    "特别行政区": "sar",
    "地级市": "prefecture",
    "自治州": "autonomous-prefecture",
    "地区": "area",
    "盟": "league",
}


@dataclass(frozen=True)
class City:
    name: str  # 杭州市
    short: str  # 杭州
    province: str  # 浙江 (short)
    level: str


@lru_cache(maxsize=1)
def cities() -> tuple[City, ...]:
    """Municipalities, special administrative regions and prefecture-level units, with the
    prefecture-level cities of 2016-2018 that no longer exist (莱芜市)."""
    out = []
    for unit in divisions():
        if unit.type not in _LEVELS:
            continue
        province = division_named(unit.province)
        province_short = (_short(province) or [unit.province])[0] if province else unit.province
        short = (_short(unit) or [unit.name])[0]
        out.append(City(unit.name, short, province_short, _LEVELS[unit.type]))
    return tuple(out)


# Short names that are also province names or ordinary words: only their full name counts.
_AMBIGUOUS_SHORT = {"吉林", "海南", "海东", "海西", "海北", "玉树", "果洛", "黄南", "和田"}


@lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern[str], dict[str, City]]:
    lookup: dict[str, City] = {}
    for city in cities():
        lookup[city.name] = city
        if city.short not in _AMBIGUOUS_SHORT and len(city.short) >= 2:
            lookup.setdefault(city.short, city)
    names = sorted(lookup, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names))), lookup


def find_cities(text: str) -> list[tuple[City, int, str]]:
    """Given text, returns (city, position, matched text) for each city named in it, in order."""
    pattern, lookup = _pattern()
    return [(lookup[m.group()], m.start(), m.group()) for m in pattern.finditer(text)]


def by_name(name: str) -> City | None:
    _, lookup = _pattern()
    return lookup.get(name) or lookup.get(name.removesuffix("市"))
