"""Heading levels from the Chinese numbering conventions of government documents.

`一、` → level 1, `（一）` → 2, `1.`/`1、` → 3, `（1）` → 4; `第一章/节/部分` → 1. Full- and half-width
brackets and stops are mixed freely in real reports, so both are accepted.
"""

from __future__ import annotations

import re

CN_NUM = "一二三四五六七八九十百零〇"
_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"^第[{CN_NUM}\d]{{1,4}}[章节部分篇]")),
    (1, re.compile(rf"^[{CN_NUM}]{{1,3}}\s*[、．.，,﹒]")),
    (2, re.compile(rf"^[（(]\s*[{CN_NUM}]{{1,3}}\s*[）)]")),
    # `1.` but not `1.2万` or `1.5%`; `1、`; `1．`
    (3, re.compile(r"^\d{1,2}\s*(?:[、．﹒]|\.(?!\d))")),  # ﹒: Anhui's budget report
    (4, re.compile(r"^[（(]\s*\d{1,2}\s*[）)]")),
    (5, re.compile("^[\u2460-\u2473]")),  # ① … ⑳
]
# A case heading in applications attachments: 案例一：… / 案例1 …
_CASE_RE = re.compile(rf"^(?:典型)?案例\s*[{CN_NUM}\d]{{1,3}}\s*[：:、.]?")

_SENTENCE_END = "。！？；;!?"
MAX_HEADING_CHARS = 48


def numbering_level(text: str) -> int:
    """Given a line, returns the level its numbering implies, or 0 when it has none."""
    text = text.lstrip()
    if _CASE_RE.match(text):
        return 1
    for level, pattern in _PATTERNS:
        if pattern.match(text):
            return level
    return 0


def heading_level(text: str) -> int:
    """Given a whole paragraph, returns its heading level, or 0 when it reads as body text.

    A numbered paragraph is a heading when it is short and does not read as a sentence; a long
    numbered paragraph is a list item or a run-in heading, which stays body text.
    """
    level = numbering_level(text)
    if not level:
        return 0
    stripped = text.strip()
    if len(stripped) > MAX_HEADING_CHARS:
        return 0
    body = stripped.rstrip("。.")
    if any(mark in body for mark in _SENTENCE_END):
        return 0
    # "1.全市光纤入户用户达到253万户，同比增长15%" is a list item with figures, not a heading.
    if "，" in body and len(body) > 24:
        return 0
    return level


def split_run_in_heading(text: str) -> tuple[int, str, str] | None:
    """`（一）加快信息基础设施升级改造。全面推动…` → (2, heading, rest), or None.

    Only when the lead sentence is short and carries no figures, so numbered list items with data
    stay whole. A comma in the lead is allowed (`3.努力促进扩大有效需求，推动我区经济增长站稳全国第一
    方阵。主动开展…`, ocrplayground__Ningxia.pdf p.8): a numbered lead-in of government prose is a
    heading whatever its clauses.
    """
    level = numbering_level(text)
    if not level:
        return None
    match = re.match(r"^(.{2,40}?[。：:])(.+)$", text.strip(), flags=re.S)
    if not match:
        return None
    lead, rest = match.group(1), match.group(2).strip()
    if not rest or re.search(r"\d", lead[3:]):
        return None
    return level, lead.rstrip("。：:"), rest
