"""The figures in the store: listing and searching them (by indicator, role, date, value), the
evaluators' choices of role and headline applied to them, and the submissions a unit has (the
scorecard against the guide's targets is corpus/scorecard.py).

Only current versions of documents count: a superseded file's figures were restated (or
corrected) in the new version. Each figure knows the date it speaks of (`as_of`) and its role
(classify.figure_time); an evaluator's word on a role or a headline (corpus.figure_review) is
looked up by a key that survives re-ingest and new versions, and wins over the extractor's.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import asdict, dataclass, replace

from sqlalchemy import Engine
from sqlalchemy.orm import load_only
from sqlmodel import Session, select

from classify import as_of_label
from extract.vocabulary import PERIOD_ORDER, FigureRole, Kind
from models.tables import Document, FigureChoice, Passage
from models.tables import Figure as FigureRow

from .errors import NotFound

# Only progress reports are judged against the guide's targets: a budget's or a statistical
# bulletin's figures are context, never a city's result in a scorecard.
SCORED_KINDS: tuple[str, ...] = (Kind.progress,)


@dataclass
class FigureFilters:
    city: str | None = None
    year: int | None = None
    period: str | None = None
    indicator: str | None = None
    kind: str | None = None
    document_id: int | None = None
    current_only: bool = True  # False: superseded versions too (reading an old document)
    include_rejected: bool = True  # False: leave out figures an evaluator rejected
    kinds: tuple[str, ...] | None = None  # only documents of these kinds (vocabulary.Kind)
    role: str | None = None  # a FigureRole, the evaluator's when they gave one
    as_of: str | None = None  # a date prefix: 2016, 2016-11, 2016-11-30
    min_value: float | None = None  # the value that counts (a correction when there is one)
    max_value: float | None = None


@dataclass
class StoredFigure:
    id: int
    raw: str
    value: float | None
    unit: str | None
    approx: bool
    cmp: str | None
    kind: str | None
    period: str | None  # what the text says the figure refers to
    indicator: str | None
    target_check: str | None
    city: str | None
    year: int | None
    submission_period: str | None
    document_id: int
    document: str
    page: int | None
    passage_id: int
    context: str  # the passage text around the figure
    review_status: str | None = None  # accepted | rejected | corrected, by an evaluator
    corrected_value: float | None = None
    version: int = 1  # send back with a review (corpus.review.review_figure)
    role: str | None = None  # the role that counts: the evaluator's, else the extractor's
    extracted_role: str | None = None
    role_by: str | None = None  # the evaluator who set the role, when one did
    as_of: str | None = None
    as_of_precision: str | None = None
    as_of_source: str | None = None
    row: int | None = None  # table figures: the cell's row
    passage_key: str = ""  # what an evaluator's choice is keyed by (see passage_key)
    start: int = 0
    # False while the document's issuer, year, period or kind await an evaluator (待确认): its
    # figures count for the submission it was filed under, but are shown as unconfirmed.
    confirmed: bool = True

    @property
    def as_of_label(self) -> str:
        """2016年11月底, 2015年底, 2016年上半年…: the date as evaluators read it."""
        return as_of_label(self.as_of, self.as_of_precision)

    @property
    def in_table(self) -> bool:
        return self.row is not None

    @property
    def effective_value(self) -> float | None:
        """The value that counts: the evaluator's correction when there is one."""
        if self.review_status == "corrected" and self.corrected_value is not None:
            return self.corrected_value
        return self.value

    def to_dict(self) -> dict:
        return asdict(self)


def stored_figure_columns() -> tuple:
    """Load options for a figure's passage and document: only the columns a StoredFigure needs.
    Whole Document rows carry the document's structure (JSON, decoded per row), which made
    compare, the city view and the queue slow (issue 19)."""
    return (
        load_only(Passage.id, Passage.text, Passage.order, Passage.page),
        load_only(
            Document.id,
            Document.name,
            Document.city,
            Document.year,
            Document.period,
            Document.confirmed,
        ),
    )


def context_snippet(text: str, start: int, end: int, width: int = 30) -> str:
    if end <= start or end > len(text):
        return text[: 2 * width]
    left = max(0, start - width)
    return (
        ("…" if left else "") + text[left : end + width] + ("…" if end + width < len(text) else "")
    )


