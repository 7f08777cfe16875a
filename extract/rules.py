"""Ruled tables from a page's drawing, each step "given X, returns Y": ruling segments → rules
(snapped and joined) → crossings → grid cells → tables; and three-line tables (a top, a header
and a bottom rule, no vertical rules) from their rules and the text between them.

Pure geometry, kept free of any PDF library: extract/pdf.py feeds it the straight segments of
pdfium's path objects, so a table page is parsed once. The grid steps follow pdfplumber's
`lines` strategy with its default tolerances (docs/extraction.md), so tables come out as they
did when pdfplumber found them. Coordinates are PDF points, origin at the page's top-left.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SNAP = 3.0  # rules this close to each other are one rule (pdfplumber's snap_tolerance)
JOIN = 3.0  # collinear pieces this close are joined (join_tolerance)
MIN_LENGTH = 3.0  # shorter rules are not rules (edge_min_length)
PREFILTER = 1.0  # segments shorter than this are dropped before snapping
CROSS = 3.0  # a rule reaching this close to another crosses it (intersection_tolerance)
SLANT = 0.5  # a segment whose ends differ by less than this is horizontal or vertical

Box = tuple[float, float, float, float]  # x0, top, x1, bottom
Segment = tuple[float, float, float, float]  # x0, y0, x1, y1 (top-origin)


@dataclass
class Rule:
    """A horizontal or vertical ruling line: `pos` is its y (horizontal) or x (vertical),
    `start` and `end` its extent along it."""

    horizontal: bool
    pos: float
    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


def rules_from_segments(segments: Iterable[Segment]) -> list[Rule]:
    """Given straight segments, returns the horizontal and vertical ones as rules (slanted
    segments and dots are not rules)."""
    out = []
    for x0, y0, x1, y1 in segments:
        if abs(y0 - y1) < SLANT and abs(x1 - x0) >= PREFILTER:
            out.append(Rule(True, (y0 + y1) / 2, min(x0, x1), max(x0, x1)))
        elif abs(x0 - x1) < SLANT and abs(y1 - y0) >= PREFILTER:
            out.append(Rule(False, (x0 + x1) / 2, min(y0, y1), max(y0, y1)))
    return out


def _snap(rules: list[Rule]) -> None:
    """Rules whose positions chain within SNAP of each other take their mean position (the two
    long sides of a thin filled rectangle, a double rule)."""
    values = sorted({r.pos for r in rules})
    mean: dict[float, float] = {}
    group: list[float] = []
    for v in values:
        if group and v > group[-1] + SNAP:
            for g in group:
                mean[g] = sum(group) / len(group)
            group = []
        group.append(v)
    for g in group:
        mean[g] = sum(group) / len(group)
    for r in rules:
        r.pos = mean[r.pos]


def merge_rules(rules: Sequence[Rule]) -> list[Rule]:
    """Given raw rules, returns them snapped together, joined where collinear pieces touch and
    without the ones too short to bound a cell."""
    out: list[Rule] = []
    for horizontal in (True, False):
        group = [
            Rule(r.horizontal, r.pos, r.start, r.end) for r in rules if r.horizontal is horizontal
        ]
        _snap(group)
        by_pos: dict[float, list[Rule]] = defaultdict(list)
        for r in group:
            by_pos[r.pos].append(r)
        for pos in sorted(by_pos):
            pieces = sorted(by_pos[pos], key=lambda r: r.start)
            joined = [pieces[0]]
            for r in pieces[1:]:
                last = joined[-1]
                if r.start <= last.end + JOIN:
                    last.end = max(last.end, r.end)
                else:
                    joined.append(r)
            out.extend(r for r in joined if r.length >= MIN_LENGTH)
    return out


Point = tuple[float, float]


def crossings(rules: Sequence[Rule]) -> dict[Point, tuple[set[int], set[int]]]:
    """Where a vertical rule meets a horizontal one: each point with the ids of the vertical
    and the horizontal rules through it."""
    vs = [(i, r) for i, r in enumerate(rules) if not r.horizontal]
    hs = sorted(((i, r) for i, r in enumerate(rules) if r.horizontal), key=lambda p: p[1].pos)
    h_pos = [r.pos for _, r in hs]
    points: dict[Point, tuple[set[int], set[int]]] = {}
    for vi, v in vs:
        lo = bisect.bisect_left(h_pos, v.start - CROSS)
        hi = bisect.bisect_right(h_pos, v.end + CROSS)
        for hi_, h in hs[lo:hi]:
            if h.start - CROSS <= v.pos <= h.end + CROSS:
                vset, hset = points.setdefault((v.pos, h.pos), (set(), set()))
                vset.add(vi)
                hset.add(hi_)
    return points


def grid_cells(points: dict[Point, tuple[set[int], set[int]]]) -> list[Box]:
    """Given the crossings, returns the smallest rectangles whose four corners are crossings
    joined by rules: for each corner, the nearest one found going down, then right."""
    by_x: dict[float, list[float]] = defaultdict(list)
    by_y: dict[float, list[float]] = defaultdict(list)
    for x, y in sorted(points):
        by_x[x].append(y)
        by_y[y].append(x)

    def down(a: Point, b: Point) -> bool:
        return bool(points[a][0] & points[b][0])

    def across(a: Point, b: Point) -> bool:
        return bool(points[a][1] & points[b][1])

    cells = []
    for x, y in sorted(points):
        pt = (x, y)
        below = [(x, yy) for yy in by_x[x] if yy > y]
        right = [(xx, y) for xx in by_y[y] if xx > x]
        found = None
        for b in below:
            if not down(pt, b):
                continue
            for r in right:
                if not across(pt, r):
                    continue
                corner = (r[0], b[1])
                if corner in points and down(r, corner) and across(b, corner):
                    found = (x, y, r[0], b[1])
                    break
            if found:
                break
        if found:
            cells.append(found)
    return cells


def group_cells(cells: Sequence[Box]) -> list[list[Box]]:
    """Cells that share a corner belong to one table; tables of one cell are frames, not
    tables. Sorted top to bottom, then left to right."""
    parent = list(range(len(cells)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[Point, int] = {}
    for i, (x0, top, x1, bottom) in enumerate(cells):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            if corner in owner:
                parent[find(i)] = find(owner[corner])
            else:
                owner[corner] = i
    groups: dict[int, list[Box]] = defaultdict(list)
    for i, cell in enumerate(cells):
        groups[find(i)].append(cell)
    tables = [g for g in groups.values() if len(g) > 1]
    return sorted(tables, key=lambda t: min((c[1], c[0]) for c in t))


def table_rows(cells: Sequence[Box]) -> list[list[Box | None]]:
    """A table's cells as rows: one row per distinct top, one column per distinct left edge;
    `None` where no cell starts there (the covered part of a merged cell)."""
    xs = sorted({c[0] for c in cells})
    by_top: dict[float, dict[float, Box]] = defaultdict(dict)
    for c in cells:
        by_top[c[1]][c[0]] = c
    return [[by_top[top].get(x) for x in xs] for top in sorted(by_top)]


def _side_rules(merged: Sequence[Rule]) -> list[Rule]:
    """The side rules a table printed without them implies: where two or more horizontal rules
    of the same width are crossed by the same column rule, the table's sides are their ends
    (周口's statistical bulletin: top, header and bottom rules, two column rules, no sides)."""
    hs = [r for r in merged if r.horizontal]
    out = []
    for v in merged:
        if v.horizontal:
            continue
        crossed = [
            h
            for h in hs
            if h.start + CROSS < v.pos < h.end - CROSS and v.start - CROSS <= h.pos <= v.end + CROSS
        ]
        groups: list[list[Rule]] = []
        for h in crossed:
            for g in groups:
                if abs(g[0].start - h.start) <= EXTENT and abs(g[0].end - h.end) <= EXTENT:
                    g.append(h)
                    break
            else:
                groups.append([h])
        for g in groups:
            if len(g) >= 2:
                top, bottom = min(h.pos for h in g), max(h.pos for h in g)
                out.append(Rule(False, min(h.start for h in g), top, bottom))
                out.append(Rule(False, max(h.end for h in g), top, bottom))
    return out


def _open_bottom(cells: Sequence[Box], verticals: Sequence[Rule]) -> list[Box]:
    """A table whose column rules run on below its last horizontal rule (its body carries on to
    the next page without a rule under it: a shaded header ruled all round, then rows between
    the column rules only) gets one more row, down to where those rules end; its lines become
    rows when the cells are filled."""
    x0 = min(c[0] for c in cells)
    x1 = max(c[2] for c in cells)
    bottom = max(c[3] for c in cells)
    running = [
        v
        for v in verticals
        if x0 - CROSS <= v.pos <= x1 + CROSS
        and v.start <= bottom + CROSS
        and v.end > bottom + 2 * MIN_LENGTH
    ]
    if not any(x0 + CROSS < v.pos < x1 - CROSS for v in running):
        return []  # only the outer rules run on: a frame, not columns
    end = max(v.end for v in running)
    edges = sorted({x0, x1, *(v.pos for v in running if x0 + CROSS < v.pos < x1 - CROSS)})
    return [(a, bottom, b, end) for a, b in itertools.pairwise(edges)]


def ruled_tables(rules: Sequence[Rule]) -> list[tuple[Box, list[list[Box | None]]]]:
    """Given a page's rules, returns each ruled table as (its box, its rows of cell boxes)."""
    merged = merge_rules(rules)
    sides = _side_rules(merged)
    if sides:
        merged = merge_rules([*merged, *sides])
    verticals = [r for r in merged if not r.horizontal]
    out = []
    for cells in group_cells(grid_cells(crossings(merged))):
        cells = cells + _open_bottom(cells, verticals)
        box = (
            min(c[0] for c in cells),
            min(c[1] for c in cells),
            max(c[2] for c in cells),
            max(c[3] for c in cells),
        )
        out.append((box, table_rows(cells)))
    return out


THREE_LINE_MIN_WIDTH = 60.0  # narrower rules are underlines, not a table's
EXTENT = 3.0  # rules whose ends are this close span the same width


class _Glyph:  # what three_line_tables needs of a char: extract.layout.Char has it
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


HEADER_LINES = 5  # a header band is at most this many lines of its text tall


def _median_size(glyphs: Sequence[_Glyph]) -> float:
    sizes = sorted(g.size for g in glyphs)
    return sizes[len(sizes) // 2]


def _columns(glyphs: Sequence[_Glyph]) -> list[tuple[float, float]]:
    """The x-intervals the glyphs cover, merged across gaps narrower than a character: the
    columns of text standing side by side."""
    if not glyphs:
        return []
    gap = max(0.9 * _median_size(glyphs), 4.0)
    spans = sorted((g.x0, g.x1) for g in glyphs)
    out = [list(spans[0])]
    for x0, x1 in spans[1:]:
        if x0 <= out[-1][1] + gap:
            out[-1][1] = max(out[-1][1], x1)
        else:
            out.append([x0, x1])
    return [(a, b) for a, b in out]


def three_line_tables(
    rules: Sequence[Rule], glyphs: Sequence[_Glyph], taken: Sequence[Box] = ()
) -> list[tuple[Box, list[list[Box | None]]]]:
    """Given a page's rules and chars, returns the tables drawn with horizontal rules only (a
    top rule, a header rule, a bottom rule, maybe more between): three or more rules of the same
    width, each band between two of them holding text in two or more columns. Each table comes
    as (its box, rows of cell boxes): the header band is one row, each later band one row whose
    cells hold its printed lines (layout.fill_tables splits them into rows). Rules inside a
    table already found (`taken`) are not looked at."""
    merged = merge_rules(rules)
    verticals = [r for r in merged if not r.horizontal]
    across = [
        r
        for r in merged
        if r.horizontal
        and r.length >= THREE_LINE_MIN_WIDTH
        and not any(
            b[0] - 2 <= (r.start + r.end) / 2 <= b[2] + 2 and b[1] - 2 <= r.pos <= b[3] + 2
            for b in taken
        )
    ]
    # Rules of one width, top to bottom.
    groups: list[list[Rule]] = []
    for r in sorted(across, key=lambda r: (round(r.start), r.pos)):
        for g in groups:
            if abs(g[0].start - r.start) <= EXTENT and abs(g[0].end - r.end) <= EXTENT:
                g.append(r)
                break
        else:
            groups.append([r])
    out = []
    for group in groups:
        group.sort(key=lambda r: r.pos)
        x0 = min(r.start for r in group)
        x1 = max(r.end for r in group)
        inside = [g for g in glyphs if x0 - 1 <= (g.x0 + g.x1) / 2 <= x1 + 1]
        run: list[tuple[float, float, list[_Glyph]]] = []  # consecutive bands of columns
        for upper, lower in itertools.pairwise(group):
            band = [g for g in inside if upper.pos < (g.top + g.bottom) / 2 < lower.pos]
            crossed = any(
                x0 < v.pos < x1 and v.start < lower.pos - 1 and v.end > upper.pos + 1
                for v in verticals
            )
            if band and not crossed and len(_columns(band)) >= 2:
                run.append((upper.pos, lower.pos, band))
                continue
            out.extend(_three_line_table(run, x0, x1))
            run = []
            # A band of one column may still be the header of the table below: if it is short.
            short = band and lower.pos - upper.pos <= HEADER_LINES * _median_size(band)
            run = [(upper.pos, lower.pos, band)] if short and not crossed else []
        last = group[-1]
        if len(run) == 1 and run[0][1] == last.pos:
            # The page ends the table's header: its rows run on below the header rule, to the
            # next page (no bottom rule here).
            rows = _columnar_run(sorted(_text_lines(g for g in inside if _mid(g) > last.pos)))
            if rows:
                run.append((last.pos, max(g.bottom for g in rows) + 1, rows))
        elif len(group) == 1:
            # A lone rule under rows of columns: the end of a table begun on the page before.
            above = _text_lines(g for g in inside if _mid(g) < last.pos)
            rows = _columnar_run(sorted(above, reverse=True))
            if rows:
                top = min(g.top for g in rows) - 1
                out.extend(_three_line_table([(top, top, []), (top, last.pos, rows)], x0, x1))
        out.extend(_three_line_table(run, x0, x1))
    return out


def _mid(g: _Glyph) -> float:
    return (g.top + g.bottom) / 2


def _text_lines(glyphs: Iterable[_Glyph]) -> list[tuple[float, list[_Glyph]]]:
    """Glyphs grouped into printed lines: (the line's middle, its glyphs)."""
    lines: list[tuple[float, list[_Glyph]]] = []
    bottom = -1e9
    for g in sorted(glyphs, key=_mid):
        if lines and _mid(g) <= bottom:
            lines[-1][1].append(g)
            bottom = max(bottom, g.bottom)
        else:
            lines.append((_mid(g), [g]))
            bottom = g.bottom
    return lines


def _columnar_run(lines: Iterable[tuple[float, list[_Glyph]]]) -> list[_Glyph]:
    """The glyphs of the lines, in the order given, up to the first one not set in columns:
    the rows of a table printed without rules between them. Nothing unless two lines are."""
    out: list[_Glyph] = []
    n = 0
    for _, glyphs in lines:
        if len(_columns(glyphs)) < 2:
            break
        out.extend(glyphs)
        n += 1
    return out if n >= 2 else []


def _three_line_table(
    run: list[tuple[float, float, list[_Glyph]]], x0: float, x1: float
) -> list[tuple[Box, list[list[Box | None]]]]:
    """A run of bands (the first the header, which may be set as one column) as a table, when
    it has a header and a body and the body stands in columns."""
    if len(run) < 2:
        return []
    body = [g for _, _, band in run[1:] for g in band]
    header = run[0][2]
    if run[0][0] == run[0][1]:  # a table's end, begun on the page before: no header here
        run = run[1:]
    cols = _columns(body)
    if len(cols) < 2:
        return []
    edges = [x0] + [_boundary(a[1], b[0], header) for a, b in itertools.pairwise(cols)] + [x1]
    rows: list[list[Box | None]] = [
        [(edges[c], top, edges[c + 1], bottom) for c in range(len(cols))] for top, bottom, _ in run
    ]
    return [((x0, run[0][0], x1, run[-1][1]), rows)]


def _boundary(lo: float, hi: float, header: Sequence[_Glyph]) -> float:
    """Where in the gap (lo, hi) between two body columns the column boundary goes: its middle,
    unless a header's words cross it (a wide header over a narrow label column), then the
    middle of the widest part of the gap the header leaves free."""
    free = [(lo, hi)]
    for a, b in _columns(header):
        free = [
            piece
            for f0, f1 in free
            for piece in ((f0, min(f1, a)), (max(f0, b), f1))
            if piece[1] > piece[0]
        ]
    f0, f1 = max(free, key=lambda f: f[1] - f[0], default=(lo, hi))
    return (f0 + f1) / 2
