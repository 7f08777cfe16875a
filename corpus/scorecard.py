"""A unit's scorecard: for each indicator of the guide, the headline figure of a submission (the
rule, or the evaluator's choice), the figures passed over and why, the previous submission's
figure, and the check against the guide's target; one submission (`scorecard`) or every unit of
a period at once (`scorecards`, set-wise for compare).

Only progress reports are scored (SCORED_KINDS), only current versions count, and a figure whose
date the text did not give is marked as such rather than taken for the period's result.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from sqlalchemy import Engine
from sqlmodel import Session, select

from classify import When, load_catalogue
from classify.figure_time import period_end
from classify.indicators import check_target
from extract.vocabulary import PERIOD_LABELS, ROLE_LABELS, FigureRole
from models.tables import Document, FigureChoice, Passage
from models.tables import Figure as FigureRow

from .figures import (
    SCORED_KINDS,
    NoSubmission,
    StoredFigure,
    apply_choices,
    context_snippet,
    fallback_role,
    find_chosen,
    passage_key,
    period_key,
    submissions,
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
            mine = apply_choices(figures.get(key, []), choices.get(key, {}).get("role", []))
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
            role = r[13] or fallback_role(r[6])
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
                    context=text if r[17] is not None else context_snippet(text, r[18], r[19]),
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
