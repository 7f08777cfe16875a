"""Renders Word's automatic numbering (`一、`, `（一）`, `1.`) the way Word prints it.

python-docx returns a paragraph's text without its automatic number, yet the number is what tells
a heading's level in Chinese reports. This reads numbering.xml and keeps the counters.
"""

from __future__ import annotations

from dataclasses import dataclass

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

_CN_DIGITS = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (as Word's chineseCounting)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n - 10] if n > 10 else "")
    if n < 100:
        tens, ones = divmod(n, 10)
        return _CN_DIGITS[tens] + "十" + (_CN_DIGITS[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        tail = ""
        if rest:
            tail = ("零" + _CN_DIGITS[rest]) if rest < 10 else chinese_number(rest)
            if 10 <= rest < 20:
                tail = "一" + tail
        return _CN_DIGITS[hundreds] + "百" + tail
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, sym in [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ]:
        while n >= value:
            out += sym
            n -= value
    return out


def format_number(n: int, fmt: str) -> str:
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    # chineseCounting, chineseCountingThousand, taiwaneseCounting(Thousand) (LibreOffice writes
    # this one), japaneseCounting, ideographDigital, chineseLegalSimplified...
    if "Counting" in fmt or fmt in ("ideographDigital", "chineseLegalSimplified"):
        return chinese_number(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    return str(n)


@dataclass
class _Level:
    start: int
    fmt: str
    text: str
    suffix: str  # "tab" | "space" | "nothing"


class Numbering:
    """Counters per list; `label(num_id, ilvl)` returns the next number as printed."""

    def __init__(self, numbering_element) -> None:
        self._levels: dict[str, dict[int, _Level]] = {}  # abstractNumId -> ilvl -> level
        self._num_abstract: dict[str, str] = {}
        self._overrides: dict[tuple[str, int], int] = {}
        self._counters: dict[str, dict[int, int]] = {}
        if numbering_element is None:
            return
        for abstract in numbering_element.iter(f"{W}abstractNum"):
            aid = abstract.get(f"{W}abstractNumId")
            levels: dict[int, _Level] = {}
            for lvl in abstract.iter(f"{W}lvl"):
                levels[int(lvl.get(f"{W}ilvl", "0"))] = _parse_level(lvl)
            self._levels[aid] = levels
        for num in numbering_element.iter(f"{W}num"):
            nid = num.get(f"{W}numId")
            ref = num.find(f"{W}abstractNumId")
            if ref is not None:
                self._num_abstract[nid] = ref.get(f"{W}val")
            for override in num.iter(f"{W}lvlOverride"):
                start = override.find(f"{W}startOverride")
                if start is not None:
                    ilvl = int(override.get(f"{W}ilvl", "0"))
                    self._overrides[(nid, ilvl)] = int(start.get(f"{W}val", "1"))

    def label(self, num_id: str, ilvl: int) -> str:
        """The printed label for the next paragraph of this list, or '' (bullets, no list)."""
        aid = self._num_abstract.get(num_id)
        if aid is None or num_id == "0":
            return ""
        levels = self._levels.get(aid, {})
        level = levels.get(ilvl)
        if level is None:
            return ""
        counters = self._counters.setdefault(aid, {})
        start = self._overrides.get((num_id, ilvl), level.start)
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt in ("bullet", "none"):
            return ""
        text = level.text
        for k in range(ilvl, -1, -1):
            placeholder = f"%{k + 1}"
            if placeholder in text:
                value = counters.get(k, levels[k].start if k in levels else 1)
                fmt = levels[k].fmt if k in levels else "decimal"
                text = text.replace(placeholder, format_number(value, fmt))
        if not text:
            return ""
        return text + (" " if level.suffix == "space" else "")


def _parse_level(lvl) -> _Level:
    def val(tag: str, default: str) -> str:
        el = lvl.find(f"{W}{tag}")
        return el.get(f"{W}val", default) if el is not None else default

    return _Level(
        start=int(val("start", "1") or 1),
        fmt=val("numFmt", "decimal"),
        text=val("lvlText", ""),
        suffix=val("suff", "tab"),
    )