def list_figures(
    engine: Engine, filters: FigureFilters | None = None, limit: int = 200
) -> list[StoredFigure]:
    """Figures of current documents, in city, year, period and document order, with the
    evaluators' roles applied. Role and value filters read what counts (the evaluator's role,
    the corrected value), so they are applied after the evaluators' word is."""
    f = filters or FigureFilters()
    query = (
        select(FigureRow, Passage, Document)
        .join(Passage, Passage.id == FigureRow.passage_id)
        .join(Document, Document.id == Passage.document_id)
        .where(Document.status == "ok")
    )
    if f.current_only:
        query = query.where(Document.is_current)
    if f.document_id is not None:
        query = query.where(Document.id == f.document_id)
    if f.kinds is not None:
        query = query.where(Document.kind.in_(f.kinds))
    if not f.include_rejected:
        query = query.where(
            (FigureRow.review_status.is_(None)) | (FigureRow.review_status != "rejected")
        )
    if f.city:
        query = query.where(Document.city == f.city)
    if f.year:
        query = query.where(Document.year == f.year)
    if f.period:
        query = query.where(Document.period == f.period)
    if f.indicator:
        query = query.where(FigureRow.indicator == f.indicator)
    if f.kind:
        query = query.where(FigureRow.kind == f.kind)
    if f.as_of:
        query = query.where(FigureRow.as_of.startswith(f.as_of.strip()))
    post_filter = f.role is not None or f.min_value is not None or f.max_value is not None
    query = query.options(*stored_figure_columns())
    query = query.order_by(
        Document.city,
        Document.year,
        Document.period,
        Document.id,
        Passage.order,
        FigureRow.start,
        FigureRow.col,  # table figures of one row all start at 0 in their cells
        FigureRow.id,  # a total order: PostgreSQL returns ties in any order, and a
        # headline must not change because an evaluator reviewed a figure
    )
    if not post_filter:
        query = query.limit(limit)
    with Session(engine) as session:
        rows = session.exec(query).all()
        figures = [_stored(fig, passage, doc) for fig, passage, doc in rows]
        figures = apply_role_choices(session, figures)
    if post_filter:
        figures = [x for x in figures if _passes(x, f)][:limit]
    return figures


def _passes(figure: StoredFigure, f: FigureFilters) -> bool:
    if f.role is not None and figure.role != f.role:
        return False
    value = figure.effective_value
    if f.min_value is not None and (value is None or value < f.min_value):
        return False
    return not (f.max_value is not None and (value is None or value > f.max_value))


def passage_key(text: str) -> str:
    """The key of a passage's text for an evaluator's choice: the same text in a re-ingested file
    or a new version gives the same key."""
    normal = unicodedata.normalize("NFC", text or "").strip()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:32]


def fallback_role(kind: str | None) -> str | None:
    """Figures stored before roles existed: a level counts as current, as it did then."""
    return {
        "level": FigureRole.current,
        "change": FigureRole.change,
        "target": FigureRole.plan,
    }.get(kind or "")


def choice_matches(choice: FigureChoice, figure: StoredFigure) -> bool:
    """Whether a stored choice names this figure: the same passage text, offset and raw text;
    or, when the passage was edited in a new version, the same indicator, raw text, value and
    unit (the caller makes sure that match is unique)."""
    if choice.passage_key == figure.passage_key and choice.raw == figure.raw:
        return choice.start == figure.start
    return False


def find_chosen(choice: FigureChoice, figures: list[StoredFigure]) -> StoredFigure | None:
    """The figure a choice was made on, found again among a submission's figures: by passage,
    offset and raw text, else by a unique (indicator, raw, value, unit); None when it is gone."""
    exact = [f for f in figures if choice_matches(choice, f)]
    if exact:
        return exact[0]
    loose = [
        f
        for f in figures
        if f.indicator == choice.indicator
        and f.raw == choice.raw
        and f.value == choice.value
        and f.unit == choice.unit
    ]
    return loose[0] if len(loose) == 1 else None


