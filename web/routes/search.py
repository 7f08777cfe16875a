"""The store's search as a page: the query, its filters, highlighted snippets, more like this."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from corpus import Filters, more_like_this, search

from .. import security
from ..templating import render
from .common import engine_of, optional_int, optional_period, query_string

router = APIRouter()
viewer = Depends(security.viewer)
KIND_CHOICES = ("progress", "applications", "other")


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
    user=viewer,
):
    from classify.tags import taxonomy
    from corpus.compare import periods
    from corpus.review import get_passage
    from extract import city_named

    engine = engine_of(request)
    city = city.strip()
    known = city_named(city) if city else None
    filters = Filters(
        city=known.name if known else (city or None),
        year=optional_int(year, "年份", 2000, 2100),
        period=optional_period(period),
        area=optional_int(area, "领域", 0, 6),
        tag=tag or None,
        kind=kind if kind in KIND_CHOICES else None,
    )
    size = optional_int(limit, "条数", 1, 200) or 30
    like_id = optional_int(like, "段落编号")
    hits, source = None, None
    if like_id is not None:
        source = get_passage(engine, like_id)
        hits = more_like_this(engine, like_id, limit=size, filters=filters)
    elif q.strip():
        hits = search(engine, q[:500], filters, limit=size)
    status = store_cities(engine)
    return render(
        request,
        "search.html",
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
    from corpus import store_status

    return sorted({c["city"] for c in store_status(engine).cells if c["city"]})
