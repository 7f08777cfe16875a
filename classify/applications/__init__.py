"""Typical applications (典型应用): the cases in a submission, who runs them, where, and reuse.

With the full-year report every city sends its typical applications, usually as an attachment
(附件2：XX市信息消费典型应用案例), sometimes as a section of the progress report (四、典型应用). Each
case is a titled section of a few paragraphs. This package finds the cases in a document that the
caller has already cut into headings and paragraphs (`Section`), names the organisations and
places each case mentions, and measures how much of a case repeats an earlier one.

Text in, text out: no files, no store. The steps are small functions, each testable alone:

    find_cases      sections → cases (by heading level, or by run-in titles `案例一：…`)
    organisations   text → organisation names (suffix rules on the shared jieba pipeline)
    places          text → cities (extract's gazetteer) and the districts/counties named with them
    shingles        text → hashed 5-character shingles of the normalised text
    overlap         containment of two shingle sets
    shared_passages the longest runs two texts have in common, cut from the first text

Recycled cases. Cities send the same case again in a later year, often extended with a new
paragraph of results, or they fold last year's case into a longer one. The measure is therefore
containment, |A∩B| / min(|A|, |B|), not Jaccard, |A∩B| / |A∪B|: a 400-character case copied whole
into a 1,200-character case has a Jaccard similarity of about 0.33, which reads as "different",
while its containment is 1.0, which is what the evaluator needs to see. Shingles are taken over
text folded to simplified characters, without punctuation or spacing, and with every number
written as one 0, so a traditional-character copy, a re-punctuated copy and a copy with updated
figures all count as the same text. The folding is done here rather than with
`classify.tokens.normalize` because it keeps each character's offset in the original, which
`shared_passages` needs to show the repeated words as the city wrote them.
"""

from .cases import Case, Section, find_cases
from .organisations import organisations
from .places import places
from .recycling import overlap, shared_passages, shingles

__all__ = [
    "Case",
    "Section",
    "find_cases",
    "organisations",
    "overlap",
    "places",
    "shared_passages",
    "shingles",
]
