"""PDF layout steps, each "given X, returns Y": chars → lines → paragraphs.

Kept free of any PDF library so each step can be tested on hand-made coordinates.
Coordinates are PDF points with the origin at the top-left of the page.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .headings import numbering_level
from .normalize import is_cjk

_ENDS_PARAGRAPH = "。！？；：!?;:"


@dataclass
class Char:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    space_before: bool = False
    confidence: float | None = None  # the OCR engine's score; None for a text layer


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int = 0
    confidence: float | None = None  # mean OCR score of its chars; None for a text layer


@dataclass
class TableRegion:
    x0: float
    top: float
    x1: float
    bottom: float
    rows: list[list[str]]
    page: int = 0
    cells: list[list[tuple[float, float, float, float] | None]] | None = None
    confidence: float | None = None  # mean OCR score of its chars; None for a text layer
    last_page: int = 0  # the page it ends on, when it runs on over a page break

    def __post_init__(self) -> None:
        self.last_page = max(self.last_page, self.page)

    def contains(self, ch: Char, pad: float = 1.0) -> bool:
        return _inside(ch, (self.x0, self.top, self.x1, self.bottom), pad)


def _inside(ch: Char, box: tuple[float, float, float, float], pad: float = 0.0) -> bool:
    cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
    x0, top, x1, bottom = box
    return x0 - pad <= cx <= x1 + pad and top - pad <= cy <= bottom + pad


Box = tuple[float, float, float, float]  # x0, top, x1, bottom


class _Grid:
    """A table's cells indexed by row band, with the boxes the detector left out filled in.

    pdfplumber gives `None` for a cell whose four rules are not all drawn: the spanned part of a
    merged cell, but also the outer columns of a table printed without side rules (黔东南's
    statistical bulletin). Such a gap gets the box its column and row imply, so the text there is
    kept in its cell, not dropped; a merged cell's own box still wins, being tried first.
    """

    def __init__(self, table: TableRegion) -> None:
        cells = table.cells or []
        n_cols = max((len(row) for row in cells), default=0)
        cols: list[tuple[float, float] | None] = [None] * n_cols
        bands: list[tuple[float, float] | None] = []
        for row in cells:
            band = None
            for c, box in enumerate(row):
                if box is None:
                    continue
                x0, top, x1, bottom = box
                if band is None or bottom - top < band[1] - band[0]:
                    band = (top, bottom)
                if cols[c] is None or x1 - x0 < cols[c][1] - cols[c][0]:
                    cols[c] = (x0, x1)
            bands.append(band)
        self.rows: list[list[Box]] = []  # per row: (box, column) tried in order
        self.bands = bands
        self.lookup: list[list[tuple[Box, int]]] = []
        for row, band in zip(cells, bands, strict=True):
            tries: list[tuple[Box, int]] = [(box, c) for c, box in enumerate(row) if box]
            if band is not None:
                for c, box in enumerate(row):
                    if box is None and cols[c] is not None:
                        tries.append(((cols[c][0], band[0], cols[c][1], band[1]), c))
            self.lookup.append(tries)
        # Merged cells reach below their row's band: tried for every row they cover.
        self.tall = [
            (box, r, c)
            for r, row in enumerate(cells)
            for c, box in enumerate(row)
            if box and bands[r] and box[3] > bands[r][1] + 1
        ]

    def locate(self, ch: Char) -> tuple[int, int] | None:
        mid = (ch.top + ch.bottom) / 2
        for r, band in enumerate(self.bands):
            if band is None or not band[0] - 1 <= mid <= band[1] + 1:
                continue
            for box, c in self.lookup[r]:
                if _inside(ch, box):
                    return r, c
        for box, r, c in self.tall:
            if _inside(ch, box):
                return r, c
        return None


def fill_tables(tables: Sequence[TableRegion], chars: Sequence[Char]) -> list[Char]:
    """Given tables with cell boxes, fills each cell with the chars inside it; returns the chars
    outside every cell. Merged cells (no box) stay empty, as in the printed table; a cell
    holding several rows printed without rules between them is split into those rows."""
    outside: list[Char] = []
    grids = [_Grid(table) for table in tables]
    buckets: dict[tuple[int, int, int], list[Char]] = {}
    for ch in chars:
        for t, table in enumerate(tables):
            if table.contains(ch):
                hit = grids[t].locate(ch)
                if hit is not None:
                    buckets.setdefault((t, *hit), []).append(ch)
                    break
        else:
            outside.append(ch)
    for t, table in enumerate(tables):
        rows: list[list[str]] = []
        for r, row in enumerate(table.cells or []):
            cell_lines = [group_lines(buckets.get((t, r, c), [])) for c in range(len(row))]
            rows.extend(_split_unruled_rows(cell_lines))
        table.rows = rows
    return outside


_NUMERIC_LINE = re.compile(r"^[-+−—]?[\d.,，%‰\s]+$")


def _split_unruled_rows(cell_lines: list[list[Line]]) -> list[list[str]]:
    """One ruled row whose cells hold several lines standing side by side (a body printed with
    no rules between its rows, a three-line table) becomes one row per printed line.

    Only when at least two cells hold the same number of lines at the same heights and one of
    them is a column of figures: wrapped text in a single cell keeps the row whole.
    """
    whole = [Paragraph(lines).text for lines in cell_lines]
    multi = [lines for lines in cell_lines if len(lines) >= 2]
    if len(multi) < 2 or not any(
        all(_NUMERIC_LINE.match(ln.text) for ln in lines) for lines in multi
    ):
        return [whole]
    # Line heights of the figure column (the most lines) are the rows.
    anchor = max(multi, key=len)
    mids = [(ln.top + ln.bottom) / 2 for ln in anchor]
    tol = 0.6 * min(ln.bottom - ln.top for ln in anchor)
    aligned = sum(
        1
        for lines in multi
        if all(min(abs((ln.top + ln.bottom) / 2 - m) for m in mids) <= tol for ln in lines)
    )
    if aligned < 2:
        return [whole]
    out: list[list[Line]] = [[] for _ in range(len(mids) * len(cell_lines))]
    n = len(cell_lines)
    for c, lines in enumerate(cell_lines):
        for ln in lines:
            mid = (ln.top + ln.bottom) / 2
            # A wrapped label's second line belongs to the row it starts in: nearest row above.
            above = [k for k, m in enumerate(mids) if m <= mid + tol]
            k = above[-1] if above else 0
            out[k * n + c].append(ln)
    return [[Paragraph(out[k * n + c]).text for c in range(n)] for k in range(len(mids))]


@dataclass
class Paragraph:
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Lines joined; a space only where Latin words wrap. In Chinese text a wrapped line
        never implies one, even between digits (`186` + `0个` is `1860个`)."""
        out = ""
        chinese = False
        for line in self.lines:
            if (
                out
                and not chinese
                and not is_cjk(out[-1])
                and not is_cjk(line.text[:1])
                and out[-1] != " "
            ):
                out += " "
            out += line.text
            chinese = chinese or any(is_cjk(ch) for ch in line.text)
        return out

    @property
    def page(self) -> int:
        return self.lines[0].page

    @property
    def confidence(self) -> float | None:
        """The char-weighted mean OCR score of its lines; None when read from a text layer."""
        weighted = [(len(ln.text), ln.confidence) for ln in self.lines if ln.confidence is not None]
        total = sum(n for n, _ in weighted)
        return round(sum(n * c for n, c in weighted) / total, 3) if total else None


