"""Chinese text into tokens: traditional folded to simplified, then jieba.

The same function serves the search index and the queries, so a passage is found by the words an
evaluator types whichever script either was written in.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from math import log

_WORD_RE = re.compile(r"\w", re.UNICODE)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def _import_jieba():
    """jieba, imported without pkg_resources: jieba._compat only uses it to open its own data
    files (and falls back to a plain open), and importing setuptools' pkg_resources costs about
    0.15 CPU-seconds in every process that cuts text (each ingest worker)."""
    import sys

    if "jieba" not in sys.modules and "pkg_resources" not in sys.modules:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import fails fast
        try:
            import jieba
        finally:
            del sys.modules["pkg_resources"]
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@lru_cache(maxsize=1)
def _jieba():
    jieba = _import_jieba()
    with _lock:
        _load_cache(jieba.dt)
        jieba.initialize()  # builds and caches the dictionary when there is no usable cache
    return jieba


def _load_cache(tokenizer) -> None:
    """jieba's own cache of its default dictionary (the file `initialize` would read), read in
    one piece: marshal.load on a file reads it a few bytes at a time, 0.55 CPU-seconds for
    500,000 words against 0.18 for marshal.loads on its bytes."""
    import marshal
    import tempfile
    from pathlib import Path

    import jieba

    if (
        tokenizer.initialized
        or getattr(tokenizer, "cache_file", None)
        or tokenizer.dictionary != getattr(jieba, "DEFAULT_DICT", None)
    ):
        return
    cache = Path(getattr(tokenizer, "tmp_dir", None) or tempfile.gettempdir()) / "jieba.cache"
    try:
        freq, total = marshal.loads(cache.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return  # none yet, or damaged: jieba builds it again
    if isinstance(freq, dict) and freq:
        tokenizer.FREQ, tokenizer.total = freq, total
        tokenizer.initialized = True


def warm() -> None:
    """Loads every tokeniser's dictionary now instead of at the first text."""
    _jieba()
    _domain_tokenizer()
    _converter()


def cut(tokenizer, sentence: str) -> list[str]:
    """`tokenizer.lcut(sentence)` (jieba's default mode with HMM), word for word, in about half
    the time: the word graph and the best route are built in one backward pass over the
    sentence, reading each dictionary entry once, instead of jieba's get_DAG then calc (a
    generator and a tuple per candidate word). Every sum and comparison is jieba's own, so the
    words are the same; tests/test_areas.py compares the two on real text. Tokenising is most of
    the analysis an ingest worker does.

    jieba cuts each run of Chinese, letters and digits (a clause between punctuation) on its
    own, so a run's words are kept and not computed again (`_runs`): the same clauses come back
    in a passage's sentence runs (classify.areas.segments), in a case's body after its passages,
    in headings and in the set phrases of every report."""
    import jieba

    han, skip = jieba.re_han_default, jieba.re_skip_default
    tokenizer.check_initialized()
    known = _runs(tokenizer)
    out: list[str] = []
    append = out.append
    for blk in han.split(sentence):
        if not blk:
            continue
        if not han.match(blk):
            for x in skip.split(blk):
                if skip.match(x):
                    append(x)
                else:
                    out.extend(x)
            continue
        words = known.get(blk)
        if words is None:
            words = _cut_run(tokenizer, blk)
            if len(known) >= _RUNS_KEPT:
                known.clear()  # a bounded memory: start again rather than track what is old
            if len(blk) <= _RUN_KEPT_CHARS:
                known[blk] = words
        out += words
    return out


_RUNS_KEPT = 20_000  # runs remembered per tokenizer (at most about 15 MB); forgotten past it
_RUN_KEPT_CHARS = 400  # longer runs are cut every time (a clause is rarely this long)
_runs_by_tokenizer: dict[int, tuple[object, dict, float, dict[str, tuple[str, ...]]]] = {}


def _runs(tokenizer) -> dict[str, tuple[str, ...]]:
    """The runs this tokenizer has cut, with their words; new ones when its dictionary is not
    the one they were cut with."""
    entry = _runs_by_tokenizer.get(id(tokenizer))
    if (
        entry is None
        or entry[0] is not tokenizer
        or entry[1] is not tokenizer.FREQ
        or entry[2] != tokenizer.total
    ):
        with _lock:
            entry = (tokenizer, tokenizer.FREQ, tokenizer.total, {})
            _runs_by_tokenizer[id(tokenizer)] = entry
    return entry[3]


