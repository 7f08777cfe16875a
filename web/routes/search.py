"""The store's search as a page: the query, its filters, highlighted snippets, more like this."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from classify.tags import taxonomy
from corpus import Filters, QueryError, ranked, similar, store_status
from corpus.compare import periods
from corpus.review import get_passage
from corpus.search import count_matches
from extract import canonical_city

from .. import security
from ..templating import render
from .common import engine_of, optional_int, optional_period, query_string

router = APIRouter()
viewer = Depends(security.viewer)
KIND_CHOICES = ("progress", "applications", "other")
PAGE_SIZE = 20
MAX_RANKED = 500  # the ranked list's bound (corpus.search): pages reach this far


@router.get("/search")
def search_page(
    request: Request,
    q: str = "",
    city: str = "",
    year: str = "",
    period: str = "",
    area: str = "",
    tag: str = "",
    kind: str = "",
    like: str = "",
    limit: str = "",
    page: str = "",
    user=viewer,
):
    engine = engine_of(request)
    filters = Filters(
        city=canonical_city(city),
        year=optional_int(year, "年份", 2000, 2100),
        period=optional_period(period),
        area=optional_int(area, "领域", 0, 6),
        tag=tag or None,
        kind=kind if kind in KIND_CHOICES else None,
    )
    size = optional_int(limit, "条数", 1, 200) or PAGE_SIZE
    page_no = optional_int(page, "页码", 1, 10_000) or 1
    like_id = optional_int(like, "段落编号")
    hits, source, total, error, bound = None, None, None, None, None
    try:
        if like_id is not None:
            source = get_passage(engine, like_id)
            result = similar(engine, like_id, limit=size, filters=filters)
            hits, bound = result.hits, result.bound
        elif q.strip():
            total = count_matches(engine, q[:500], filters)
            reach = min(page_no * size, MAX_RANKED)
            result = ranked(engine, q[:500], filters, limit=reach)
            hits, bound = result.hits[(page_no - 1) * size : reach], result.bound
    except QueryError as exc:  # the same page, the query kept, the reason beside it
        error, hits = str(exc), None
    status = store_cities(engine)
    pages = max(1, -(-min(total or 0, MAX_RANKED) // size)) if total is not None else 1
    params = {"q": q, "city": city, "year": year, "period": period, "area": area}
    params |= {"tag": tag, "kind": kind, "limit": limit}
    return render(
        request,
        "search.html",
        status_code=400 if error else 200,
        error=error,
        total=total,
        bound=bound,
        page=page_no,
        pages=pages,
        size=size,
        max_ranked=MAX_RANKED,
        page_link=lambda n: "/search?" + query_string(**params, page=n),
        q=q,
        filters=filters,
        raw={"city": city, "year": year, "period": period, "area": area, "tag": tag, "kind": kind},
        hits=hits,
        source=source,
        cities=status,
        years=sorted({y for y, _ in periods(engine)}),
        taxonomy=taxonomy(),
        kinds=KIND_CHOICES,
        query_string=query_string,
    )


def store_cities(engine) -> list[str]:
    return sorted({c["city"] for c in store_status(engine).cells if c["city"]})
