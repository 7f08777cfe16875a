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


def _cut(text: str) -> list[str]:
    """The one cut of a text: simplified, lower-cased, jieba's default mode (no filtering)."""
    return list(_jieba().cut(to_simplified(text).lower()))


def _for_search(words: list[str]) -> list[str]:
    """jieba's search mode from a default-mode cut, as `jieba.cut_for_search` derives it (the
    dictionary's 2- and 3-character words inside each longer word, then the word)."""
    freq = _jieba().dt.FREQ
    out = []
    for w in words:
        if len(w) > 2:
            out.extend(g for g in (w[i : i + 2] for i in range(len(w) - 1)) if freq.get(g))
        if len(w) > 3:
            out.extend(g for g in (w[i : i + 3] for i in range(len(w) - 2)) if freq.get(g))
        out.append(w)
    return out


def _words(tokens: list[str]) -> list[str]:
    return [t for t in tokens if _WORD_RE.search(t) and t.strip()]


def search_tokens(text: str) -> list[str]:
    """Given text, returns its search tokens: simplified, lower-cased, jieba's search mode (which
    adds the shorter words inside long ones, for recall), punctuation dropped."""
    return _words(_for_search(_cut(text)))


def phrase_tokens(text: str) -> list[str]:
    """Tokens in reading order without the search-mode extras, for phrase queries."""
    return _words(_cut(text))


def index_tokens(text: str) -> tuple[list[str], list[str]]:
    """(phrase tokens, search tokens) of a passage from one cut: what the index stores."""
    words = _cut(text)
    return _words(words), _words(_for_search(words))


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
    dictionary (光纤到户, 众创空间 stay whole), stop words and punctuation dropped. A text already
    cut recently (a heading path shared by a section's passages; a case's body, read by the tag
    and the area model) is not cut again."""
    return list(_domain_cut(text))


@lru_cache(maxsize=4096)
def _domain_cut(text: str) -> tuple[str, ...]:
    stops = stop_words()
    return tuple(
        t
        for t in _domain_tokenizer().lcut(text)
        if t.strip() and _WORD_RE.search(t) and t not in stops
    )


def dictionary_hash() -> str:
    """Identifies the dictionary and stop words a model was trained with."""
    import hashlib

    digest = hashlib.sha256()
    for name in ("userdict.txt", "stopwords.txt"):
        digest.update((_DATA / name).read_bytes())
    return digest.hexdigest()[:16]