def _cut_run(tokenizer, blk: str) -> tuple[str, ...]:
    """The words of one run of Chinese, letters and digits: jieba's __cut_DAG on it."""
    from jieba import finalseg

    freq = tokenizer.FREQ
    get = freq.get
    logtotal = log(tokenizer.total)
    out: list[str] = []
    append = out.append
    n = len(blk)
    value = [0.0] * (n + 1)  # route[i][0]: the best log-probability of blk[i:]
    end = [0] * (n + 1)  # route[i][1]: where the first word of that route ends
    for k in range(n - 1, -1, -1):
        best, best_end = None, k
        i = k
        frag = blk[k]
        while i < n:
            f = get(frag)
            if f is None:
                break
            if f:  # a word, not only a prefix: the same sum as jieba's calc
                v = log(f) - logtotal + value[i + 1]
                if best is None or v >= best:  # max((v, x)): a tie goes to the longer
                    best, best_end = v, i
            i += 1
            frag = blk[k : i + 1]
        if best is None:  # no word starts here: the character alone
            best = log(1) - logtotal + value[k + 1]
        value[k], end[k] = best, best_end
    x = 0
    buf = ""
    while x < n:
        y = end[x] + 1
        word = blk[x:y]
        if y - x == 1:
            buf += word
        else:
            if buf:
                _flush(buf, get, finalseg, out)
                buf = ""
            append(word)
        x = y
    if buf:
        _flush(buf, get, finalseg, out)
    return tuple(out)


def _flush(buf: str, get, finalseg, out: list[str]) -> None:
    """jieba's handling of a run of single characters: one character as is, a run the dictionary
    knows as characters, an unknown run through the HMM (new words). The HMM's words depend on
    the run alone, and the same few-character runs (我市, 亿元…) come back in every text: each
    is decoded once (`_hmm_words`)."""
    if len(buf) == 1:
        out.append(buf)
    elif not get(buf):
        words = _hmm_words.get(buf)
        if words is None:
            words = tuple(finalseg.cut(buf))
            if len(_hmm_words) >= _RUNS_KEPT:
                _hmm_words.clear()
            if len(buf) <= _RUN_KEPT_CHARS:
                _hmm_words[buf] = words
        out.extend(words)
    else:
        out.extend(buf)


_hmm_words: dict[str, tuple[str, ...]] = {}  # jieba.finalseg's words of a run, by run


def to_simplified(text: str) -> str:
    return _converter().convert(text)


def _cut(text: str) -> list[str]:
    """The one cut of a text: simplified, lower-cased, jieba's default mode (no filtering)."""
    return cut(_jieba().dt, to_simplified(text).lower())


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
    """(phrase tokens, search tokens) of a passage from one cut: what the index stores. The
    same as `_words(words), _words(_for_search(words))`, word by word: each word's part of both
    is worked out once (`_index_forms`), as the words of a report are mostly the same few
    thousand."""
    forms = _index_forms
    phrase: list[str] = []
    search: list[str] = []
    for word in _cut(text):
        form = forms.get(word)
        if form is None:
            form = (bool(_words([word])), tuple(_words(_for_search([word]))))
            if len(forms) >= _RUNS_KEPT:
                forms.clear()
            if len(word) <= _RUN_KEPT_CHARS:
                forms[word] = form
        if form[0]:
            phrase.append(word)
        search += form[1]
    return phrase, search


# A word → whether it is a phrase token, and its search tokens (inner words, then itself).
_index_forms: dict[str, tuple[bool, tuple[str, ...]]] = {}


_DATA = __import__("pathlib").Path(__file__).parent / "data"
_NUMBER_RE = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")
_SPACE_RE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _domain_tokenizer():
    """A jieba tokenizer of its own with the domain dictionary, so that the search index (which
    uses jieba's default dictionary) is never changed by an edit to the classifier's words.

    It starts from a copy of the default tokenizer's dictionary (the same words and counts that
    `initialize` would read again from jieba's cache: 15 ms instead of 0.6 CPU-seconds)."""
    jieba = _jieba()
    tokenizer = jieba.Tokenizer()
    with _lock:
        tokenizer.FREQ = dict(jieba.dt.FREQ)
        tokenizer.total = jieba.dt.total
        tokenizer.initialized = True
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
        for t in cut(_domain_tokenizer(), text)
        if t.strip() and _WORD_RE.search(t) and t not in stops
    )


def dictionary_hash() -> str:
    """Identifies the dictionary and stop words a model was trained with."""
    import hashlib

    digest = hashlib.sha256()
    for name in ("userdict.txt", "stopwords.txt"):
        digest.update((_DATA / name).read_bytes())
    return digest.hexdigest()[:16]
