"""Text helpers the application steps share: simplified text that keeps the original's offsets,
and a text's lines with their offsets."""

from __future__ import annotations

from ..tokens import to_simplified


def simplified_same_length(text: str) -> str:
    """Simplified text with the offsets of the original, so a name found in the simplified text
    is cut from the original in its own script. OpenCC maps character for character nearly
    always; when it does not, each character is converted alone."""
    simplified = to_simplified(text)
    if len(simplified) == len(text):
        return simplified
    out = []
    for ch in text:
        converted = to_simplified(ch)
        out.append(converted if len(converted) == 1 else ch)
    return "".join(out)


def lines_of(text: str) -> list[tuple[int, str]]:
    """(offset, line) for each line: the pipeline runs line by line, so offsets stay simple and
    a very long document never reaches spaCy's length limit in one piece."""
    out: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out
