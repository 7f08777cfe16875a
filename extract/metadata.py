"""City, year, period and kind of a submission, from its file name, title and first page.

Each value records where it was found. Sources are trusted in the order title, file name, first
page (the title is written by the city; file names are often renamed by mail clients); when
sources disagree the document gets a warning and the title wins.
"""

from __future__ import annotations

import re
from collections import Counter

from .document import Block, Evidence, Metadata
from .gazetteer import by_name, find_cities

_CN_YEAR_DIGITS = str.maketrans("〇零○Ｏ一二三四五六七八九", "0" * 4 + "123456789")
_YEAR_RE = re.compile(r"(20[0-4]\d)\s*年")
_CN_YEAR_RE = re.compile(r"二[〇零○Ｏ][一二三四五六七八九〇零○Ｏ]{2}\s*年")
_H1_RE = re.compile(r"上半年|半年度?|1\s*[-－—~至到]+\s*6\s*月|一至六月|前两季度|二季度")
_FY_RE = re.compile(
    r"全年|年度|年终|1\s*[-－—~至到]+\s*1[12]\s*月|一至十[一二]月|工作总结|年工作情况|年总结"
)
_APPS_RE = re.compile(r"典型应用|应用案例|典型案例|示范案例|案例汇编|优秀案例")
_PROGRESS_RE = re.compile(r"进展|总结|工作情况|建设情况|推进情况|汇报|报告|工作开展")

ORDER = ("title", "filename", "first_page")
# The signing date closes a report: `二〇一六年十一月二十五日` or `2016年11月25日`.
_SIGNED_RE = re.compile(
    r"^(?:(20[0-4]\d)|(二[〇零○Ｏ][一二三四五六七八九〇零○Ｏ]{2}))\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月"
    r"\s*[\d一二三四五六七八九十]{1,3}\s*日$"
)


def chinese_year(text: str) -> int | None:
    """二〇一六年 → 2016."""
    digits = text.rstrip("年 ").translate(_CN_YEAR_DIGITS)
    return int(digits) if digits.isdigit() and len(digits) == 4 else None


def _years(text: str) -> list[tuple[int, str]]:
    found = [(int(m.group(1)), m.group()) for m in _YEAR_RE.finditer(text)]
    found += [(y, m.group()) for m in _CN_YEAR_RE.finditer(text) if (y := chinese_year(m.group()))]
    return found


def _period(text: str) -> tuple[str, str] | None:
    h1, fy = _H1_RE.search(text), _FY_RE.search(text)
    if h1 and (not fy or "半年" in h1.group()):
        return "H1", h1.group()
    if fy:
        return "FY", fy.group()
    return None


def _title(blocks: list[Block]) -> str | None:
    for block in blocks[:8]:
        if block.kind == "title":
            return block.text
    for block in blocks[:8]:
        if block.kind == "paragraph" and len(block.text) <= 80 and _PROGRESS_RE.search(block.text):
            return block.text
    return None


def _first_page_text(blocks: list[Block]) -> str:
    text, first = [], blocks[0].page if blocks else None
    for block in blocks:
        if block.page not in (first, None) or sum(map(len, text)) > 1500:
            break
        text.append(block.text)
    return "\n".join(text)


def _signed_year(blocks: list[Block]) -> tuple[int, str] | None:
    for block in reversed(blocks[-6:]):
        match = _SIGNED_RE.match(block.text.strip())
        if match:
            year = int(match.group(1)) if match.group(1) else chinese_year(match.group(2) + "年")
            if year:
                return year, block.text.strip()
    return None


def recognise(file_stem: str, blocks: list[Block]) -> tuple[Metadata, list[str]]:
    """Given the file name (no extension) and the blocks, returns the metadata and warnings."""
    title = _title(blocks)
    sources = {"title": title or "", "filename": file_stem, "first_page": _first_page_text(blocks)}
    meta = Metadata(title=title)
    warnings: list[str] = []
    found: dict[str, list[Evidence]] = {}

    for source in ORDER:
        text = sources[source]
        if not text:
            continue
        cities = find_cities(text)
        if cities:
            if source == "first_page":
                # The most-named city of the first page, not a partner city mentioned in passing.
                counts = Counter(c.name for c, _, _ in cities)
                top = max(cities, key=lambda c: (counts[c[0].name], -c[1]))
                cities = [top]
            city, _, matched = cities[0]
            found.setdefault("city", []).append(Evidence(city.name, source, matched))
        if source == "first_page":
            continue  # its years and periods are history as often as not: see below
        if years := _years(text):
            year, matched = years[0]
            found.setdefault("year", []).append(Evidence(str(year), source, matched))
        if period := _period(text):
            found.setdefault("period", []).append(Evidence(period[0], source, period[1]))
        if m := _APPS_RE.search(text):
            found.setdefault("kind", []).append(Evidence("applications", source, m.group()))
        elif m := _PROGRESS_RE.search(text):
            found.setdefault("kind", []).append(Evidence("progress", source, m.group()))

    # The signing date tells the reporting year (a full-year report is signed in November of
    # that year); the first page's years are baselines and history as often as not, so they
    # count last.
    if "year" not in found and (signed := _signed_year(blocks)):
        found["year"] = [Evidence(str(signed[0]), "signature", signed[1])]
    if "year" not in found and (years := _years(sources["first_page"])):
        year = Counter(y for y, _ in years).most_common(1)[0][0]
        matched = next(m for y, m in years if y == year)
        found["year"] = [Evidence(str(year), "first_page", matched)]
    if "period" not in found and (period := _period(sources["first_page"])):
        found["period"] = [Evidence(period[0], "first_page", period[1])]

    for key, evidence in found.items():
        values = {e.value for e in evidence}
        if len(values) > 1:
            listed = "; ".join(f"{e.source} says {e.value} ({e.text})" for e in evidence)
            warnings.append(f"{key} is unclear: {listed}; using {evidence[0].value}")
    kinds = found.get("kind")
    if "period" not in found and kinds and kinds[0].value == "applications":
        # Typical applications are sent with the full-year report (guide, reporting calendar).
        found["period"] = [Evidence("FY", "rule", "典型应用随全年进展报告报送")]
    meta.evidence = found
    if "city" in found:
        meta.city = found["city"][0].value
        city = by_name(meta.city)
        meta.province = city.province if city else None
    if "year" in found:
        meta.year = int(found["year"][0].value)
    if "period" in found:
        meta.period = found["period"][0].value  # type: ignore[assignment]
    if "kind" in found:
        meta.kind = found["kind"][0].value  # type: ignore[assignment]
    return meta, warnings
