"""Chinese text into tokens: traditional folded to simplified, then jieba.

The same function serves the search index and the queries, so a passage is found by the words an
evaluator types whichever script either was written in.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

_WORD_RE = re.compile(r"\w", re.UNICODE)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    with _lock:
        jieba.initialize()
    return jieba


def to_simplified(text: str) -> str:
    return _converter().convert(text)


def search_tokens(text: str) -> list[str]:
    """Given text, returns its search tokens: simplified, lower-cased, jieba's search mode (which
    adds the shorter words inside long ones, for recall), punctuation dropped."""
    jieba = _jieba()
    simplified = to_simplified(text).lower()
    return [t for t in jieba.cut_for_search(simplified) if _WORD_RE.search(t) and t.strip()]


def phrase_tokens(text: str) -> list[str]:
    """Tokens in reading order without the search-mode extras, for phrase queries."""
    jieba = _jieba()
    simplified = to_simplified(text).lower()
    return [t for t in jieba.cut(simplified) if _WORD_RE.search(t) and t.strip()]