def dedupe_chars(chars: Iterable[Char], tolerance: float = 1.0) -> tuple[list[Char], int]:
    """Drops glyphs printed twice at (nearly) the same place: fake bold, overprinted titles."""
    seen: set[tuple[str, int, int]] = set()
    kept: list[Char] = []
    removed = 0
    for ch in chars:
        gx, gy = round(ch.x0 / tolerance), round(ch.top / tolerance)
        if any((ch.text, gx + dx, gy + dy) in seen for dx in (-1, 0, 1) for dy in (-1, 0, 1)):
            removed += 1
            continue
        seen.add((ch.text, gx, gy))
        kept.append(ch)
    return kept, removed


def _spaced(a: Char, b: Char) -> bool:
    """A word gap between narrow glyphs. Wide glyphs (CJK, full-width forms) carry their own
    side bearings, so a gap next to one is not a space."""
    if ord(a.text) >= 0x2E80 or ord(b.text) >= 0x2E80:
        return b.x0 - a.x1 > 1.0 * max(a.size, b.size, 1.0)
    return b.x0 - a.x1 > 0.3 * max(a.size, b.size, 1.0)


_NUMBER_MARKS = frozenset(".,．，")


def _inside_number(row: Sequence[Char], i: int) -> bool:
    """Is the gap before `row[i]` one between a digit and the decimal point or thousands
    separator of the same number (`705, 443. 00` as printed by fonts whose point and comma have
    a full-width advance but a narrow ink box)? Such a gap is part of the number's spacing."""
    a, b = row[i - 1].text, row[i].text
    if a in _NUMBER_MARKS and b.isdigit():
        return i >= 2 and row[i - 2].text.isdigit()
    if a.isdigit() and b in _NUMBER_MARKS:
        return i + 1 < len(row) and row[i + 1].text.isdigit()
    return False


def _word_break(row: Sequence[Char], i: int) -> bool:
    """Does a space go before `row[i]`? Inside a number only a gap wider than a full-width
    character counts (a column gap in a table set tight), whatever the text layer says."""
    prev, ch = row[i - 1], row[i]
    if _inside_number(row, i):
        return ch.x0 - prev.x1 > 1.0 * max(prev.size, ch.size, 1.0)
    return ch.space_before or _spaced(prev, ch)


