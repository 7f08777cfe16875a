"""Reading pages: the submissions, one city's submission, a document, a passage, a case, the
audit."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request

from classify import load_catalogue
from classify.tags import taxonomy
from corpus import store_status
from corpus.accounts import list_users
from corpus.applications import UnknownApp, get_app, similar
from corpus.checks import check_city
from corpus.compare import city_overview, periods
from corpus.diff import previous_submission
from corpus.documents import documents_metadata, submission_documents
from corpus.figures import FigureFilters, NoSubmission, list_figures, period_key
from corpus.pageimage import box_rect, image_size, original, page_image
from corpus.queue import count_waiting, queue_counts
from corpus.retire import versions
from corpus.review import (
    ENTITIES,
    EVENT_SORTS,
    NotFound,
    document_view,
    events_page,
    get_passage,
    history,
    recent_events,
)
from corpus.scorecard import scorecard
from corpus.status import sources_of

from .. import security
from ..charts import indicator_bars
from ..templating import number, period_label, render
from .common import Id, Year, engine_of, optional_int, query_string

router = APIRouter()
viewer = Depends(security.viewer)


def _submissions_grid(cells: list[dict]) -> tuple[list[tuple[int, str]], list[dict]]:
    """store_status's cells as cities × (year, period) columns."""
    columns = sorted({(c["year"], c["period"]) for c in cells}, key=period_key)
    by_city: dict[str, dict] = defaultdict(dict)
    for c in cells:
        by_city[c["city"]][(c["year"], c["period"])] = c
    rows = [{"city": city, "cells": by_city[city]} for city in sorted(by_city)]
    return columns, rows


@router.get("/")
def home(request: Request, user=viewer):
    engine = engine_of(request)
    status = store_status(engine)
    columns, rows = _submissions_grid(status.cells)
    # What waits depends on current documents and evaluators' events only: once per version.
    total, counts = request.app.state.page_cache.get(
        ("queue counts",), lambda: (count_waiting(engine), queue_counts(engine))
    )
    return render(
        request,
        "home.html",
        status=status,
        columns=columns,
        rows=rows,
        queue_total=total,
        queue_counts=counts,
        events=recent_events(engine, 15),
    )


def _figures_by_passage(figures) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for f in figures:
        out[f.passage_id].append(f)
    return out


@router.get("/city/{city}/{year}/{period}")
def city_view(
    request: Request,
    city: str,
    year: Year,
    period: str,
    doc: str | None = None,
    area: str | None = None,
    indicator: str | None = None,
    user=viewer,
):
    engine = engine_of(request)
    cache = request.app.state.page_cache
    overview = cache.get(
        ("city", city, year, period), lambda: city_overview(engine, city, year, period)
    )
    area_filter = optional_int(area, "领域", 0, 6)
    doc_id = optional_int(doc, "文件编号")
    ids = [d.id for d in overview.documents]
    if doc_id not in ids:
        doc_id = ids[0] if ids else None
    document = document_view(engine, doc_id, area=area_filter) if doc_id else None
    return render(
        request,
        "city.html",
        o=overview,
        document=document,
        figures_of=_figures_by_passage(document.figures) if document else {},
        area_filter=area_filter,
        base=f"/city/{quote(city, safe='')}/{year}/{period}",
        trend=cache.get(
            ("trend", city, year, period, indicator), lambda: _trend(engine, overview, indicator)
        ),
        previous=previous_submission(engine, city, year, period),
        checks=cache.get(
            ("checks", city, year, period), lambda: check_city(engine, city, year, period)
        ),
    )


def _trend(engine, overview, indicator: str | None):
    """One indicator of the city across all its submissions: (indicator line, bar chart)."""

    card = overview.scorecard
    measured = [line for line in (card.lines if card else []) if line.figure is not None]
    if not measured:
        return None
    chosen = next((line for line in measured if line.indicator == indicator), measured[0])
    points = []
    for y, p in periods(engine):
        try:
            other = scorecard(engine, overview.city, y, p)
        except NoSubmission:
            continue
        line = next((x for x in other.lines if x.indicator == chosen.indicator), None)
        figure = line.figure if line else None
        value = figure.effective_value if figure else None
        if value is None or (figure.unit or "") != chosen.unit:
            continue
        points.append(
            (
                f"{y}{period_label(p)}",
                value,
                line.check,
                number(value, figure.unit),
                f"/documents/{figure.document_id}#p{figure.passage_id}",
            )
        )
    target = load_catalogue().indicators[chosen.indicator].target
    target_value = target.value if target is not None and target.cmp else None
    return {
        "line": chosen,
        "choices": measured,
        "chart": indicator_bars(points, chosen.unit, target_value, chosen.target),
    }


