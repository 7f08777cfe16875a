"""Text clean-up shared by every reader.

Only what changes meaning for machines is folded: full-width digits and letters, the per-cent sign,
Kangxi radicals that PDF fonts use in place of ordinary ideographs, and the spaces that PDF layout
puts between Chinese characters. Chinese punctuation stays as written.
"""

from __future__ import annotations

import re
import unicodedata

_FULLWIDTH_ALNUM = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
    0xFF05: ord("%"),
    0x3000: ord(" "),
    0x00A0: ord(" "),
}

# Kangxi radicals (U+2F00-2FDF) and compatibility ideographs (U+F900-FAFF) look like ordinary
# characters but do not match them in search; NFKC maps each to its unified ideograph.
_COMPAT_RE = re.compile("[\u2f00-\u2fdf\uf900-\ufaff]")
_PUA_RE = re.compile("[\ue000-\uf8ff]")
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ufffd]")

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = (
    "\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2014\u2018-\u201d\u2026"
)
_CJK_RE = re.compile(f"[{CJK}]")
# A run of spaces with a CJK character or CJK punctuation on at least one side goes.
_CJK_SPACE_RE = re.compile(f"(?<=[{CJK}{CJK_PUNCT}])[ \t]+|[ \t]+(?=[{CJK}{CJK_PUNCT}])")
_DIGIT_DOT_RE = re.compile(r"(?<=\d)\uff0e(?=\d)")
_MULTI_SPACE_RE = re.compile(r"[ \t]{2,}")


def is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


def count_cjk(text: str) -> int:
    return len(_CJK_RE.findall(text))


def clean_text(text: str) -> str:
    """Given raw extracted text, returns the normalised text used for search and classification."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL_RE.sub("", text)
    text = _PUA_RE.sub("", text)  # font-specific glyphs (symbol bullets, HKSCS) nobody can search
    text = _COMPAT_RE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = text.translate(_FULLWIDTH_ALNUM)
    text = _DIGIT_DOT_RE.sub(".", text)
    text = _CJK_SPACE_RE.sub("", text)
    text = _MULTI_SPACE_RE.sub(" ", text)
    return text.strip()


def display_original(raw: str, cleaned: str) -> str | None:
    """The original text worth keeping for display: only when cleaning changed more than spacing."""
    raw = raw.strip()
    if raw == cleaned or re.sub(r"\s+", "", raw) == re.sub(r"\s+", "", cleaned):
        return None
    return raw
