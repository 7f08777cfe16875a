"""The figures in the store: listing and searching them (by indicator, role, date, value), and a
city's scorecard against the guide's targets.

Only current versions of documents count: a superseded file's figures were restated (or
corrected) in the new version. Each figure knows the date it speaks of (`as_of`) and its role
(classify.figure_time); an evaluator's word on a role or a headline (corpus.figure_review) is
looked up by a key that survives re-ingest and new versions, and wins over the extractor's.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import asdict, dataclass, field, replace

from sqlalchemy import Engine
from sqlalchemy.orm import load_only
from sqlmodel import Session, select

from classify import When, as_of_label, load_catalogue
from classify.figure_time import period_end
from classify.indicators import check_target
from extract.vocabulary import PERIOD_LABELS, PERIOD_ORDER, ROLE_LABELS, FigureRole, Kind
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


def _context(text: str, start: int, end: int, width: int = 30) -> str:
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


def _fallback_role(kind: str | None) -> str | None:
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


def _apply_choices(figures: list[StoredFigure], choices: list[FigureChoice]) -> list:
    """One submission's figures with its role choices applied (`apply_role_choices`)."""
    return _with_roles(figures, _chosen_roles(figures, choices)) if choices else figures


def _stored(fig: FigureRow, passage: Passage, doc: Document) -> StoredFigure:
    context = passage.text if fig.row is not None else _context(passage.text, fig.start, fig.end)
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
        role=fig.role or _fallback_role(fig.kind),
        extracted_role=fig.role or _fallback_role(fig.kind),
        as_of=fig.as_of,
        as_of_precision=fig.as_of_precision,
        as_of_source=fig.as_of_source,
        row=fig.row,
        passage_key=passage_key(passage.text),
        start=fig.start,
        confirmed=doc.confirmed,
    )


@dataclass
class PassedOver:
    """A figure of the indicator that the headline rule did not take, and why (in Chinese)."""

    figure: StoredFigure
    reason: str


@dataclass
class ScoreLine:
    indicator: str
    name: str
    unit: str
    target: str | None  # the guide's words, e.g. "20M以上高速宽带用户比例超过50%"
    figure: StoredFigure | None  # the headline figure, None when the report states none
    previous: StoredFigure | None  # the same indicator in the city's previous submission
    check: str | None  # met | not_met | not_comparable; None when nothing is reported or asked
    others: int = 0  # further figures of this indicator in the submission (= len(passed_over))
    passed_over: list[PassedOver] = field(default_factory=list)
    chosen_by: str | None = None  # the evaluator who chose the headline, when one did
    note: str | None = None  # what an evaluator should know (a choice not found again…)

    @property
    def shown(self) -> str:
        """The value with its date: 100%（2016年11月底）."""
        if self.figure is None:
            return "未报告"
        pending = "" if self.figure.confirmed else "（来源文件待确认）"
        return f"{self.figure.raw}（{self.figure.as_of_label}）{pending}"


@dataclass
class Scorecard:
    city: str
    year: int | None
    period: str | None
    lines: list[ScoreLine] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = asdict(self)
        for line, raw in zip(self.lines, data["lines"], strict=True):
            raw["shown"] = line.shown
        return data


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


_NOT_A_RESULT = {
    FigureRole.baseline: "基期值，不是本期结果",
    FigureRole.change: "变化量（新增、增长等），不与水平目标比较",
    FigureRole.plan: "计划值，不是实际结果",
    FigureRole.target: "目标值，不是实际结果",
}


@dataclass
class Headline:
    figure: StoredFigure | None
    passed_over: list[PassedOver]
    chosen_by: str | None = None


