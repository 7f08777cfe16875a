"""Text into the sparse features both classifiers (areas, application tags) learn from.

Word unigrams and bigrams (jieba with the domain dictionary) and character 2-3-grams of the body,
TF-IDF weighted, plus the words of the title (a heading path, or a case's title) as a separate,
lighter block. Character n-grams carry a model over words jieba splits badly and phrasing it has
not seen. Saved as plain arrays (terms and idf), never as pickled vectorisers.

Fitting uses scikit-learn's TfidfVectorizer; transforming uses `Block`, which computes the same
matrix from the terms and idf alone. So a process that only applies the models (an ingest
worker, the web app) never imports scikit-learn, whose import (it pulls in scipy.stats) cost
about 0.65 CPU-seconds of each worker's start.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import artifact
from .tokens import domain_tokens, normalize

BLOCKS = ("words", "chars", "title")
NO_TITLE = "\u0000无标题"  # the title block's only term when no training passage has a title


def _word_ngrams(doc: str) -> list[str]:
    tokens = domain_tokens(doc)
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


def _title_words(doc: str) -> list[str]:
    return domain_tokens(doc)


_WHITE_SPACES = re.compile(r"\s\s+")


def _char_ngrams(doc: str) -> list[str]:
    """Character 2- and 3-grams, runs of white space as one space (TfidfVectorizer's "char"
    analyzer with ngram_range=(2, 3), lowercase=False)."""
    doc = _WHITE_SPACES.sub(" ", doc)
    n = len(doc)
    return [doc[i : i + 2] for i in range(n - 1)] + [doc[i : i + 3] for i in range(n - 2)]


ANALYZERS: dict[str, Callable[[str], list[str]]] = {
    "words": _word_ngrams,
    "chars": _char_ngrams,
    "title": _title_words,
}


@dataclass
class Block:
    """One fitted TF-IDF block, for transforming: its terms (term → column) and idf. The matrix
    is TfidfVectorizer(sublinear_tf=True, norm="l2").transform's: per text, the count of each
    known term, 1 + log(count), times the term's idf, each row scaled to unit length."""

    analyzer: Callable[[str], list[str]]
    index: dict[str, int]
    idf: np.ndarray

    def transform(self, texts: Sequence[str]):
        from scipy.sparse import csr_matrix

        # Terms are counted and looked up in C (Counter, map over dict.get); the weighting and
        # the row norms are numpy over the whole batch. Unknown terms map to -1 and are dropped.
        lookup = self.index.get
        columns: list[int] = []
        counts: list[int] = []
        lengths: list[int] = []
        for text in texts:
            counter = Counter(self.analyzer(text))
            columns += map(lookup, counter, itertools.repeat(-1))
            counts += counter.values()
            lengths.append(len(counter))
        cols = np.asarray(columns, dtype=np.int64)
        rows = np.repeat(np.arange(len(texts)), lengths)
        known = cols >= 0
        cols, rows = cols[known], rows[known]
        data = np.log(np.asarray(counts, dtype=np.float64)[known]) + 1.0
        data *= self.idf[cols]
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(texts)))
        if len(data):
            data /= norms[rows]  # a row with a term has a positive norm (idf ≥ 1)
        indptr = np.zeros(len(texts) + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
        matrix = csr_matrix(
            (data, cols.astype(np.int32), indptr), shape=(len(texts), len(self.idf))
        )
        matrix.sort_indices()  # as scikit-learn returns it
        return matrix

    def terms(self) -> list[str]:
        out = [""] * len(self.index)
        for term, j in self.index.items():
            out[j] = term
        return out


@dataclass(frozen=True)
class FeatureParams:
    """The feature settings; each model's parameters extend these with its own."""

    char_weight: float = 1.0
    title_weight: float = 0.5
    min_df: int = 2
    max_char_features: int = 80_000

    def features(self) -> FeatureParams:
        return FeatureParams(
            self.char_weight, self.title_weight, self.min_df, self.max_char_features
        )


@dataclass
class TextFeatures:
    params: FeatureParams = field(default_factory=FeatureParams)
    vectorizers: dict = field(default_factory=dict)  # scikit-learn's, to fit (training only)
    blocks: dict[str, Block] = field(default_factory=dict)  # what transform uses

    def __post_init__(self) -> None:
        if not self.vectorizers and not self.blocks:
            self.vectorizers = _vectorizers(self.params)

    def _columns(self, texts: Sequence[str], titles: Sequence[str | None] | None) -> dict:
        body = [normalize(t) for t in texts]
        heads = [normalize(t or "") for t in (titles or [None] * len(texts))]
        return {"words": body, "chars": body, "title": heads}

    def _weights(self) -> dict[str, float]:
        return {"words": 1.0, "chars": self.params.char_weight, "title": self.params.title_weight}

    def _matrix(self, texts, titles, fit: bool):
        from scipy.sparse import hstack

        columns = self._columns(texts, titles)
        weights = self._weights()
        blocks = []
        for name in BLOCKS:
            if fit:
                if name == "title" and not any(map(_title_words, columns[name])):
                    # No passage has a heading (real paragraphs only): a vectoriser fitted on no
                    # words fails, so the block gets one placeholder term no title produces.
                    self.vectorizers[name] = _title_vectorizer({NO_TITLE: 0})
                vectorizer = self.vectorizers[name]
                block = vectorizer.fit_transform(columns[name])
                self.blocks[name] = Block(
                    ANALYZERS[name], dict(vectorizer.vocabulary_), vectorizer.idf_
                )
            else:
                block = self.blocks[name].transform(columns[name])
            blocks.append(block * weights[name])
        return hstack(blocks, format="csr")

    def fit_transform(self, texts: Sequence[str], titles: Sequence[str | None] | None = None):
        return self._matrix(texts, titles, fit=True)

    def transform(self, texts: Sequence[str], titles: Sequence[str | None] | None = None):
        return self._matrix(texts, titles, fit=False)

    def arrays(self) -> dict[str, np.ndarray]:
        out = {}
        for name in BLOCKS:
            block = self.blocks[name]
            out[f"{name}_terms"] = artifact.strings(block.terms())
            out[f"{name}_idf"] = np.asarray(block.idf, dtype=np.float64)
        return out

    @classmethod
    def from_arrays(cls, params: FeatureParams, arrays: dict[str, np.ndarray]) -> TextFeatures:
        blocks = {}
        for name in BLOCKS:
            terms = artifact.unstrings(arrays[f"{name}_terms"])
            index = {term: i for i, term in enumerate(terms)}
            idf = np.asarray(arrays[f"{name}_idf"], dtype=np.float64)
            if len(index) != len(terms) or len(idf) != len(terms):
                raise ValueError(f"{name}: {len(terms)} terms, {len(idf)} idf values")
            blocks[name] = Block(ANALYZERS[name], index, idf)
        return cls(params, blocks=blocks)


def _vectorizers(params: FeatureParams) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return {
        "words": TfidfVectorizer(analyzer=_word_ngrams, min_df=params.min_df, sublinear_tf=True),
        "chars": TfidfVectorizer(
            analyzer="char",
            ngram_range=(2, 3),
            lowercase=False,
            min_df=params.min_df,
            max_features=params.max_char_features,
            sublinear_tf=True,
        ),
        "title": _title_vectorizer(None),
    }


def _title_vectorizer(vocabulary: dict[str, int] | None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer=_title_words, min_df=1, sublinear_tf=True, vocabulary=vocabulary
    )
