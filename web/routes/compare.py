"""Comparing cities in one period, and the exports."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from markupsafe import Markup, escape

from classify import load_catalogue
from corpus.compare import (
    area_counts,
    area_matrix,
    busiest_period,
    cities,
    cities_changed,
    indicator_table,
    periods,
)
from corpus.export import file_name, write_export
from corpus.labels import CHECKS
from corpus.scorecard import Scorecard, scorecards
from extract import canonical_city

from .. import security
from ..charts import heat_cells_svg, heat_map, indicator_bars
from ..templating import number, percent, render, render_blocks, segment
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


@dataclass
class _ComparePieces:
    """What a compare page is built from, kept per city between store versions: after an
    evaluator's edit only the cities it touched are read and scored again
    (`corpus.compare.cities_changed`), the others' matrix row, scorecard and indicator cells are
    reused. Their HTML is written here, not by a Jinja loop per cell (3,100 cells a page)."""

    counts: dict[str, dict[int, int]]  # city → area → passages
    cards: dict[str, Scorecard]  # city → scorecard (cities with a progress report)
    matrix_html: dict[str, str]  # city → its matrix row
    cells_html: dict[str, dict[str, str]]  # city → indicator → its cell (with a figure)
    blocks: dict  # the rendered page


def _matrix_row(row, year: int, period: str) -> str:
    """A city's row of the areas matrix (as compare.html wrote it with a Jinja loop)."""
    base = f"/city/{escape(segment(row.city))}/{year}/{escape(period)}"
    cells = []
    for a in (1, 2, 3, 4, 5, 6, 0):
        c = row.cells[a]
        if a in row.missing:
            inner = f'<a class="missing" href="{base}/area/{a}">未涉及</a>'
        else:
            inner = (
                f'<a href="{base}/area/{a}">{c.passages}</a> '
                f'<span class="muted small">{percent(c.share)}</span>'
            )
        cells.append(f'<td data-sort="{c.passages}">{inner}</td>')
    return (
        f'<tr><th><a href="{base}">{escape(row.city)}</a></th>{"".join(cells)}'
        f"<td>{row.total}</td></tr>\n"
    )


def _indicator_cells(card: Scorecard) -> dict[str, str]:
    """A city's cells of the indicator table, for its lines with a headline figure."""
    out = {}
    for line in card.lines:
        f = line.figure
        if f is None:
            continue
        cell = f'<td><a href="/passages/{f.passage_id}#f{f.id}">'
        cell += f"{escape(number(f.effective_value, f.unit))}</a>"
        if line.check:
            label = escape(CHECKS.get(line.check, line.check))
            cell += f' <span class="check check-{escape(line.check)}">{label}</span>'
        out[line.indicator] = cell + "</td>"
    return out


_NOT_REPORTED = '<td><span class="missing">未报告</span></td>'


def _indicator_rows(table, cells_html: dict[str, dict[str, str]]) -> list[tuple]:
    """(column, its cells across the cities as one piece of HTML) per indicator."""
    rows = []
    for c in table.indicators:
        empty = _NOT_REPORTED if c.target else "<td></td>"
        cells = "".join(cells_html.get(r.city, {}).get(c.id, empty) for r in table.rows)
        rows.append((c, Markup(cells)))
    return rows


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

    def build(previous: _ComparePieces | None, changed: set[str] | None) -> _ComparePieces:
        """The page's body: the same for every user, so rendered once per store version; from
        `previous` the cities not in `changed` are reused (None: every city is recomputed)."""
        names = cities(engine, y, p)
        if previous is None or changed is None:
            redo, counts, cards = set(names), {}, {}
            matrix_html, cells_html = {}, {}
        else:
            redo = {c for c in names if c in changed or c not in previous.matrix_html}
            keep = lambda d: {c: v for c, v in d.items() if c not in redo}  # noqa: E731
            counts, cards = keep(previous.counts), keep(previous.cards)
            matrix_html, cells_html = keep(previous.matrix_html), keep(previous.cells_html)
        if redo:
            subset = None if previous is None or changed is None else sorted(redo)
            counts.update(area_counts(engine, y, p, subset))
            cards.update(scorecards(engine, y, p, subset))
        matrix = area_matrix(engine, y, p, counts=counts, names=names)
        for row in matrix.rows:
            if row.city in redo:
                matrix_html[row.city] = _matrix_row(row, y, p)
        for city in redo:
            if city in cards:
                cells_html[city] = _indicator_cells(cards[city])
        table = indicator_table(engine, y, p, cards=cards, names=names)
        column, chart = _bars(table, indicator)
        heat = heat_map(matrix, matrix.short_names)
        blocks = render_blocks(
            "compare.html",
            matrix=matrix,
            matrix_rows=Markup("".join(matrix_html[r.city] for r in matrix.rows)),
            heat=heat,
            heat_cells=heat_cells_svg(heat),
            table=table,
            indicator_rows=_indicator_rows(table, cells_html),
            column=column,
            chart=chart,
            available=available,
            year=y,
            period=p,
        )
        return _ComparePieces(counts, cards, matrix_html, cells_html, blocks)

    def update(was: tuple, previous: _ComparePieces, now: tuple) -> _ComparePieces:
        # a new document (ingest, a new version) may change anything: only evaluators' edits,
        # told by their audit events, are applied city by city
        same_documents = was[1] == now[1]
        changed = cities_changed(engine, was[0], now[0]) if same_documents else None
        return build(previous, changed)

    pieces = cache.get(("compare", y, p, indicator), lambda: build(None, None), update)
    return render(request, "cached_page.html", blocks=pieces.blocks)


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
