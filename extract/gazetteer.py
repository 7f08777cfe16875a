"""The cities of China at prefecture level and above (extract/data/cities.tsv)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class City:
    name: str  # 杭州市
    short: str  # 杭州
    province: str
    level: str


@lru_cache(maxsize=1)
def cities() -> tuple[City, ...]:
    text = resources.files("extract").joinpath("data/cities.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines()[1:] if line and not line.startswith("#")]
    return tuple(City(*row[:4]) for row in rows if len(row) >= 4)


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
