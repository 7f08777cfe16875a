"""Page furniture: page numbers and running headers/footers repeated across pages.

Given the lines of every page, returns which to drop. A line is furniture when it sits in the top
or bottom band of its page and either reads as a page number or repeats (digits aside) on a good
share of the pages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

PAGE_NUMBER_RES = [
    # `— 3 —`; OCR reads the dashes as `一` as often as not
    re.compile(r"^[-—–－~·一\s]*\d{1,4}[-—–－~·一\s]*$"),
    re.compile(r"^第\s*\d{1,4}\s*页\s*[,，/、]?\s*(共\s*\d{1,4}\s*页)?$"),
    re.compile(r"^(共\s*\d{1,4}\s*页\s*[,，]?\s*)?第\s*\d{1,4}\s*页$"),
    re.compile(r"^\d{1,4}\s*/\s*\d{1,4}$"),
    re.compile(r"^page\s*\d{1,4}(\s*of\s*\d{1,4})?$", re.I),
]
BAND_SHARE = 0.12  # top and bottom 12% of the page height
EDGE_LINES = 2  # … and at most the first/last two lines of the page


class _Line(Protocol):
    text: str
    top: float
    bottom: float


def is_page_number(text: str) -> bool:
    text = text.strip()
    return any(p.match(text) for p in PAGE_NUMBER_RES)


def _shape(text: str) -> str:
    """A header with the page number at one end (`报告全文 3`) has the same shape on every page;
    digits inside a line are content and keep lines apart."""
    return re.sub(r"^[-—–\d]+|[-—–\d]+$", "#", re.sub(r"\s+", "", text))


def furniture_lines(pages: Sequence[Sequence[_Line]], heights: Sequence[float]) -> list[set[int]]:
    """Given each page's lines (top-to-bottom) and page heights, returns per page the indexes to drop."""
    candidates: list[dict[int, str]] = []  # per page: line index -> shape
    for lines, height in zip(pages, heights, strict=True):
        edge = {}
        for i, line in enumerate(lines):
            near_edge = i < EDGE_LINES or i >= len(lines) - EDGE_LINES
            in_band = line.top < height * BAND_SHARE or line.bottom > height * (1 - BAND_SHARE)
            if near_edge and in_band:
                edge[i] = _shape(line.text)
        candidates.append(edge)

    repeated: set[str] = set()
    n_pages = len(pages)
    if n_pages >= 2:
        need = max(2, round(n_pages * 0.4)) if n_pages >= 3 else n_pages
        counts = Counter(shape for edge in candidates for shape in set(edge.values()) if shape)
        repeated = {shape for shape, n in counts.items() if n >= need}
    return [
        {i for i, shape in edge.items() if shape in repeated or is_page_number(lines[i].text)}
        for lines, edge in zip(pages, candidates, strict=True)
    ]
