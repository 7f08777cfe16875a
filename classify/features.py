"""Text into the sparse features both classifiers (areas, application tags) learn from.

Word unigrams and bigrams (jieba with the domain dictionary) and character 2-3-grams of the body,
TF-IDF weighted, plus the words of the title (a heading path, or a case's title) as a separate,
lighter block. Character n-grams carry a model over words jieba splits badly and phrasing it has
not seen. Saved as plain arrays (terms and idf), never as pickled vectorisers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
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
    vectorizers: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.vectorizers:
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
            if fit and name == "title" and not any(map(_title_words, columns[name])):
                # No passage has a heading (real paragraphs only): a vectoriser fitted on no
                # words fails, so the block gets one placeholder term no title produces.
                self.vectorizers[name] = _title_vectorizer({NO_TITLE: 0})
            vectorizer = self.vectorizers[name]
            block = (vectorizer.fit_transform if fit else vectorizer.transform)(columns[name])
            blocks.append(block * weights[name])
        return hstack(blocks, format="csr")

    def fit_transform(self, texts: Sequence[str], titles: Sequence[str | None] | None = None):
        return self._matrix(texts, titles, fit=True)

    def transform(self, texts: Sequence[str], titles: Sequence[str | None] | None = None):
        return self._matrix(texts, titles, fit=False)

    def arrays(self) -> dict[str, np.ndarray]:
        out = {}
        for name in BLOCKS:
            vectorizer = self.vectorizers[name]
            out[f"{name}_terms"] = artifact.strings(list(vectorizer.get_feature_names_out()))
            out[f"{name}_idf"] = vectorizer.idf_.astype(np.float64)
        return out

    @classmethod
    def from_arrays(cls, params: FeatureParams, arrays: dict[str, np.ndarray]) -> TextFeatures:
        vocabularies = {n: artifact.unstrings(arrays[f"{n}_terms"]) for n in BLOCKS}
        vectorizers = _vectorizers(params, vocabularies)
        for name in BLOCKS:
            vectorizers[name].idf_ = arrays[f"{name}_idf"]
        return cls(params, vectorizers)


def _vectorizers(params: FeatureParams, vocabularies: dict[str, list[str]] | None = None) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer

    def vocab(name: str) -> dict[str, int] | None:
        if vocabularies is None:
            return None
        return {term: i for i, term in enumerate(vocabularies[name])}

    return {
        "words": TfidfVectorizer(
            analyzer=_word_ngrams,
            min_df=params.min_df,
            sublinear_tf=True,
            vocabulary=vocab("words"),
        ),
        "chars": TfidfVectorizer(
            analyzer="char",
            ngram_range=(2, 3),
            lowercase=False,
            min_df=params.min_df,
            max_features=params.max_char_features,
            sublinear_tf=True,
            vocabulary=vocab("chars"),
        ),
        "title": _title_vectorizer(vocab("title")),
    }


def _title_vectorizer(vocabulary: dict[str, int] | None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer=_title_words, min_df=1, sublinear_tf=True, vocabulary=vocabulary
    )
