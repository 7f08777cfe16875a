"""From raw blocks in reading order to the final Blocks: headings, levels, heading paths, title.

Every reader (PDF, Word, text) produces `RawBlock`s and hands them here, so the heading rules are
written once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .document import Block, PageInfo
from .headings import heading_level, numbering_level, split_run_in_heading
from .normalize import clean_text, display_original

_TITLE_WORDS = re.compile(r"情况|报告|总结|案例|应用|汇报|进展|方案|说明|通知|计划")


@dataclass
class RawBlock:
    kind: str  # "paragraph" | "table"
    text: str = ""
    page: int | None = None
    style_level: int = 0  # heading level given by the source (Word style, Markdown #)
    centered: bool = False
    size: float | None = None  # font size where the source knows it
    rows: list[list[str]] | None = None
    label: str = ""  # automatic numbering rendered by the reader (Word), prefixed to text
    confidence: float | None = None  # OCR score, for text read from a page image
    extra: dict = field(default_factory=dict)
    box: tuple[float, float, float, float] | None = None  # PDF points: x0, top, x1, bottom


@dataclass
class ReaderOutput:
    """What a reader returns: raw blocks in reading order and what it learnt of the file."""

    blocks: list[RawBlock]
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)
    page_info: list[PageInfo] = field(default_factory=list)
    truncated: bool = False


def build_blocks(raw_blocks: list[RawBlock]) -> list[Block]:
    """Given raw blocks in reading order, returns blocks with heading levels and paths."""
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []
    body_size = _body_size(raw_blocks)
    seen_heading = False
    seen_title = False

    def path() -> tuple[str, ...]:
        return tuple(text for _, text in stack)

    def push(level: int, text: str) -> None:
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, text))

    for index, raw in enumerate(raw_blocks):
        if raw.kind == "table":
            rows = [[clean_text(cell or "") for cell in row] for row in raw.rows or []]
            rows = [row for row in rows if any(row)]
            if not rows:
                continue
            unit = table_unit(rows, blocks[-1].text if blocks else "")
            if unit and rows and _UNIT_CAPTION.fullmatch("".join(rows[0]).strip()):
                rows = rows[1:]  # the caption printed as the table's first row
            if not rows:
                continue
            text = "\n".join("\t".join(row) for row in rows)
            blocks.append(
                Block("table", text, raw.page, 0, path(), rows, None, raw.confidence, unit, raw.box)
            )
            continue
        full = f"{raw.label}{raw.text}" if raw.label else raw.text
        text = clean_text(full.replace("\n", " "))
        if not text:
            continue
        original = display_original(full, text)
        if not seen_heading and not seen_title and _is_title(raw, text, index, body_size):
            seen_title = True
            blocks.append(
                Block("title", text, raw.page, 0, (), None, original, raw.confidence, box=raw.box)
            )
            continue
        level = raw.style_level or heading_level(text)
        if level:
            seen_heading = True
            push(level, text)
            blocks.append(
                Block(
                    "heading",
                    text,
                    raw.page,
                    level,
                    path()[:-1],
                    None,
                    original,
                    raw.confidence,
                    box=raw.box,
                )
            )
            continue
        run_in = split_run_in_heading(text)
        if run_in:
            seen_heading = True
            level, head, rest = run_in
            push(level, head)
            blocks.append(
                Block(
                    "heading",
                    head,
                    raw.page,
                    level,
                    path()[:-1],
                    confidence=raw.confidence,
                    box=raw.box,
                )
            )
            blocks.append(
                Block(
                    "paragraph", rest, raw.page, 0, path(), confidence=raw.confidence, box=raw.box
                )
            )
            continue
        blocks.append(
            Block(
                "paragraph", text, raw.page, 0, path(), None, original, raw.confidence, box=raw.box
            )
        )
    return blocks


_UNIT_CAPTION = re.compile(
    r"(?<!编制)(?<!填报)(?<!报送)[（(]?\s*(?:计量)?单位\s*[：:]\s*([^\s，,。；;）)]{1,8}(?:\s*[，,、]\s*%)?)\s*[）)]?"
)


def table_unit(rows: list[list[str]], before: str) -> str | None:
    """The unit a table's caption gives its numbers: `单位：万元` ending the paragraph printed just
    before it (alone or after the table's title), or filling the table's first row."""
    first = "".join(rows[0]).strip() if rows else ""
    match = _UNIT_CAPTION.fullmatch(first)
    if match is None:
        tail = re.search(_UNIT_CAPTION.pattern + r"$", before.strip())
        match = tail
    return re.sub(r"\s+", "", match.group(1)) if match else None


def _body_size(raw_blocks: list[RawBlock]) -> float | None:
    sizes = sorted(b.size for b in raw_blocks if b.size and b.kind == "paragraph")
    return sizes[len(sizes) // 2] if sizes else None


def _is_title(raw: RawBlock, text: str, index: int, body_size: float | None) -> bool:
    """The document title: early, short, and set apart (centred or larger) or worded like one."""
    if index > 6 or len(text) > 80 or numbering_level(text) or text.endswith(("。", "；")):
        return False
    if raw.style_level < 0:  # the reader knows it is a title (Word "Title" style)
        return True
    larger = bool(raw.size and body_size and raw.size > body_size * 1.15)
    return ((raw.centered or larger) and bool(_TITLE_WORDS.search(text))) or (
        raw.centered and larger
    )
