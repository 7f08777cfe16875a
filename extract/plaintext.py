"""Plain text and Markdown: one paragraph per line (or per blank-line block in Markdown)."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import CorruptDocument, TooLarge
from .limits import Limits
from .structure import RawBlock, ReaderOutput

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("utf-8", data, 0, 1, "neither UTF-8 nor GB18030")


class TextReader:
    formats = ("text",)

    def read(self, path: Path, limits: Limits) -> ReaderOutput:
        try:
            text = decode(path.read_bytes())
        except UnicodeDecodeError as exc:
            raise CorruptDocument(path, "text is neither UTF-8 nor GB18030") from exc
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
        return ReaderOutput(blocks, pages=1)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]