def headline(
    figures: list[StoredFigure], when: When, chosen: StoredFigure | None = None
) -> Headline:
    """The headline rule. For one indicator of one submission: the latest current-level figure
    dated inside the submission's period (1月1日 to its end: 6月30日 for H1, 12月31日 for FY);
    among figures of the same date a table's over the prose's, then the first in the document.
    Baselines, plans, targets and changes are never the headline. `chosen` (an evaluator's pick)
    wins over the rule. Every other figure is listed with the reason it was passed over."""
    start = f"{when.year:04d}-01-01" if when.year else None
    end_as_of = period_end(when)
    end = end_as_of.date if end_as_of else None
    period_words = f"{when.year}年{PERIOD_LABELS.get(when.period or '', '')}"
    passed: list[PassedOver] = []
    eligible: list[tuple[int, StoredFigure]] = []
    for order, f in enumerate(figures):
        if chosen is not None and f.id == chosen.id:
            continue
        if f.role != FigureRole.current:
            why = _NOT_A_RESULT.get(f.role or "", "不是本期水平值")
            passed.append(
                PassedOver(f, f"{ROLE_LABELS.get(f.role or '', '')}（{f.as_of_label}）：{why}")
            )
        elif f.as_of and ((start and f.as_of < start) or (end and f.as_of > end)):
            passed.append(PassedOver(f, f"日期（{f.as_of_label}）不在本期（{period_words}）内"))
        else:
            eligible.append((order, f))
    if chosen is not None:
        passed = [PassedOver(f, "评估人员选定了另一条数据") for _, f in eligible] + passed
        return Headline(chosen, passed, chosen.role_by)
    if not eligible:
        return Headline(None, passed)
    # latest date first (undated last), then table before prose, then document order
    eligible.sort(key=lambda item: (item[1].as_of or "", item[1].in_table, -item[0]), reverse=True)
    best = eligible[0][1]
    for _, f in eligible[1:]:
        if (f.as_of or "") < (best.as_of or ""):
            why = f"日期（{f.as_of_label}）早于所选数据（{best.as_of_label}）"
        elif best.in_table and not f.in_table:
            why = "同一日期以表格数据为准"
        else:
            why = "同一日期已取文中先出现的数据"
        passed.append(PassedOver(f, why))
    return Headline(best, passed)


def _target_text(target, unit: str) -> str | None:
    if target is None:
        return None
    if target.note:
        return target.note
    if target.rising:
        return "持续提高"
    return f"{target.cmp} {target.value:g}{unit}" if target.cmp else None


def _line_headline(
    mine: list[StoredFigure], when: When, choice: FigureChoice | None
) -> tuple[Headline, str | None]:
    if choice is None:
        return headline(mine, when), None
    found = find_chosen(choice, mine)
    if found is None:
        note = (
            f"评估人员 {choice.user} 选定的数据“{choice.raw}”在当前版本中未找到，已按规则重新选取"
        )
        return headline(mine, when), note
    return headline(mine, when, replace(found, role_by=choice.user)), None


def scorecard(
    engine: Engine, city: str, year: int | None = None, period: str | None = None
) -> Scorecard:
    """The city's indicators in one submission (the latest by default) against the guide's
    targets, each with its headline figure (see `headline`) and the figures passed over; rising
    targets are judged against the headline of the city's previous submission. Only progress
    reports count (SCORED_KINDS)."""
    found = submissions(engine, city)
    chosen = [s for s in found if (year is None or s[0] == year)]
    chosen = [s for s in chosen if period is None or s[1] == period]
    if not chosen:
        wanted = f"{city} {year or ''}{period or ''}".strip()
        raise NoSubmission(f"库中没有 {wanted} 的报告")
    year, period = chosen[-1]
    return scorecards(engine, year, period, cities=[city])[city]


