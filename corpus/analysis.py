"""The classification step of ingest: one extracted document in, everything the store keeps
about its text out (search tokens, areas, figures), before any transaction opens.

Pure per document: it reads only its arguments, so an executor can run it anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from classify import (
    AreaModel,
    Figure,
    Prediction,
    When,
    check_figure,
    date_figures,
    date_table_figures,
    figures_in_table,
    find_figures,
)
from classify.applications import Case, Section, find_cases
from classify.tags import TagModel, TagScore
from classify.tokens import index_tokens
from extract import Document as Extracted
from extract import Passage as ExtractedPassage
from extract import to_passages
from extract.vocabulary import Kind


@dataclass(frozen=True)
class Models:
    areas: AreaModel
    tags: TagModel
    review_threshold: float | None = None


@dataclass
class AnalysedPassage:
    passage: ExtractedPassage
    words: str
    extra: str
    prediction: Prediction
    figures: list[tuple[Figure, str]] = field(default_factory=list)  # with its target check


@dataclass
class AnalysedCase:
    case: Case
    tags: list[TagScore]
    area: Prediction
    figures: list[Figure]


@dataclass
class Analysis:
    passages: list[AnalysedPassage]
    cases: list[AnalysedCase] = field(default_factory=list)


_CASES_HEADING = ("典型应用", "典型案例", "应用案例", "示范项目", "优秀应用", "案例")
KEY_FIGURES = 8


def sections_of(doc: Extracted) -> list[Section]:
    """The document as headings with the paragraphs under each, for finding cases. Tables are
    kept as lines of cells, so a case's figures in a table stay in its body."""
    sections: list[Section] = []
    heading, level, page, paragraphs = None, 0, None, []

    def close() -> None:
        if heading is not None or paragraphs:
            sections.append(Section(heading, level, tuple(paragraphs), page))

    for block in doc.blocks:
        if block.kind in ("title", "heading"):
            close()
            heading = block.text
            level = 0 if block.kind == "title" else max(1, block.level)
            page, paragraphs = block.page, []
        elif block.kind == "paragraph":
            paragraphs.append(block.text)
            page = page if page is not None else block.page
        elif block.kind == "table" and block.rows:
            paragraphs.extend("　".join(c for c in row if c) for row in block.rows)
    close()
    return sections


# Kinds that never hold typical applications (a case heading in a budget is not a case).
_NO_CASES = (Kind.work_report, Kind.disclosure, Kind.budget, Kind.statistics, Kind.plan)


def has_cases(doc: Extracted) -> bool:
    if doc.metadata.kind in _NO_CASES:
        return False
    return doc.metadata.kind == "applications" or any(
        block.kind == "heading" and any(word in block.text for word in _CASES_HEADING)
        for block in doc.blocks
    )


def analyse_cases(doc: Extracted, models: Models) -> list[AnalysedCase]:
    if not has_cases(doc):
        return []
    cases = find_cases(sections_of(doc), applications_document=doc.metadata.kind == "applications")
    if not cases:
        return []
    titles = [c.title for c in cases]
    bodies = [c.body for c in cases]
    tags = models.tags.predict(bodies, titles)
    areas = models.areas.predict(bodies, titles, models.review_threshold)
    out = []
    for case, tag_scores, area in zip(cases, tags, areas, strict=True):
        if not tag_scores:  # every case is about something: its best tag
            best = models.tags.probabilities([case.body], [case.title])[0]
            j = int(best.argmax())
            tag_scores = [TagScore(models.tags.tags[j], round(float(best[j]), 4))]
        if area.area == 0:  # a case is about one of the six areas: the best of those
            area = Prediction(area.second_area, area.second_confidence, 0, area.confidence, True)
        levels = [f for f in find_figures(case.body) if f.kind == "level"]
        out.append(AnalysedCase(case, tag_scores, area, levels[:KEY_FIGURES]))
    return out


def title_of(passage: ExtractedPassage) -> str:
    return " > ".join(passage.heading_path)


def passage_figures(
    doc: Extracted, passages: list[ExtractedPassage], when: When | None = None
) -> list[list[Figure]]:
    """Each passage's figures, dated and with their roles (classify.figure_time). A table row's
    figures are read from the table itself, so a bare number takes its unit and indicator from
    the column and row headers, and its date from its column header. `when` is the submission's
    year and period, the date of a figure whose text names none (the document's own metadata by
    default)."""
    when = when or When(doc.metadata.year, doc.metadata.period)
    # Per table, its figures by row (in table order), so each row's passage takes its own
    # without a scan of the whole table's.
    tables: dict[int, dict[int | None, list[Figure]]] = {}
    out = []
    for p in passages:
        heading = " ".join(p.heading_path)
        if p.row is None:
            out.append(date_figures(p.text, find_figures(p.text), when, heading))
            continue
        if p.block not in tables:
            block = doc.blocks[p.block]
            rows = block.rows or []
            found = figures_in_table(rows, unit=block.unit)
            by_row: dict[int | None, list[Figure]] = {}
            for f in date_table_figures(rows, found, when, heading):
                by_row.setdefault(f.row, []).append(f)
            tables[p.block] = by_row
        out.append(list(tables[p.block].get(p.row, ())))
    # A long row split into several passages: its figures go with the first piece only.
    seen: set[tuple[int, int | None]] = set()
    for p, figures in zip(passages, out, strict=True):
        if p.row is not None:
            if (p.block, p.row) in seen:
                figures.clear()
            seen.add((p.block, p.row))
    return out


def analyse(doc: Extracted, models: Models, when: When | None = None) -> Analysis:
    """`when`: the submission's year and period as ingest settled them (options win over the
    document's metadata); figures that name no date of their own speak of its end."""
    passages = to_passages(doc)
    predictions = models.areas.predict(
        [p.text for p in passages], [title_of(p) for p in passages], models.review_threshold
    )
    figures = passage_figures(doc, passages, when)
    tokens = [index_tokens(p.text) for p in passages]  # one cut each: phrase and search tokens
    return Analysis(
        [
            AnalysedPassage(
                p,
                " ".join(phrase),
                " ".join(search),
                prediction,
                [(f, check_figure(f)) for f in found],
            )
            for p, prediction, found, (phrase, search) in zip(
                passages, predictions, figures, tokens, strict=True
            )
        ],
        analyse_cases(doc, models),
    )