def _choices(session: Session, submissions: set[tuple], kind: str) -> dict[tuple, list]:
    out: dict[tuple, list[FigureChoice]] = {}
    for city, year, period in submissions:
        if not (city and year and period):
            continue
        rows = session.exec(
            select(FigureChoice)
            .where(FigureChoice.city == city, FigureChoice.year == year)
            .where(FigureChoice.period == period, FigureChoice.choice == kind)
            .where(FigureChoice.active)
            .order_by(FigureChoice.id)
        ).all()
        out[(city, year, period)] = list(rows)
    return out


def apply_role_choices(session: Session, figures: list[StoredFigure]) -> list[StoredFigure]:
    """The figures with the roles evaluators gave them (the latest choice per figure wins)."""
    submissions = {(f.city, f.year, f.submission_period) for f in figures}
    by_submission = _choices(session, submissions, "role")
    if not any(by_submission.values()):
        return figures
    grouped: dict[tuple, list[StoredFigure]] = {}
    for figure in figures:
        grouped.setdefault((figure.city, figure.year, figure.submission_period), []).append(figure)
    chosen: dict[int, FigureChoice] = {}
    for key, choices in by_submission.items():
        chosen.update(_chosen_roles(grouped.get(key, []), choices))
    return _with_roles(figures, chosen)


def _chosen_roles(figures: list[StoredFigure], choices: list[FigureChoice]) -> dict:
    """Figure id → the role choice that names it, among one submission's figures."""
    chosen: dict[int, FigureChoice] = {}
    for choice in choices:  # oldest first: a later choice on the same figure wins
        found = find_chosen(choice, figures)
        if found is not None:
            chosen[found.id] = choice
    return chosen


def _with_roles(figures: list[StoredFigure], chosen: dict) -> list[StoredFigure]:
    return [
        replace(f, role=chosen[f.id].role, role_by=chosen[f.id].user) if f.id in chosen else f
        for f in figures
    ]


def apply_choices(figures: list[StoredFigure], choices: list[FigureChoice]) -> list:
    """One submission's figures with its role choices applied (`apply_role_choices`)."""
    return _with_roles(figures, _chosen_roles(figures, choices)) if choices else figures


def _stored(fig: FigureRow, passage: Passage, doc: Document) -> StoredFigure:
    context = (
        passage.text if fig.row is not None else context_snippet(passage.text, fig.start, fig.end)
    )
    return StoredFigure(
        id=fig.id,
        raw=fig.raw,
        value=fig.value,
        unit=fig.unit,
        approx=fig.approx,
        cmp=fig.cmp,
        kind=fig.kind,
        period=fig.period,
        indicator=fig.indicator,
        target_check=fig.target_check,
        city=doc.city,
        year=doc.year,
        submission_period=doc.period,
        document_id=doc.id,
        document=doc.name,
        page=passage.page,
        passage_id=passage.id,
        context=context,
        review_status=fig.review_status,
        corrected_value=fig.corrected_value,
        version=fig.version,
        role=fig.role or fallback_role(fig.kind),
        extracted_role=fig.role or fallback_role(fig.kind),
        as_of=fig.as_of,
        as_of_precision=fig.as_of_precision,
        as_of_source=fig.as_of_source,
        row=fig.row,
        passage_key=passage_key(passage.text),
        start=fig.start,
        confirmed=doc.confirmed,
    )


class NoSubmission(NotFound):
    """The store has no submission for that city (and year and period)."""


def period_key(submission: tuple[int, str]) -> tuple[int, int]:
    """(2016, 'H1') sorts before (2016, 'FY'): the order of the reporting calendar."""
    return submission[0], PERIOD_ORDER.get(submission[1], 0)


def submissions(
    engine: Engine, city: str, kinds: tuple[str, ...] | None = SCORED_KINDS
) -> list[tuple[int, str]]:
    """The (year, period) pairs a unit has current documents of these kinds for (every kind
    when None), oldest first. The scorecard reads progress reports only; the diff and the
    draft report every submission."""
    query = (
        select(Document.year, Document.period)
        .where(Document.city == city, Document.is_current, Document.status == "ok")
        .where(Document.year.is_not(None), Document.period.is_not(None))
    )
    if kinds is not None:
        query = query.where(Document.kind.in_(kinds))
    with Session(engine) as session:
        rows = session.exec(query.distinct()).all()
    return sorted(rows, key=period_key)
