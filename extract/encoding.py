"""Which encoding a text file is in: BOMs, UTF-8, UTF-16 without a BOM, then a detector.

Chinese text files arrive as UTF-8, GBK/GB18030 (most Windows editors), UTF-16 ("Unicode" in
Windows Notepad, with or without a BOM) and now and then Big5. GB18030 decodes almost any bytes,
so trying it blindly turns Big5 into mojibake without an error: past UTF-8, the choice is left to
charset-normalizer, and anything it picks other than the GB family is reported as a guess.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from .normalize import is_cjk

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
TEXTUAL_SHARE = 0.95  # decoded characters that must be text for bytes to be called text


@dataclass
class Detected:
    encoding: str  # a Python codec name
    guessed: bool  # True when only a statistical detector vouches for it

    def decode(self, data: bytes) -> str:
        return data.decode(self.encoding, errors="replace" if self.guessed else "strict")


def _textual(text: str) -> bool:
    """Mostly characters a document is written in: no control codes beyond line breaks/tabs."""
    if not text:
        return False
    good = sum(
        1
        for ch in text
        if ch in "\n\r\t\f" or (ch.isprintable() and not 0xE000 <= ord(ch) <= 0xF8FF)
    )
    return good >= TEXTUAL_SHARE * len(text)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 LE or BE with no BOM: the byte order whose text is mostly Chinese and ASCII."""
    if len(data) < 4:
        return None
    body = data[: len(data) - len(data) % 2]
    best, best_score = None, 0.0
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _textual(text):
            continue
        score = sum(1 for ch in text if is_cjk(ch) or (ch.isascii() and ch.isprintable()))
        if score > best_score:
            best, best_score = encoding, score
    return best if best and best_score >= 0.8 * (len(body) // 2) else None


def detect(data: bytes, *, partial: bool = False) -> Detected | None:
    """Given a file's bytes (or its head, `partial`, which may end inside a character), returns
    its encoding, or None when the bytes are not text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return Detected(encoding, False)
    cuts = range(4) if partial else (0,)
    if b"\x00" in data:
        for cut in cuts:
            encoding = _utf16_without_bom(data[: len(data) - cut])
            if encoding:
                return Detected(encoding, False)
        return None
    for cut in cuts:
        try:
            text = data[: len(data) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return Detected("utf-8", False) if _textual(text) else None
    return _detector(data, partial)


def _detector(data: bytes, partial: bool) -> Detected | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    encoding = codecs.lookup(best.encoding).name
    if encoding in _GB_FAMILY or encoding.replace("-", "") in _GB_FAMILY:
        return _checked(data, "gb18030", partial, guessed=False)
    return _checked(data, encoding, partial, guessed=True)


def _checked(data: bytes, encoding: str, partial: bool, *, guessed: bool) -> Detected | None:
    for cut in range(4) if partial else (0,):
        try:
            text = data[: len(data) - cut].decode(encoding)
        except UnicodeDecodeError:
            continue
        return Detected(encoding, guessed) if _textual(text) else None
    return None
