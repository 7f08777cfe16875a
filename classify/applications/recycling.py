"""Recycled cases: shingles of folded text, their containment (`overlap`), and the passages two
texts share (`shared_passages`)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from .text import simplified_same_length

# Recycled cases -------------------------------------------------------------------------------

_NUMBER_RUN_RE = re.compile(r"\d+(?:[.,]\d+)*")


def _normalised(text: str) -> tuple[str, list[int]]:
    """Text folded for comparison, with the original offset of each character kept: simplified,
    lower case, only letters and digits, and every number written as one 0 (updated figures
    should not hide a copy)."""
    simplified = simplified_same_length(text).lower()
    chars: list[str] = []
    where: list[int] = []
    i = 0
    while i < len(simplified):
        number = _NUMBER_RUN_RE.match(simplified, i) if simplified[i].isdigit() else None
        if number:
            chars.append("0")
            where.append(i)
            i = number.end()
            continue
        if simplified[i].isalnum():
            chars.append(simplified[i])
            where.append(i)
        i += 1
    return "".join(chars), where


def _hash(shingle: str) -> int:
    """A stable 64-bit hash: Python's str hash changes between processes, and shingle sets may be
    stored and compared across runs."""
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def shingles(text: str, k: int = 5) -> frozenset[int]:
    """Given text, returns the hashed k-character shingles of its normalised form (simplified, no
    spacing or punctuation, numbers folded). Text shorter than k is one shingle; empty text none."""
    if k < 1:
        raise ValueError("k must be at least 1")
    norm, _ = _normalised(text or "")
    if not norm:
        return frozenset()
    if len(norm) <= k:
        return frozenset({_hash(norm)})
    return frozenset(_hash(norm[i : i + k]) for i in range(len(norm) - k + 1))


def overlap(a: str | Iterable[int], b: str | Iterable[int]) -> float:
    """Containment of two texts or shingle sets, |A∩B| / min(|A|, |B|): 1.0 when one is copied
    whole into the other, 0.0 when either is empty. See the module docstring for why not Jaccard."""
    sa = shingles(a) if isinstance(a, str) else frozenset(a)
    sb = shingles(b) if isinstance(b, str) else frozenset(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


_OPENING = frozenset("“‘《（(「『【[\"'")
_CLOSING = frozenset("”’》）)」』】]\"'。！？；!?;")


def shared_passages(a: str, b: str, min_chars: int = 30) -> list[str]:
    """Given two texts, returns the runs they share of at least `min_chars` normalised characters,
    longest first, each cut from `a` as written there (with its quotes and final stop), so the
    evaluator reads the original words.

    Compared after the same folding as `shingles`, so script, punctuation and changed figures do
    not break a run; a passage shows `a`'s figures. SequenceMatcher is quadratic in the worst
    case: this is meant for case-sized texts, not whole reports.
    """
    norm_a, where_a = _normalised(a or "")
    norm_b, _ = _normalised(b or "")
    if not norm_a or not norm_b:
        return []
    matcher = SequenceMatcher(None, norm_a, norm_b, autojunk=False)
    runs = [m for m in matcher.get_matching_blocks() if m.size >= min_chars]
    runs.sort(key=lambda m: m.size, reverse=True)
    out: list[str] = []
    for m in runs:
        start = where_a[m.a]
        last = where_a[m.a + m.size - 1]
        number = _NUMBER_RUN_RE.match(a, last) if a[last].isdigit() else None
        end = number.end() if number else last + 1
        while start > 0 and a[start - 1] in _OPENING:
            start -= 1
        while end < len(a) and a[end] in _CLOSING:
            end += 1
        out.append(a[start:end])
    return out