def group_lines(chars: Sequence[Char], page: int = 0) -> list[Line]:
    """Given chars in any order, returns text lines top-to-bottom, each read left-to-right."""
    ordered = sorted(chars, key=lambda c: (c.top + c.bottom) / 2)
    rows: list[list[Char]] = []
    row_top = row_bottom = 0.0
    for ch in ordered:
        mid = (ch.top + ch.bottom) / 2
        if rows and row_top <= mid <= row_bottom:
            rows[-1].append(ch)
            row_top, row_bottom = min(row_top, ch.top), max(row_bottom, ch.bottom)
        else:
            rows.append([ch])
            row_top, row_bottom = ch.top, ch.bottom
    lines = []
    for row in rows:
        row.sort(key=lambda c: c.x0)
        text = ""
        for i, ch in enumerate(row):
            if i and _word_break(row, i):
                text += " "
            text += ch.text
        text = text.strip()
        if not text:
            continue
        sizes = sorted(c.size for c in row)
        scores = [c.confidence for c in row if c.confidence is not None]
        lines.append(
            Line(
                text,
                row[0].x0,
                max(c.x1 for c in row),
                min(c.top for c in row),
                max(c.bottom for c in row),
                sizes[len(sizes) // 2],
                page,
                sum(scores) / len(scores) if scores else None,
            )
        )
    return lines


@dataclass
class Margins:
    """A page's body geometry: text edges and the usual gap between the lines of a paragraph."""

    left: float
    right: float
    gap: float = 0.0
    body_size: float = 0.0

    @classmethod
    def of(cls, lines: Sequence[Line]) -> Margins:
        """Most lines start at `left` (or an indent) and run to `right`."""
        if not lines:
            return cls(0.0, 0.0)
        xs0 = sorted(line.x0 for line in lines)
        xs1 = sorted(line.x1 for line in lines)
        gaps = sorted(b.top - a.bottom for a, b in itertools.pairwise(lines) if b.top > a.bottom)
        gap = gaps[len(gaps) // 2] if gaps else 0.0
        sizes = sorted(line.size for line in lines)
        return cls(xs0[len(xs0) // 10], xs1[(len(xs1) * 9) // 10], gap, sizes[len(sizes) // 2])

    def centered(self, line: Line) -> bool:
        gap_left, gap_right = line.x0 - self.left, self.right - line.x1
        return gap_left > 2 * line.size and abs(gap_left - gap_right) < 2 * line.size


def _continues(prev: Line, pm: Margins, line: Line, lm: Margins) -> bool:
    """Does `line` carry on the paragraph whose last line is `prev`? (possibly across a page)"""
    size = max(prev.size, line.size, 1.0)
    if abs(prev.size - line.size) > 0.15 * size:
        return False
    same_page = prev.page == line.page
    if same_page and ((pm.centered(prev) and lm.centered(line)) or prev.size > 1.2 * pm.body_size):
        # A title or heading set large or centred, wrapped over several lines.
        return line.top - prev.bottom < 1.0 * size
    if prev.page == line.page and line.top - prev.bottom > max(0.6 * size, 1.5 * pm.gap) + 1:
        return False
    # The previous line stopped short. Ragged right edges (no justification, punctuation kept
    # off line starts) leave up to two characters free on full lines.
    if prev.x1 < pm.right - 2.5 * prev.size:
        return False
    if line.x0 > lm.left + 0.8 * line.size:  # first-line indent: a new paragraph
        return False
    return not (numbering_level(line.text) and prev.text.endswith(tuple(_ENDS_PARAGRAPH)))


def page_margins(pages: Sequence[Sequence[Line | TableRegion]]) -> list[Margins]:
    return [Margins.of([i for i in items if isinstance(i, Line)]) for items in pages]


def join_paragraphs(
    pages: Sequence[Sequence[Line | TableRegion]], margins: Sequence[Margins] | None = None
) -> list[Paragraph | TableRegion]:
    """Given each page's body lines and tables in reading order (and their margins, if the
    caller has them), returns paragraphs and tables.

    Paragraphs are rejoined across line wraps and page breaks; a table closes the paragraph
    before it.
    """
    if margins is None:
        margins = page_margins(pages)
    out: list[Paragraph | TableRegion] = []
    current: Paragraph | None = None
    prev_margins: Margins | None = None
    for items, m in zip(pages, margins, strict=True):
        for item in items:
            if isinstance(item, TableRegion):
                out.append(item)
                current = None
                continue
            if current and prev_margins and _continues(current.lines[-1], prev_margins, item, m):
                current.lines.append(item)
            else:
                current = Paragraph([item])
                out.append(current)
            prev_margins = m
    return out