def scorecards(
    engine: Engine, year: int, period: str, cities: list[str] | None = None
) -> dict[str, Scorecard]:
    """The scorecard (as `scorecard` makes it) of every city with a progress report in that
    period, or of `cities` only, built set-wise: one query for the submissions, one for all
    their figures (only the columns a figure needs) and one for the evaluators' choices, instead
    of several queries and whole rows per city. A city without a report there has no card."""
    with Session(engine) as session:
        found = _scored_submissions(session, cities)
        pairs: dict[str, tuple[tuple[int, str], tuple[int, str] | None]] = {}
        for city, subs in found.items():
            if (year, period) in subs:
                index = subs.index((year, period))
                pairs[city] = ((year, period), subs[index - 1] if index > 0 else None)
        wanted = {(c, *s) for c, (now, before) in pairs.items() for s in (now, before) if s}
        choices = _submission_choices(session, wanted)
        figures = _scored_figures(
            session, wanted, {k for k, rows in choices.items() if rows.get("role")}, cities
        )
    catalogue = load_catalogue()
    cards: dict[str, Scorecard] = {}
    for city in sorted(pairs):
        now, before = pairs[city]

        def reviewed(sub, city=city):
            key = (city, *sub)
            mine = _apply_choices(figures.get(key, []), choices.get(key, {}).get("role", []))
            return [
                replace(f, value=f.effective_value) if f.review_status == "corrected" else f
                for f in mine
            ]

        def picks(sub, city=city):
            rows = choices.get((city, *sub), {}).get("headline", [])
            return {row.indicator: row for row in rows if row.indicator}

        cards[city] = _card(
            catalogue,
            city,
            now,
            before,
            reviewed(now),
            reviewed(before) if before else [],
            picks(now),
            picks(before) if before else {},
        )
    return cards


def _scored_submissions(
    session: Session, cities: list[str] | None
) -> dict[str, list[tuple[int, str]]]:
    """`submissions()` for many cities at once: city → its (year, period) pairs, oldest first."""
    query = (
        select(Document.city, Document.year, Document.period)
        .where(Document.is_current, Document.status == "ok", Document.kind.in_(SCORED_KINDS))
        .where(Document.city.is_not(None))
        .where(Document.year.is_not(None), Document.period.is_not(None))
        .distinct()
    )
    if cities is not None:
        query = query.where(Document.city.in_(cities))
    out: dict[str, list[tuple[int, str]]] = {}
    for city, y, p in session.exec(query).all():
        out.setdefault(city, []).append((y, p))
    return {city: sorted(subs, key=period_key) for city, subs in out.items()}


def _submission_choices(session: Session, wanted: set[tuple]) -> dict[tuple, dict[str, list]]:
    """The active choices of these submissions, by submission and kind, oldest first."""
    if not wanted:
        return {}
    query = (
        select(FigureChoice)
        .where(FigureChoice.active)
        .where(FigureChoice.year.in_({w[1] for w in wanted}))
        .where(FigureChoice.period.in_({w[2] for w in wanted}))
        .order_by(FigureChoice.id)
    )
    out: dict[tuple, dict[str, list]] = {}
    for row in session.exec(query).all():
        key = (row.city, row.year, row.period)
        if key in wanted:
            out.setdefault(key, {}).setdefault(row.choice, []).append(row)
    return out


_SCORED_COLUMNS = (
    FigureRow.id,
    FigureRow.raw,
    FigureRow.value,
    FigureRow.unit,
    FigureRow.approx,
    FigureRow.cmp,
    FigureRow.kind,
    FigureRow.period,
    FigureRow.indicator,
    FigureRow.target_check,
    FigureRow.review_status,
    FigureRow.corrected_value,
    FigureRow.version,
    FigureRow.role,
    FigureRow.as_of,
    FigureRow.as_of_precision,
    FigureRow.as_of_source,
    FigureRow.row,
    FigureRow.start,
    FigureRow.end,
    Passage.id,
    Passage.text,
    Passage.page,
    Passage.document_id,
)
_CHUNK = 500  # document ids per query


