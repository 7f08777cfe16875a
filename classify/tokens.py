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


_DATA = __import__("pathlib").Path(__file__).parent / "data"
_NUMBER_RE = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")
_SPACE_RE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _domain_tokenizer():
    """A jieba tokenizer of its own with the domain dictionary, so that the search index (which
    uses jieba's default dictionary) is never changed by an edit to the classifier's words."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    with _lock:
        tokenizer.initialize()
        tokenizer.load_userdict(str(_DATA / "userdict.txt"))
    return tokenizer


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    text = (_DATA / "stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w for w in text.split() if not w.startswith("#"))


def normalize(text: str) -> str:
    """Simplified script, lower case, every number written as 0: the classifier should learn
    from what a passage is about, not from the particular figures a city reported."""
    return _SPACE_RE.sub(" ", _NUMBER_RE.sub("0", to_simplified(text).lower())).strip()


def domain_tokens(text: str) -> list[str]:
    """Given normalised text, returns its words for the classifiers: jieba with the domain
    dictionary (光纤到户, 众创空间 stay whole), stop words and punctuation dropped."""
    stops = stop_words()
    return [
        t
        for t in _domain_tokenizer().lcut(text)
        if t.strip() and _WORD_RE.search(t) and t not in stops
    ]


def dictionary_hash() -> str:
    """Identifies the dictionary and stop words a model was trained with."""
    import hashlib

    digest = hashlib.sha256()
    for name in ("userdict.txt", "stopwords.txt"):
        digest.update((_DATA / name).read_bytes())
    return digest.hexdigest()[:16]
