"""Plain text and Markdown: one paragraph per line; the encoding from extract/encoding.py."""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType

from . import encoding
from .errors import CorruptDocument, TooLarge
from .formats import Signature
from .limits import Limits
from .structure import RawBlock, ReaderOutput

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def decode(data: bytes) -> tuple[str, str | None]:
    """Given a text file's bytes, returns its text and a warning when the encoding is a guess."""
    found = encoding.detect(data)
    if found is None:
        raise UnicodeDecodeError("utf-8", data, 0, 1, "no text encoding fits")
    warning = (
        f"text encoding guessed as {found.encoding}: check that the characters read right"
        if found.guessed
        else None
    )
    return found.decode(data), warning


def _is_text(head: bytes) -> bool:
    """UTF-8, GB18030, Big5 or UTF-16 (with or without a BOM), as extract/encoding.py reads them;
    the head may end inside a character."""
    return encoding.detect(head, partial=True) is not None


TEXT = Signature("text", "plain text", detect=_is_text, order=100)  # the last guess


class TextReader:
    signatures = (TEXT,)
    # An HTML page named .txt or .md was read as text before HTML was sniffed: it still is.
    accepts = MappingProxyType({".txt": ("text", "html"), ".md": ("text", "html")})

    def read(self, path: Path, limits: Limits) -> ReaderOutput:
        try:
            text, warning = decode(path.read_bytes())
        except UnicodeDecodeError as exc:
            raise CorruptDocument(path, "text in no encoding recognised") from exc
        if len(text) > limits.max_chars:  # before splitting 40 MB into blocks
            raise TooLarge(path, f"内容过多：{len(text):,} 个字符，上限 {limits.max_chars:,} 个")
        blocks: list[RawBlock] = []
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            match = _MD_HEADING.match(line) if path.suffix.lower() == ".md" else None
            if match:
                blocks.append(
                    RawBlock("paragraph", match.group(2), page=1, style_level=len(match.group(1)))
                )
            elif line.startswith("|") and blocks and blocks[-1].kind == "table":
                if not set(line) <= set("|-: "):
                    blocks[-1].rows.append(_cells(line))
            elif line.startswith("|") and line.endswith("|"):
                blocks.append(RawBlock("table", page=1, rows=[_cells(line)]))
            else:
                blocks.append(RawBlock("paragraph", line, page=1))
        return ReaderOutput(blocks, pages=1, warnings=[warning] if warning else [])


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]
