"""What changed between two submissions of one unit (2016H1 → 2016FY, or one year to the next).

Evaluators read a city's full-year report against its first-half one: which sections are new,
which passages were dropped or rewritten, which indicators moved, which applications are new and
which were sent again. Nothing here is stored; the diff is computed from the current documents
of the two submissions whenever it is asked for.

Matching, in order:
- sections by their heading path, with the numbering (一、（二）3.) and punctuation folded away,
  since cities renumber their outline between reports;
- passages by identical text first (unchanged), then by 5-character shingle containment
  (`classify.applications.overlap`, numbers folded) within the best candidates of an inverted
  index: containment ≥ CHANGED_OVERLAP is the same passage rewritten, below it the passage is
  added or removed. Only candidates sharing shingles are compared, so two 500-passage reports
  cost milliseconds, not a quadratic scan;
- figures by indicator, through each submission's scorecard headline (the evaluator's chosen
  figure where there is one);
- applications by normalised title, else by text containment ≥ CHANGED_OVERLAP.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session, select

from classify.applications import overlap, shingles
from models.tables import Document, Passage

from .applications import AppFilters, StoredApp, list_apps
from .documents import submission_documents
from .errors import Invalid
from .figures import NoSubmission, period_key, submissions
from .scorecard import scorecard

CHANGED_OVERLAP = 0.5  # shingle containment above which two passages are one passage rewritten
_NUMBERING = re.compile(
    r"^\s*(?:[（(]?[一二三四五六七八九十百]+[)）、.．]|[（(]?\d+[)）、.．]|第[一二三四五六七八九十]+[章节部分条])\s*"
)
_PUNCT = re.compile(r"[\s，。、；：:;,.!！?？“”\"'（）()《》【】\[\]—\-…·]+")
_SPACE = re.compile(r"\s+")
PERIOD_CODE = re.compile(r"^(\d{4})\s*(H1|FY)$", re.IGNORECASE)


class DiffError(Invalid):
    """The two submissions cannot be compared (one is missing, or the spec is malformed)."""


def parse_submission(spec: str) -> tuple[int, str]:
    """'2016H1' → (2016, 'H1'); the form the CLI and the web page take."""
    match = PERIOD_CODE.match((spec or "").strip())
    if not match:
        raise DiffError(f"无法识别的报送期“{spec}”：应写作 2016H1 或 2016FY")
    return int(match.group(1)), match.group(2).upper()


def heading_key(path: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """A heading path with numbering and punctuation folded: ('一、加快宽带建设',) and
    ('（一）加快宽带建设',) name the same section."""
    return tuple(_PUNCT.sub("", _NUMBERING.sub("", h)) for h in path if h and h.strip())


def _same_text(text: str) -> str:
    return _SPACE.sub("", text)


@dataclass
class DiffPassage:
    id: int
    document: str
    page: int | None
    text: str


@dataclass
class ChangedPassage:
    before: DiffPassage
    after: DiffPassage
    similarity: float  # shingle containment, 0–1


@dataclass
class SectionDiff:
    """One section (heading path) and what happened to its passages."""

    heading: tuple[str, ...]  # as written in the newer submission (or the older, if removed)
    status: str  # added | removed | changed | unchanged
    added: list[DiffPassage] = field(default_factory=list)
    removed: list[DiffPassage] = field(default_factory=list)
    changed: list[ChangedPassage] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class FigureChange:
    indicator: str
    name: str
    unit: str
    before: str | None  # the headline's raw text, None when not reported
    after: str | None
    before_value: float | None
    after_value: float | None
    before_where: str | None  # "file 第N页"
    after_where: str | None
    status: str  # changed | new | dropped | same


@dataclass
class AppChange:
    title: str
    status: str  # new | repeated | dropped
    document: str
    page: int | None
    earlier_title: str | None = None  # for a repeated case: the title it had before
    similarity: float | None = None


@dataclass
class SubmissionDiff:
    city: str
    before: tuple[int, str]
    after: tuple[int, str]
    sections: list[SectionDiff]
    figures: list[FigureChange]
    applications: list[AppChange]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "sections_added": sum(s.status == "added" for s in self.sections),
            "sections_removed": sum(s.status == "removed" for s in self.sections),
            "sections_changed": sum(s.status == "changed" for s in self.sections),
            "passages_added": sum(len(s.added) for s in self.sections),
            "passages_removed": sum(len(s.removed) for s in self.sections),
            "passages_changed": sum(len(s.changed) for s in self.sections),
            "figures_changed": sum(f.status != "same" for f in self.figures),
            "applications_new": sum(a.status == "new" for a in self.applications),
            "applications_repeated": sum(a.status == "repeated" for a in self.applications),
        }

    def to_dict(self) -> dict:
        data = asdict(self)
        data["counts"] = self.counts
        return data


def _passages(engine: Engine, city: str, year: int, period: str) -> list[tuple[tuple, DiffPassage]]:
    ids = submission_documents(engine, city, year, period)
    if not ids:
        raise NoSubmission(f"库中没有 {city} {year}{period} 的报告")
    with Session(engine) as session:
        rows = session.exec(
            select(Passage.id, Passage.heading_path, Passage.page, Passage.text, Document.name)
            .join(Document, Document.id == Passage.document_id)
            .where(Passage.document_id.in_(ids))
            .order_by(Passage.document_id, Passage.order)
        ).all()
    return [
        (tuple(path or ()), DiffPassage(pid, name, page, text))
        for pid, path, page, text, name in rows
    ]


def _match(
    old: list[DiffPassage], new: list[DiffPassage]
) -> tuple[list[tuple[DiffPassage, DiffPassage, float]], list[DiffPassage], list[DiffPassage], int]:
    """Pairs (old, new, similarity) of rewritten passages, the removed, the added, and how many
    are unchanged."""
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(old):
        by_text[_same_text(p.text)].append(i)
    used_old: set[int] = set()
    unchanged = 0
    rest: list[DiffPassage] = []
    for p in new:
        same = [i for i in by_text.get(_same_text(p.text), []) if i not in used_old]
        if same:
            used_old.add(same[0])
            unchanged += 1
        else:
            rest.append(p)
    old_sets = {i: shingles(p.text) for i, p in enumerate(old) if i not in used_old}
    index: dict[int, list[int]] = defaultdict(list)
    for i, s in old_sets.items():
        for h in s:
            index[h].append(i)
    pairs, added = [], []
    for p in rest:
        mine = shingles(p.text)
        votes: dict[int, int] = defaultdict(int)
        for h in mine:
            for i in index.get(h, ()):
                if i not in used_old:
                    votes[i] += 1
        best, score = None, 0.0
        for i, _ in sorted(votes.items(), key=lambda kv: -kv[1])[:5]:
            s = overlap(mine, old_sets[i])
            if s > score:
                best, score = i, s
        if best is not None and score >= CHANGED_OVERLAP:
            used_old.add(best)
            pairs.append((old[best], p, round(score, 3)))
        else:
            added.append(p)
    removed = [p for i, p in enumerate(old) if i not in used_old]
    return pairs, removed, added, unchanged


def _sections(
    old: list[tuple[tuple, DiffPassage]], new: list[tuple[tuple, DiffPassage]]
) -> list[SectionDiff]:
    """Passages are matched across the whole submission (a paragraph that moved to another
    section is the same paragraph), then reported under the section of its newer copy."""
    pairs, removed, added, _ = _match([p for _, p in old], [p for _, p in new])
    heading_of = {id(p): h for h, p in old} | {id(p): h for h, p in new}
    sections: dict[tuple, SectionDiff] = {}
    order: list[tuple] = []

    def section(path: tuple) -> SectionDiff:
        key = heading_key(path)
        if key not in sections:
            sections[key] = SectionDiff(heading=path, status="unchanged")
            order.append(key)
        return sections[key]

    new_keys = {heading_key(h) for h, _ in new}
    old_keys = {heading_key(h) for h, _ in old}
    for h, _ in new:
        section(h)
    for h, _ in old:
        section(h)
    for before, after, score in pairs:
        section(heading_of[id(after)]).changed.append(ChangedPassage(before, after, score))
    for p in added:
        section(heading_of[id(p)]).added.append(p)
    for p in removed:
        section(heading_of[id(p)]).removed.append(p)
    changed_ids = {id(a) for _, a, _ in pairs} | {id(p) for p in added}
    for h, p in new:
        if id(p) not in changed_ids:
            section(h).unchanged += 1
    for key in order:
        s = sections[key]
        if key not in old_keys:
            s.status = "added"
        elif key not in new_keys:
            s.status = "removed"
        elif s.added or s.removed or s.changed:
            s.status = "changed"
    return [sections[k] for k in order]


def _where(figure) -> str | None:
    return f"{figure.document} 第{figure.page or '?'}页" if figure else None


def _headlines(engine: Engine, city: str, submission: tuple[int, str]) -> dict:
    """The scorecard lines of one submission by indicator; none when it holds no progress
    report (the scorecard reads only those)."""
    try:
        return {line.indicator: line for line in scorecard(engine, city, *submission).lines}
    except NoSubmission:
        return {}


def _figures(engine: Engine, city: str, before: tuple[int, str], after: tuple[int, str]):
    old = _headlines(engine, city, before)
    new = _headlines(engine, city, after)
    changes = []
    for indicator in [*new, *(i for i in old if i not in new)]:
        a, b = old.get(indicator), new.get(indicator)
        fa = a.figure if a else None
        fb = b.figure if b else None
        if fa is None and fb is None:
            continue
        va = fa.effective_value if fa else None
        vb = fb.effective_value if fb else None
        if fa is None:
            status = "new"
        elif fb is None:
            status = "dropped"
        else:
            status = "same" if (va, fa.unit) == (vb, fb.unit) else "changed"
        line = b or a
        changes.append(
            FigureChange(
                indicator=indicator,
                name=line.name,
                unit=line.unit,
                before=fa.raw if fa else None,
                after=fb.raw if fb else None,
                before_value=va,
                after_value=vb,
                before_where=_where(fa),
                after_where=_where(fb),
                status=status,
            )
        )
    order = {"changed": 0, "new": 1, "dropped": 2, "same": 3}
    return sorted(changes, key=lambda c: order[c.status])


def _apps_of(engine: Engine, city: str, year: int, period: str) -> list[StoredApp]:
    ids = submission_documents(engine, city, year, period)
    return list_apps(engine, AppFilters(document_ids=ids), limit=100_000) if ids else []


def _applications(
    engine: Engine, city: str, before: tuple[int, str], after: tuple[int, str]
) -> list[AppChange]:
    old = _apps_of(engine, city, *before)
    new = _apps_of(engine, city, *after)
    old_sets = [shingles(f"{a.title}{a.body}") for a in old]
    titles = {heading_key((a.title,)): i for i, a in enumerate(old)}
    used: set[int] = set()
    changes = []
    for app in new:
        match, score = titles.get(heading_key((app.title,))), None
        if match is None or match in used:
            mine = shingles(f"{app.title}{app.body}")
            scored = [(overlap(mine, s), i) for i, s in enumerate(old_sets) if i not in used]
            best = max(scored, default=(0.0, None))
            if best[1] is not None and best[0] >= CHANGED_OVERLAP:
                score, match = round(best[0], 3), best[1]
            else:
                match = None
        if match is None:
            changes.append(AppChange(app.title, "new", app.document, app.page))
        else:
            used.add(match)
            changes.append(
                AppChange(app.title, "repeated", app.document, app.page, old[match].title, score)
            )
    for i, app in enumerate(old):
        if i not in used:
            changes.append(AppChange(app.title, "dropped", app.document, app.page))
    return changes


def submission_diff(
    engine: Engine, city: str, before: tuple[int, str], after: tuple[int, str]
) -> SubmissionDiff:
    """What changed from one of the unit's submissions to another; NoSubmission when either is
    not in the store."""
    if before == after:
        raise DiffError("请选择两个不同的报送期进行比较")
    old = _passages(engine, city, *before)
    new = _passages(engine, city, *after)
    return SubmissionDiff(
        city=city,
        before=before,
        after=after,
        sections=_sections(old, new),
        figures=_figures(engine, city, before, after),
        applications=_applications(engine, city, before, after),
    )


def submissions_of(engine: Engine, city: str) -> list[tuple[int, str]]:
    """The (year, period) pairs the unit has current documents for (of any kind), oldest first."""
    return submissions(engine, city, kinds=None)


def previous_submission(
    engine: Engine, city: str, year: int, period: str
) -> tuple[int, str] | None:
    """The unit's submission just before (year, period), if the store has one."""
    earlier = [
        s for s in submissions_of(engine, city) if period_key(s) < period_key((year, period))
    ]
    return earlier[-1] if earlier else None
