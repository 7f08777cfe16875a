"""Evaluators decide when the machine cannot: choose another figure as an indicator's headline,
or mark a figure's role (baseline, current, plan…).

Each decision goes through corpus.review's one edit path (the figure row is locked, its version
checked and bumped, a ReviewEvent records who, when, before and after), and is stored as a
FigureChoice keyed by what a re-ingested file or a new version still has: the submission, the
indicator, the passage text's hash, the figure's raw text and offset (corpus.figures.find_chosen).
The scorecard, compare and the exports read the choices through corpus.figures, so a decision
drives the verdict and outlives the figure rows ingest writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session, select

from extract.vocabulary import ROLE_LABELS, FigureRole
from models.tables import Document, FigureChoice, Passage
from models.tables import Figure as FigureRow

from .figures import FigureFilters, find_chosen, list_figures, passage_key
from .review import Actor, Change, InvalidValue, _edit, actor_name


def _submission(session: Session, row: FigureRow) -> tuple[Passage, Document]:
    passage = session.get(Passage, row.passage_id)
    doc = session.get(Document, passage.document_id)
    if not (doc.city and doc.year and doc.period):
        raise InvalidValue(f"文件 {doc.name} 的城市、年份或时段未确认，请先确认后再选定数据")
    return passage, doc


def _choice(
    row: FigureRow, passage: Passage, doc: Document, kind: str, user: str, role: str | None
) -> FigureChoice:
    return FigureChoice(
        city=doc.city,
        year=doc.year,
        period=doc.period,
        indicator=row.indicator,
        passage_key=passage_key(passage.text),
        start=row.start,
        raw=row.raw,
        value=row.value,
        unit=row.unit,
        choice=kind,
        role=role,
        user=user,
    )


def _deactivate(session: Session, doc: Document, kind: str, **where) -> list[FigureChoice]:
    query = (
        select(FigureChoice)
        .where(FigureChoice.city == doc.city, FigureChoice.year == doc.year)
        .where(FigureChoice.period == doc.period, FigureChoice.choice == kind)
        .where(FigureChoice.active)
    )
    for name, value in where.items():
        query = query.where(getattr(FigureChoice, name) == value)
    rows = list(session.exec(query).all())
    for row in rows:
        row.active = False
        session.add(row)
    return rows


def set_figure_role(
    engine: Engine,
    figure_id: int,
    role: str | None,
    *,
    user: Actor,
    expected_version: int,
    comment: str | None = None,
) -> Change:
    """Mark a figure's role (an extract.vocabulary.FigureRole), or None to go back to the
    extractor's. A figure marked current can become the headline; one marked baseline, plan or
    change never is."""
    if role is not None and role not in FigureRole.__members__:
        known = "、".join(f"{r} {label}" for r, label in ROLE_LABELS.items())
        raise InvalidValue(f"未知类型：{role}（可选：{known}）")
    name = actor_name(user)

    def apply(session: Session, row: FigureRow):
        passage, doc = _submission(session, row)
        key = passage_key(passage.text)
        old = _deactivate(session, doc, "role", passage_key=key, start=row.start, raw=row.raw)
        before_role = old[-1].role if old else row.role
        if role is not None:
            session.add(_choice(row, passage, doc, "role", name, role))
        after_role = role if role is not None else row.role
        facts = {"raw": row.raw, "indicator": row.indicator, "extracted_role": row.role}
        return {**facts, "role": before_role}, {**facts, "role": after_role}

    return _edit(
        engine,
        "figure",
        figure_id,
        user=user,
        expected_version=expected_version,
        action="set_role",
        comment=comment,
        apply=apply,
    )


def choose_headline(
    engine: Engine,
    figure_id: int,
    *,
    user: Actor,
    expected_version: int,
    comment: str | None = None,
    clear: bool = False,
) -> Change:
    """Make a figure the headline of its indicator in its submission (it is then judged against
    the target, whatever the rule would have picked), or with `clear=True` drop the choice made
    for that indicator and go back to the rule."""
    name = actor_name(user)

    def apply(session: Session, row: FigureRow):
        if row.indicator is None:
            raise InvalidValue(f"数据“{row.raw}”未对应任何指标，不能作为指标的报告值")
        passage, doc = _submission(session, row)
        old = _deactivate(session, doc, "headline", indicator=row.indicator)
        before = {"indicator": row.indicator, "headline": old[-1].raw if old else None}
        if not clear:
            session.add(_choice(row, passage, doc, "headline", name, None))
        return before, {"indicator": row.indicator, "headline": None if clear else row.raw}

    return _edit(
        engine,
        "figure",
        figure_id,
        user=user,
        expected_version=expected_version,
        action="clear_headline" if clear else "set_headline",
        comment=comment,
        apply=apply,
    )


@dataclass
class CarryReport:
    """What became of a submission's choices in a document (a re-ingested file, a new version):
    the choices found again, with the id of the figure they now name, and those not found."""

    document_id: int
    found: list[tuple[int, int]] = field(default_factory=list)  # (choice id, figure id)
    lost: list[FigureChoice] = field(default_factory=list)


def carry_figure_choices(engine: Engine, document_id: int) -> CarryReport:
    """Given a newly written document (a new version, or a re-ingest), finds the evaluators'
    active choices of its submission among its figures. Choices are keyed by passage text and
    raw figure, so nothing needs copying: the scorecard finds them the same way. This reports
    which ones are found again and which are lost (their passage changed beyond recognition),
    for ingest to warn about; the lead can call it after corpus.ingest writes a new version."""
    report = CarryReport(document_id)
    with Session(engine) as session:
        doc = session.get(Document, document_id)
        if doc is None or not (doc.city and doc.year and doc.period):
            return report
        choices = session.exec(
            select(FigureChoice)
            .where(FigureChoice.city == doc.city, FigureChoice.year == doc.year)
            .where(FigureChoice.period == doc.period, FigureChoice.active)
        ).all()
    figures = list_figures(engine, FigureFilters(document_id=document_id), 100_000)
    for choice in choices:
        found = find_chosen(choice, figures)
        if found is None:
            report.lost.append(choice)
        else:
            report.found.append((choice.id, found.id))
    return report
