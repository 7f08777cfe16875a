"""Search by number: the figures of all reports, filtered by indicator, role, as-of date and value
range ("which cities report 20M宽带 above 50% at 2016年底")."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from classify import load_catalogue
from corpus.compare import periods
from corpus.figures import FigureFilters, list_figures
from extract import canonical_city
from extract.vocabulary import ROLE_LABELS

from .. import security
from ..errors import BadParameter
from ..templating import render
from .common import engine_of, optional_int, optional_period

router = APIRouter()
viewer = Depends(security.viewer)
LIMIT = 500


def _optional_float(value: str, what: str) -> float | None:
    text = (value or "").strip().replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise BadParameter(f"{what}不是有效的数值：{value}") from None


@router.get("/figures")
def figures_page(
    request: Request,
    city: str = "",
    year: str = "",
    period: str = "",
    indicator: str = "",
    role: str = "",
    as_of: str = "",
    min: str = "",
    max: str = "",
    user=viewer,
):
    engine = engine_of(request)
    catalogue = load_catalogue()
    filters = FigureFilters(
        city=canonical_city(city),
        year=optional_int(year, "年份", 2000, 2100),
        period=optional_period(period),
        indicator=indicator if indicator in catalogue.indicators else None,
        role=role if role in ROLE_LABELS else None,
        as_of=as_of.strip()[:10] or None,
        min_value=_optional_float(min, "下限"),
        max_value=_optional_float(max, "上限"),
    )
    searched = any(
        v not in ("", None) for v in (city, year, period, indicator, role, as_of, min, max)
    )
    rows = list_figures(engine, filters, LIMIT) if searched else None
    return render(
        request,
        "figures.html",
        filters=filters,
        raw={"city": city, "as_of": as_of, "min": min, "max": max},
        rows=rows,
        limit=LIMIT,
        years=sorted({y for y, _ in periods(engine)}),
        indicators=list(catalogue.indicators.values()),
    )
