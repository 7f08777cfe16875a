"""Comparing cities in one period, and the exports."""

from __future__ import annotations

import tempfile
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from classify import load_catalogue
from corpus.compare import area_matrix, busiest_period, indicator_table, periods
from corpus.export import file_name, write_export
from extract import canonical_city

from .. import security
from ..charts import heat_map, indicator_bars
from ..templating import number, render, render_blocks
from .common import engine_of, optional_int, optional_period

router = APIRouter()
viewer = Depends(security.viewer)
CHUNK = 64 * 1024
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _chosen_period(engine, year: str | None, period: str | None) -> tuple[int, str]:
    """The period asked for; by default the latest of the periods with the most cities (the
    newest period often holds the first few cities only)."""

    y, p = optional_int(year, "年份", 2000, 2100), optional_period(period)
    if y is None or p is None:
        latest = busiest_period(engine)
        y, p = y or latest[0], p or latest[1]
    return y, p


def _bars(table, indicator_id: str | None):
    columns = {c.id: c for c in table.indicators}
    if indicator_id not in columns:
        measured = [
            c.id
            for c in table.indicators
            if any(r.line(c.id) and r.line(c.id).figure for r in table.rows)
        ]
        with_target = [i for i in measured if columns[i].target]
        indicator_id = (with_target or measured or [None])[0]
    if indicator_id is None:
        return None, None
    column = columns[indicator_id]
    points = []
    for row in table.rows:
        line = row.line(indicator_id)
        figure = line.figure if line else None
        value = figure.effective_value if figure else None
        if value is None or (figure.unit or "") != column.unit:
            continue
        points.append(
            (
                row.city,
                value,
                line.check,
                number(value, figure.unit),
                f"/documents/{figure.document_id}#p{figure.passage_id}",
            )
        )
    target = load_catalogue().indicators[indicator_id].target
    target_value = target.value if target is not None and target.cmp else None
    return column, indicator_bars(points, column.unit, target_value, column.target)


@router.get("/compare")
def compare_page(
    request: Request,
    year: str | None = None,
    period: str | None = None,
    indicator: str | None = None,
    user=viewer,
):
    engine = engine_of(request)
    available = periods(engine)
    if not available:
        return render(request, "compare.html", matrix=None, available=available)
    y, p = _chosen_period(engine, year, period)
    cache = request.app.state.page_cache

    def page() -> dict:
        """The page's body: the same for every user, so rendered once per store version."""
        matrix = area_matrix(engine, y, p)
        table = indicator_table(engine, y, p)
        column, chart = _bars(table, indicator)
        return render_blocks(
            "compare.html",
            matrix=matrix,
            heat=heat_map(matrix, matrix.short_names),
            table=table,
            column=column,
            chart=chart,
            available=available,
            year=y,
            period=p,
        )

    blocks = cache.get(("compare", y, p, indicator), page)
    return render(request, "cached_page.html", blocks=blocks)


@router.get("/export/{kind}.{fmt}")
def export_file(
    request: Request,
    kind: str,
    fmt: str,
    year: str | None = None,
    period: str | None = None,
    city: str | None = None,
    user=viewer,
):
    y, p = optional_int(year, "年份", 2000, 2100), optional_period(period)
    city = canonical_city(city)
    # Written row by row to a temporary file, then sent from it in chunks: a large export is
    # never whole in memory. An unknown kind or period fails here, before any byte is sent.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by chunks() once sent
    try:
        write_export(kind, fmt, spool, engine=engine_of(request), year=y, period=p, city=city)
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    name = file_name(kind, fmt, year=y, period=p, city=city)

    def chunks():
        with spool:
            while block := spool.read(CHUNK):
                yield block

    return StreamingResponse(
        chunks(),
        media_type=MEDIA.get(fmt, "application/octet-stream"),
        headers={
            "Content-Disposition": f'attachment; filename="infocity-{kind}.{fmt}"; '
            f"filename*=UTF-8''{quote(name)}",
            "Content-Length": str(size),
        },
    )
