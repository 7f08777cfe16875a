"""The shared spaCy pipeline: a blank Chinese pipeline with jieba as its segmenter.

Blank means nothing is downloaded: the segmenter is jieba (already a dependency) and the
sentence splitter is a rule on Chinese sentence-final punctuation. Rule-based matchers of the
figures and applications work (organisation names, places) attach to this one pipeline instead
of each module cutting text its own way.
"""

from __future__ import annotations

from functools import lru_cache

SENTENCE_END = ["。", "！", "？", "；", "!", "?", ";", "\n"]


@lru_cache(maxsize=1)
def pipeline():
    import logging

    import jieba
    import spacy

    jieba.setLogLevel(logging.WARNING)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.add_pipe("sentencizer", config={"punct_chars": SENTENCE_END})
    return nlp


def sentences(text: str) -> list[tuple[int, int]]:
    """Given text, returns the (start, end) character spans of its sentences, so callers keep
    offsets into the original text."""
    if not text.strip():
        return []
    doc = pipeline()(text)
    return [(s.start_char, s.end_char) for s in doc.sents if s.text.strip()]
