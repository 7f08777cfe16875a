"""Documents into passages for the classifiers: one per paragraph, long ones split at sentence ends."""

from __future__ import annotations

import itertools
import re

from .document import Document, Passage

MAX_CHARS = 300
_SENTENCE_RE = re.compile(r"[^。！？；!?;]*[。！？；!?;]+[”’」』）)]*|[^。！？；!?;]+$")
_CLAUSE_RE = re.compile(r"[^，、,]*[，、,]|[^，、,]+$")


def split_sentences(text: str) -> list[str]:
    return [s for s in (m.group().strip() for m in _SENTENCE_RE.finditer(text)) if s]


def _pieces(text: str, max_chars: int) -> list[str]:
    """Sentences, with any sentence longer than the bound cut at commas, then hard."""
    out: list[str] = []
    for sentence in split_sentences(text):
        if len(sentence) <= max_chars:
            out.append(sentence)
            continue
        for clause in (m.group() for m in _CLAUSE_RE.finditer(sentence)):
            out.extend(clause[i : i + max_chars] for i in range(0, len(clause), max_chars))
    return out


def chunk_text(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """Given a paragraph, returns runs of whole sentences, each at most `max_chars` long."""
    if len(text) <= max_chars:
        return [text]
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text, max_chars):
        if current and len(current) + len(piece) > max_chars:
            chunks.append(current)
            current = ""
        current += piece
    if current:
        chunks.append(current)
    return chunks


def to_passages(doc: Document, max_chars: int = MAX_CHARS) -> list[Passage]:
    """Given a document, returns its passages in order; tables give one passage per row."""
    passages: list[Passage] = []
    for index, block in enumerate(doc.blocks):
        texts: list[tuple[str, int | None]]
        if block.kind == "paragraph":
            texts = [(chunk, None) for chunk in chunk_text(block.text, max_chars)]
        elif block.kind == "table" and block.rows:
            # Each row with its column headers: "指标：4G基站数；数值：3.9万个".
            header, body = (
                (block.rows[0], block.rows[1:]) if len(block.rows) > 1 else ([], block.rows)
            )
            first = len(block.rows) - len(body)
            texts = []
            for r, row in enumerate(body, first):
                cells = [
                    f"{h}：{c}" if h and h != c else c
                    for h, c in itertools.zip_longest(header, row, fillvalue="")
                    if c
                ]
                texts.extend((chunk, r) for chunk in chunk_text("；".join(cells), max_chars))
        else:
            continue
        for text, row_index in texts:
            passages.append(
                Passage(
                    len(passages), text, block.page, block.heading_path, index, row_index, block.box
                )
            )
    return passages
