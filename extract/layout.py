"""PDF layout steps, each "given X, returns Y": chars → lines → paragraphs.

Kept free of any PDF library so each step can be tested on hand-made coordinates.
Coordinates are PDF points with the origin at the top-left of the page.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .headings import numbering_level
from .normalize import CJK, is_cjk


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
    # A gap of more than two characters inside the line: columns of a table printed without
    # rules, or a label and its figure set apart; such a line is a row, never part of a sentence.
    columns: bool = False


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


BUCKET = 8.0  # points: the height of a slice of the page in a table's row index


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
        self.bands = bands
        # Merged cells reach below their row's band: tried for every row they cover.
        self.tall = [
            (box, r, c)
            for r, row in enumerate(cells)
            for c, box in enumerate(row)
            if box and bands[r] and box[3] > bands[r][1] + 1
        ]
        self.lookup: list[list[tuple[Box, int]]] = []
        for row, band in zip(cells, bands, strict=True):
            tries: list[tuple[Box, int]] = [(box, c) for c, box in enumerate(row) if box]
            if band is not None:
                for c, box in enumerate(row):
                    if box is not None or cols[c] is None:
                        continue
                    guess = (cols[c][0], band[0], cols[c][1], band[1])
                    if not any(_overlaps(guess, tall) for tall, _, _ in self.tall):
                        tries.append((guess, c))
            self.lookup.append(tries)
        # The rows whose band reaches into each BUCKET-point slice of the page: a char is
        # tried against the rows of its slice only, not every row of the table.
        self.buckets: dict[int, list[int]] = {}
        for r, band in enumerate(bands):
            if band is not None:
                for k in range(int((band[0] - 1) // BUCKET), int((band[1] + 1) // BUCKET) + 1):
                    self.buckets.setdefault(k, []).append(r)

    def locate(self, ch: Char) -> tuple[int, int] | None:
        mid = (ch.top + ch.bottom) / 2
        for r in self.buckets.get(int(mid // BUCKET), ()):
            band = self.bands[r]
            if not band[0] - 1 <= mid <= band[1] + 1:
                continue
            for box, c in self.lookup[r]:
                if _inside(ch, box):
                    return r, c
        for box, r, c in self.tall:
            if _inside(ch, box):
                return r, c
        return None


def _overlaps(a: Box, b: Box) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1


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
    def box(self) -> Box | None:
        """The union of its lines' boxes on its first page (x0, top, x1, bottom, points): where
        the passage starts, the page a passage is shown on."""
        lines = [ln for ln in self.lines if ln.page == self.lines[0].page] if self.lines else []
        if not lines:
            return None
        return (
            min(ln.x0 for ln in lines),
            min(ln.top for ln in lines),
            max(ln.x1 for ln in lines),
            max(ln.bottom for ln in lines),
        )

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
    # Per text, the grid cells it was kept in, each cell as one int (no tuple per neighbour:
    # this runs for every character of every page).
    seen: dict[str, set[int]] = {}
    kept: list[Char] = []
    removed = 0
    stride = 1 << 32  # cells are within ±2**31 of 0: a page is at most 14,400 pt
    near = [dx * stride + dy for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    for ch in chars:
        cell = round(ch.x0 / tolerance) * stride + round(ch.top / tolerance)
        cells = seen.get(ch.text)
        if cells is None:
            seen[ch.text] = {cell}
        else:
            for d in near:
                if cell + d in cells:
                    break
            else:
                cells.add(cell)
                kept.append(ch)
                continue
            removed += 1
            continue
        kept.append(ch)
    return kept, removed


_NUMBER_MARKS = frozenset(".,．，")
_CJK_MATCH = re.compile(f"[{CJK}]").match  # normalize.is_cjk's test


def group_lines(chars: Sequence[Char], page: int = 0) -> list[Line]:
    """Given chars in any order, returns text lines top-to-bottom, each read left-to-right.

    A space goes between two chars of a row where the text layer says so or where they stand a
    word gap apart: more than 0.3 of their size between narrow glyphs, a full size next to a wide
    one (CJK and full-width forms carry their own side bearings). Inside a number (`705, 443. 00`
    from fonts whose point and comma have a full-width advance but a narrow ink box) only a gap
    wider than a full-width character counts, whatever the text layer says: a column gap in a
    table set tight. The tests are inline: this runs for every char of every page and cell."""
    ordered = sorted(chars, key=lambda c: (c.top + c.bottom) / 2)
    rows: list[list[Char]] = []
    row_top = row_bottom = 0.0
    for ch in ordered:
        mid = (ch.top + ch.bottom) / 2
        if rows and row_top <= mid <= row_bottom:
            rows[-1].append(ch)
            # min() and max() of two, without the calls
            if ch.top < row_top:
                row_top = ch.top
            if ch.bottom > row_bottom:
                row_bottom = ch.bottom
        else:
            rows.append([ch])
            row_top, row_bottom = ch.top, ch.bottom
    cjk = _CJK_MATCH
    marks = _NUMBER_MARKS
    lines = []
    for row in rows:
        row.sort(key=lambda c: c.x0)
        parts: list[str] = []
        columns = False
        last = len(row) - 1
        prev = row[0]
        parts.append(prev.text)
        for i in range(1, last + 1):
            ch = row[i]
            a, b = prev.text, ch.text
            gap = ch.x0 - prev.x1
            number = (a in marks and b.isdigit() and i >= 2 and row[i - 2].text.isdigit()) or (
                a.isdigit() and b in marks and i < last and row[i + 1].text.isdigit()
            )  # a digit and the point or separator of the same number
            if ch.space_before and not number:
                brk = True
            else:
                widest = prev.size  # max(prev.size, ch.size, 1.0), without the call
                if ch.size > widest:
                    widest = ch.size
                if widest < 1.0:
                    widest = 1.0
                if number or ord(a) >= 0x2E80 or ord(b) >= 0x2E80:  # or a wide glyph
                    brk = gap > 1.0 * widest
                else:
                    brk = gap > 0.3 * widest
            if brk:
                parts.append(" ")
                columns = columns or gap > 2.0 * max(ch.size, 1.0)
            parts.append(b)
            prev = ch
        text = "".join(parts).strip()
        if not text:
            continue
        # The size of a line is its Chinese characters' where it has any: a Latin font's loose
        # box is taller, and a line of figures (`到 97%。`) must not read as another size.
        sizes = sorted(c.size for c in row if cjk(c.text)) or sorted(c.size for c in row)
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
                columns,
            )
        )
    return lines


_MARKS = re.compile(r"[\d\s,，*]{1,12}")


def drop_raised_marks(lines: list[Line]) -> tuple[list[Line], int]:
    """Drops lines that are only footnote reference marks printed raised in small type between
    two lines of a paragraph (`…占全市人口` | `2 3` | `的45.0%，…`): digits at most 0.6 of the
    size of the line they touch, which ends at most half their height below them. Returns the
    lines kept and the number of marks dropped (the footnotes themselves keep their numbers)."""
    kept: list[Line] = []
    for i, line in enumerate(lines):
        after = lines[i + 1] if i + 1 < len(lines) else None
        if (
            after is not None
            and _MARKS.fullmatch(line.text)
            and line.size <= 0.6 * after.size
            and after.top - line.bottom < 0.5 * line.size
            and after.x0 < line.x0
            and line.x1 < after.x1
        ):
            continue
        kept.append(line)
    return kept, len(lines) - len(kept)


@dataclass
class Margins:
    """A page's body geometry: text edges and the usual gap between the lines of a paragraph."""

    left: float
    right: float
    gap: float = 0.0
    body_size: float = 0.0
    pitch: float = 0.0  # the usual distance from one line's top to the next's in a paragraph

    @classmethod
    def of(cls, lines: Sequence[Line]) -> Margins:
        """Most lines start at `left` (or an indent) and run to `right`."""
        if not lines:
            return cls(0.0, 0.0)
        xs0 = sorted(line.x0 for line in lines)
        xs1 = sorted(line.x1 for line in lines)
        gaps = sorted(b.top - a.bottom for a, b in itertools.pairwise(lines) if b.top > a.bottom)
        gap = gaps[len(gaps) // 2] if gaps else 0.0
        left, right = xs0[len(xs0) // 10], xs1[(len(xs1) * 9) // 10]
        # The body is the size most of the text is set in (not most lines: a table's rows are
        # many short lines), and its pitch is measured between the full lines of paragraphs.
        weight: Counter[float] = Counter()
        for line in lines:
            weight[round(line.size * 2) / 2] += len(line.text)
        bucket = weight.most_common(1)[0][0]
        in_bucket = sorted(ln.size for ln in lines if round(ln.size * 2) / 2 == bucket)
        body = in_bucket[len(in_bucket) // 2]
        pitches = sorted(
            b.top - a.top
            for a, b in itertools.pairwise(lines)
            if 0 < b.top - a.top < 3 * body
            and abs(a.size - body) < 0.1 * body
            and abs(b.size - body) < 0.1 * body
            and a.x1 >= right - 2.5 * body
        )
        pitch = pitches[len(pitches) // 2] if pitches else 0.0
        return cls(left, right, gap, body, pitch)

    def centered(self, line: Line) -> bool:
        gap_left, gap_right = line.x0 - self.left, self.right - line.x1
        return (
            gap_left > 2 * line.size
            and gap_right > 2 * line.size
            and abs(gap_left - gap_right) < 2 * line.size
        )


_CLOSERS = "”’\"'」』）)】》〕"
_SENTENCE_ENDS = "。！？；：!?;:…"


def ends_sentence(text: str) -> bool:
    """Does the text end a sentence: 。！？；： (or their half-width forms), possibly followed by a
    closing quote or bracket? A `.` after a Chinese character counts too: some fonts encode the
    printed 。 as `.` (ocrplayground__Shanxi.pdf)."""
    stripped = text.rstrip()
    core = stripped.rstrip(_CLOSERS)
    if not core:
        return False
    if core[-1] in _SENTENCE_ENDS:
        return True
    return core[-1] == "." and len(core) >= 2 and is_cjk(core[-2])


# What a line may start with that the previous line had no room for: a figure with its unit
# mark and the punctuation that may not begin a line, a Latin word, or one Chinese character
# kept with the figure that follows it (`到97%。`).
_FIRST_TOKEN = re.compile(
    r"^(?:[\u4e00-\u9fff](?=[\d０-９]))?[\w.,．，%‰+\-−/:～~]*?[\d０-９A-Za-z][\w.,．%‰+\-−/～~]*"
    r"[%‰]?[。，、；：！？”’）)]*"
)


def _first_token_width(text: str, size: float) -> float:
    """The printed width of what begins `text` and could not be broken: a number or Latin word
    with the punctuation glued to it, else a Chinese character with any closing punctuation."""
    match = _FIRST_TOKEN.match(text)
    token = match.group() if match else re.match(r"^.[。，、；：！？”’）)]*", text).group()
    return sum(size if ord(ch) >= 0x2E80 else 0.55 * size for ch in token)


def _has_cjk(text: str) -> bool:
    return any(is_cjk(ch) for ch in text)


def _paragraph_gap(prev: Line, line: Line, m: Margins, size: float) -> bool:
    """More space between the lines than between the lines of a paragraph. Measured top to top
    where the page has a regular line pitch: loose boxes of mixed fonts make gaps unreliable."""
    if m.pitch and abs(prev.size - m.body_size) < 0.15 * m.body_size:
        return line.top - prev.top > 1.35 * m.pitch + 1
    return line.top - prev.bottom > max(0.6 * size, 1.5 * m.gap) + 1


def _continues(prev: Line, pm: Margins, line: Line, lm: Margins) -> bool:
    """Does `line` carry on the paragraph whose last line is `prev`? (possibly across a page)

    Chinese body text wraps anywhere, so the text decides first: a line that does not end a
    sentence runs on, unless the next line starts a block of its own (an indent, a numbering,
    another size, centred, a row of figures, a paragraph gap). The width of the line is only a
    hint: a line ending short without punctuation runs on only when what starts the next line
    (a long number, `100%。`) would not have fitted in the space left (Word printed by
    LibreOffice), so an unpunctuated heading on its own line stays apart.
    """
    size = max(prev.size, line.size, 1.0)
    both_chinese = _has_cjk(prev.text) and _has_cjk(line.text)
    if both_chinese and abs(prev.size - line.size) > 0.15 * size:
        return False
    if prev.columns or line.columns:
        return False
    same_page = prev.page == line.page
    prev_centered, line_centered = pm.centered(prev), lm.centered(line)
    if same_page and ((prev_centered and line_centered) or prev.size > 1.2 * pm.body_size):
        # A title or heading set large or centred, wrapped over several lines.
        return line.top - prev.bottom < 1.0 * size
    # The first line of a paragraph indented two characters and ending short looks centred.
    indented_start = abs(prev.x0 - pm.left - 2 * prev.size) < 0.6 * prev.size
    if (prev_centered and not indented_start) or line_centered:
        return False
    if same_page and _paragraph_gap(prev, line, pm, size):
        return False
    if line.x0 > lm.left + 0.8 * line.size:  # first-line indent: a new paragraph
        return False
    if prev.x0 > pm.left + 4 * prev.size and prev.x1 < pm.right - 2.5 * prev.size:
        return False  # a short line set apart on the right: a signature, a date, a unit
    full = prev.x1 >= pm.right - 2.5 * prev.size
    if ends_sentence(prev.text):
        # A sentence ending a full line may still be followed by more of the paragraph.
        return full and not numbering_level(line.text)
    if full:
        return True
    free = pm.right - prev.x1
    return not numbering_level(line.text) and _first_token_width(line.text, line.size) > free


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