@router.get("/city/{city}/{year}/{period}/area/{area}")
def city_area(request: Request, city: str, year: Year, period: str, area: int, user=viewer):
    """Every passage of one city's submission in one area: where a matrix cell leads."""

    engine = engine_of(request)
    area = optional_int(str(area), "领域", 0, 6)
    documents = [
        document_view(engine, doc_id, area=area)
        for doc_id in submission_documents(engine, city, year, period)
    ]
    return render(
        request,
        "city_area.html",
        city=city,
        year=year,
        period=period,
        area=area,
        documents=documents,
        figures_of=_figures_by_passage(f for d in documents for f in d.figures),
    )


@router.get("/documents/{doc_id}")
def document_page(
    request: Request,
    doc_id: Id,
    area: str | None = None,
    page: str | None = None,
    passage: str | None = None,
    user=viewer,
):
    """A document's text; for a PDF or scan, one page's image beside that page's passages
    (`page`), and the document's versions linked both ways."""

    engine = engine_of(request)
    area_filter = optional_int(area, "领域", 0, 6)
    page_no = optional_int(page, "页码", 1, 100_000)
    document = document_view(engine, doc_id, area=area_filter)

    meta = documents_metadata(engine, [doc_id])
    try:
        source = original(engine, request.app.state.settings.data_dir, doc_id)
    except NotFound:
        source = None
    pages_with_text = sorted({p.page for p in document.passages if p.page})
    selected = optional_int(passage, "段落", 0, 2**31 - 1)
    selected_page = next((p.page for p in document.passages if p.id == selected), None)
    shown_page = None
    if source is not None and source.has_page_images:
        shown_page = page_no or selected_page or (pages_with_text[0] if pages_with_text else 1)
    page_passages = [p for p in document.passages if p.page == shown_page]
    boxes, image_px = {}, None  # passage id → its rectangle in the page image's pixels
    if shown_page and source.format == "pdf" and any(p.box for p in page_passages):
        try:  # rendered now (and cached) rather than by the <img> request: its size is needed
            image_px = image_size(
                page_image(request.app.state.settings.data_dir, source, shown_page)
            )
        except NotFound:
            image_px = None
        if image_px is not None:
            boxes = {p.id: box_rect(p.box) for p in page_passages if p.box}
    return render(
        request,
        "document.html",
        document=document,
        meta=meta[0] if meta else None,
        sources=sources_of(meta[0].evidence, meta[0].unconfirmed) if meta else {},
        figures_of=_figures_by_passage(document.figures),
        area_filter=area_filter,
        events=history(engine, "document", doc_id),
        source=source,
        shown_page=shown_page,
        page_passages=page_passages,
        boxes=boxes,
        image_px=image_px,
        selected=selected,
        versions=versions(engine, doc_id),
        readonly=not document.is_current,
    )


@router.get("/passages/{passage_id}")
def passage_page(request: Request, passage_id: Id, user=viewer):
    engine = engine_of(request)
    passage = get_passage(engine, passage_id)
    figures = [
        f
        for f in list_figures(
            engine, FigureFilters(document_id=passage.document_id, current_only=False), 100_000
        )
        if f.passage_id == passage_id
    ]
    return render(
        request,
        "passage.html",
        p=passage,
        figures=figures,
        events=history(engine, "passage", passage_id),
        figure_events={f.id: history(engine, "figure", f.id) for f in figures},
    )


@router.get("/apps/{app_id}")
def app_page(request: Request, app_id: Id, user=viewer):
    engine = engine_of(request)
    case = get_app(engine, app_id)
    if case is None:
        raise UnknownApp(f"没有编号为 {app_id} 的典型应用")
    return render(
        request,
        "app.html",
        a=case,
        taxonomy=taxonomy(),
        chosen={t["tag"] for t in case.tags},
        events=history(engine, "application", app_id),
        similar=similar(engine, app_id, limit=5),
    )


@router.get("/history")
def history_page(
    request: Request, who: str = "", entity: str = "", page: str = "", sort: str = "", user=viewer
):
    """The audit, newest first, filterable by person and kind of item, 25 to a page."""

    engine = engine_of(request)
    who = (request.query_params.get("user") or who).strip()
    entity = entity if entity in ENTITIES else ""
    page_no = optional_int(page, "页码", 1, 10**6) or 1
    sort = sort if sort.removeprefix("-") in EVENT_SORTS else ""
    events, total = events_page(
        engine, user=who or None, entity=entity or None, page=page_no, sort=sort or "-at"
    )
    pages = max(1, -(-total // 25))
    return render(
        request,
        "history.html",
        events=events,
        total=total,
        page=page_no,
        pages=pages,
        who=who,
        entity=entity,
        entities=ENTITIES,
        people=[u.name for u in list_users(engine)],
        page_link=lambda n: "/history?" + query_string(user=who, entity=entity, sort=sort, page=n),
        sort=sort or "-at",
        sort_link=lambda key: "/history?" + query_string(user=who, entity=entity, sort=key),
    )
