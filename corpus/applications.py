"""Typical applications in the store: listing, similar cases, and recycled cases.

Cases are found and tagged at ingest (corpus/analysis.py). Similarity and recycling are computed
when asked, over the current versions of all documents, so they always reflect the whole store
and nothing needs recomputing when a new submission arrives.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session, select

from classify.applications import overlap, shared_passages, shingles
from classify.tokens import normalize
from extract.vocabulary import Kind, Period
from models.tables import Application, ApplicationTag, Document

from .errors import NotFound

# Typical applications are read from applications attachments and progress reports only: a case
# found in a document an evaluator re-classed as a budget or a plan leaves the finder.
CASE_KINDS: tuple[str, ...] = (Kind.applications, Kind.progress)

RECYCLED_OVERLAP = 0.6  # share of the shorter case's 5-character shingles found in the other


@dataclass
class StoredApp:
    id: int
    title: str
    body: str
    city: str | None
    year: int | None
    period: str | None
    area: int | None
    area_confidence: float | None
    tags: list[dict]  # {"tag", "score", "source"}, best first
    organisations: list[str]
    places: list[str]
    figures: list[dict]
    document_id: int
    document: str
    page: int | None
    outstanding: bool
    version: int = 1  # send back with an edit (corpus.review.set_app_tags, set_outstanding)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class AppFilters:
    city: str | None = None
    year: int | None = None
    tag: str | None = None
    area: int | None = None
    period: str | None = None
    document_ids: list[int] | None = None  # only the cases of these documents


def _load(session: Session, apps: list[tuple[Application, Document]]) -> list[StoredApp]:
    ids = [a.id for a, _ in apps]
    tags: dict[int, list[dict]] = defaultdict(list)
    if ids:
        for t in session.exec(
            select(ApplicationTag)
            .where(ApplicationTag.application_id.in_(ids))
            .order_by(ApplicationTag.score.desc())
        ):
            tags[t.application_id].append({"tag": t.tag, "score": t.score, "source": t.source})
    return [
        StoredApp(
            id=a.id,
            title=a.title,
            body=a.body,
            city=a.city,
            year=a.year,
            period=a.period,
            area=a.area,
            area_confidence=a.area_confidence,
            tags=tags[a.id],
            organisations=list(a.organisations or []),
            places=list(a.places or []),
            figures=list(a.figures or []),
            document_id=doc.id,
            document=doc.name,
            page=a.page,
            outstanding=a.outstanding,
            version=a.version,
        )
        for a, doc in apps
    ]


def _current(filters: AppFilters | None = None):
    f = filters or AppFilters()
    query = (
        select(Application, Document)
        .join(Document, Document.id == Application.document_id)
        .where(Document.is_current, Document.status == "ok", Document.kind.in_(CASE_KINDS))
    )
    if f.city:
        query = query.where(Application.city == f.city)
    if f.year:
        query = query.where(Application.year == f.year)
    if f.period:
        query = query.where(Application.period == f.period)
    if f.document_ids is not None:
        query = query.where(Application.document_id.in_(f.document_ids))
    if f.area is not None:
        query = query.where(Application.area == f.area)
    if f.tag:
        query = query.where(
            Application.id.in_(
                select(ApplicationTag.application_id).where(ApplicationTag.tag == f.tag)
            )
        )
    return query.order_by(Application.city, Application.year, Application.id)


def list_apps(
    engine: Engine, filters: AppFilters | None = None, limit: int = 500
) -> list[StoredApp]:
    with Session(engine) as session:
        return _load(session, list(session.exec(_current(filters).limit(limit)).all()))


def get_app(engine: Engine, app_id: int) -> StoredApp | None:
    with Session(engine) as session:
        row = session.exec(
            select(Application, Document)
            .join(Document, Document.id == Application.document_id)
            .where(Application.id == app_id)
        ).first()
        return _load(session, [row])[0] if row else None


@dataclass
class SimilarApp:
    app: StoredApp
    similarity: float


class UnknownApp(NotFound):
    """No typical-application case with that id."""


def similar(engine: Engine, app_id: int, limit: int = 10) -> list[SimilarApp]:
    """The cases most like the given one in other submissions (another city, or the same city in
    another year), by TF-IDF cosine of character 2-3-grams of title and body."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    target = get_app(engine, app_id)
    if target is None:
        raise UnknownApp(f"没有编号为 {app_id} 的典型应用")
    others = [
        a
        for a in list_apps(engine, limit=100_000)
        if a.id != app_id and not (a.city == target.city and a.year == target.year)
    ]
    if not others:
        return []
    texts = [normalize(f"{a.title} {a.body}") for a in [target, *others]]
    matrix = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True).fit_transform(
        texts
    )
    scores = linear_kernel(matrix[0], matrix[1:]).ravel()
    order = scores.argsort()[::-1][:limit]
    return [SimilarApp(others[i], round(float(scores[i]), 4)) for i in order if scores[i] > 0]


@dataclass
class RecycledPair:
    """Two cases whose texts largely repeat each other: `later` repeats `earlier`."""

    earlier: StoredApp
    later: StoredApp
    overlap: float
    shared: list[str] = field(default_factory=list)  # the longest passages they share

    def to_dict(self) -> dict:
        return {
            "earlier": self.earlier.to_dict(),
            "later": self.later.to_dict(),
            "overlap": self.overlap,
            "shared": self.shared,
        }


def _when(app: StoredApp) -> tuple[int, int, int]:
    return (app.year or 0, 1 if app.period == Period.FY else 0, app.id)


def recycled(engine: Engine, threshold: float = RECYCLED_OVERLAP) -> list[RecycledPair]:
    """Pairs of cases from different submissions (another city, or the same city's earlier
    submission) whose texts overlap by at least `threshold`. Candidates come from an inverted
    index of shingles, so only cases that share text are ever compared."""
    apps = list_apps(engine, limit=1_000_000)
    sets = [shingles(f"{a.title}{a.body}") for a in apps]
    index: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        for h in s:
            index[h].append(i)
    shared_counts: dict[tuple[int, int], int] = defaultdict(int)
    for members in index.values():
        if len(members) > 50:  # boilerplate every case shares says nothing
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                shared_counts[(members[x], members[y])] += 1
    pairs = []
    for (i, j), count in shared_counts.items():
        a, b = apps[i], apps[j]
        if a.city == b.city and a.year == b.year and a.period == b.period:
            continue  # two cases of one submission
        if count / max(1, min(len(sets[i]), len(sets[j]))) < threshold:
            continue
        score = overlap(sets[i], sets[j])
        if score < threshold:
            continue
        earlier, later = sorted((a, b), key=_when)
        pairs.append(
            RecycledPair(
                earlier,
                later,
                round(score, 3),
                shared_passages(f"{earlier.title}\n{earlier.body}", f"{later.title}\n{later.body}")[
                    :3
                ],
            )
        )
    return sorted(pairs, key=lambda p: -p.overlap)
