"""Plain text and Markdown: one paragraph per line (or per blank-line block in Markdown)."""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType

from .errors import CorruptDocument
from .formats import Signature, decodes
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


def _is_text(head: bytes) -> bool:
    return b"\x00" not in head and decodes(head)


TEXT = Signature("text", "plain text", detect=_is_text, order=100)  # the last guess


class TextReader:
    signatures = (TEXT,)
    # An HTML page named .txt or .md was read as text before HTML was sniffed: it still is.
    accepts = MappingProxyType({".txt": ("text", "html"), ".md": ("text", "html")})

    def read(self, path: Path, limits: Limits) -> ReaderOutput:
        try:
            text = decode(path.read_bytes())
        except UnicodeDecodeError as exc:
            raise CorruptDocument(path, "text is neither UTF-8 nor GB18030") from exc
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