def _scored_figures(
    session: Session, wanted: set[tuple], all_figures: set[tuple], cities: list[str] | None
) -> dict[tuple, list[StoredFigure]]:
    """The unrejected figures of these submissions' progress reports, by submission, in
    `list_figures`' order. Only figures on an indicator can be a scorecard's, except in a
    submission with role choices, where any figure may be the one a choice was made on. The
    documents are found first (a few rows), then their figures through the passages' index."""
    if not wanted:
        return {}
    docs = select(
        Document.id,
        Document.name,
        Document.city,
        Document.year,
        Document.period,
        Document.confirmed,
    ).where(Document.status == "ok", Document.is_current, Document.kind.in_(SCORED_KINDS))
    docs = docs.where(Document.year.in_({w[1] for w in wanted}))
    docs = docs.where(Document.period.in_({w[2] for w in wanted}))
    if cities is not None:
        docs = docs.where(Document.city.in_(cities))
    doc_of = {d[0]: d for d in session.exec(docs).all() if (d[2], d[3], d[4]) in wanted}
    ids = sorted(doc_of)
    keys: dict[int, str] = {}  # passage id → passage_key: one hash per passage
    out: dict[tuple, list[StoredFigure]] = {}
    for i in range(0, len(ids), _CHUNK):
        query = (
            select(*_SCORED_COLUMNS)
            .join(Passage, Passage.id == FigureRow.passage_id)
            .where(Passage.document_id.in_(ids[i : i + _CHUNK]))
            .where((FigureRow.review_status.is_(None)) | (FigureRow.review_status != "rejected"))
            .order_by(
                Passage.document_id, Passage.order, FigureRow.start, FigureRow.col, FigureRow.id
            )
        )
        if not all_figures:
            query = query.where(FigureRow.indicator.is_not(None))
        for r in session.connection().execute(query).all():  # Core rows: no ORM per row
            _, name, city, year, period, confirmed = doc_of[r[23]]
            sub = (city, year, period)
            if r[8] is None and sub not in all_figures:
                continue
            text = r[21]
            key = keys.get(r[20])
            if key is None:
                key = keys[r[20]] = passage_key(text)
            role = r[13] or _fallback_role(r[6])
            out.setdefault(sub, []).append(
                StoredFigure(
                    id=r[0],
                    raw=r[1],
                    value=r[2],
                    unit=r[3],
                    approx=r[4],
                    cmp=r[5],
                    kind=r[6],
                    period=r[7],
                    indicator=r[8],
                    target_check=r[9],
                    city=city,
                    year=year,
                    submission_period=period,
                    document_id=r[23],
                    document=name,
                    page=r[22],
                    passage_id=r[20],
                    context=text if r[17] is not None else _context(text, r[18], r[19]),
                    review_status=r[10],
                    corrected_value=r[11],
                    version=r[12],
                    role=role,
                    extracted_role=role,
                    as_of=r[14],
                    as_of_precision=r[15],
                    as_of_source=r[16],
                    row=r[17],
                    passage_key=key,
                    start=r[18],
                    confirmed=confirmed,
                )
            )
    return out


def _card(
    catalogue,
    city: str,
    now: tuple[int, str],
    before: tuple[int, str] | None,
    current: list[StoredFigure],
    previous: list[StoredFigure],
    picks: dict[str, FigureChoice],
    earlier_picks: dict[str, FigureChoice],
) -> Scorecard:
    year, period = now
    card = Scorecard(city, year, period)
    by_indicator: dict[str, list[StoredFigure]] = {}
    for f in current:
        by_indicator.setdefault(f.indicator, []).append(f)
    earlier_by: dict[str, list[StoredFigure]] = {}
    for f in previous:
        earlier_by.setdefault(f.indicator, []).append(f)
    for indicator in catalogue.indicators.values():
        mine = by_indicator.get(indicator.id, [])
        found, note = _line_headline(mine, When(year, period), picks.get(indicator.id))
        earlier = None
        if before:
            theirs = earlier_by.get(indicator.id, [])
            earlier = _line_headline(theirs, When(*before), earlier_picks.get(indicator.id))[
                0
            ].figure
        target = indicator.target
        figure = found.figure
        if figure is None and target is None and not mine:
            continue  # nothing reported and nothing asked: not worth a line
        check = None
        if figure is not None and figure.value is not None and target is not None:
            check = check_target(
                indicator.id,
                figure.value,
                figure.unit or "",
                earlier.value if earlier and earlier.unit == figure.unit else None,
                cmp=figure.cmp,
                approx=figure.approx,
            )
        card.lines.append(
            ScoreLine(
                indicator=indicator.id,
                name=indicator.name,
                unit=indicator.unit,
                target=_target_text(target, indicator.unit),
                figure=figure,
                previous=earlier,
                check=check,
                others=len(found.passed_over),
                passed_over=found.passed_over,
                chosen_by=found.chosen_by,
                note=note,
            )
        )
    return card
