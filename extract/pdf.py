"""PDF reader: pypdfium2 for characters, their boxes and the page's ruling lines.

pdfium reads a page's text with positions in a few milliseconds, while pdfplumber's layout
analysis costs a few hundred. Tables are found from the straight segments of pdfium's path
objects (extract/rules.py), so each page is parsed once; pdfplumber is opened lazily only when
pdfium cannot give a page's drawing (bench/README.md has the figures, docs/extraction.md the
table design).
"""

from __future__ import annotations

import ctypes
import logging
import math
from pathlib import Path
from types import MappingProxyType

from .document import PageInfo
from .errors import CorruptDocument, EncryptedDocument
from .formats import Signature
from .furniture import furniture_lines
from .layout import (
    Char,
    Line,
    Paragraph,
    TableRegion,
    dedupe_chars,
    drop_raised_marks,
    fill_tables,
    group_lines,
    join_paragraphs,
    page_margins,
)
from .limits import Limits
from .normalize import count_cjk, is_cjk
from .ocr import OcrFailed, low_confidence_warning, read_pdf_page, should_ocr
from .rules import Segment, ruled_tables, rules_from_segments, three_line_tables
from .structure import RawBlock, ReaderOutput

log = logging.getLogger(__name__)

MIN_TABLE_PATHS = 2  # path objects needed before a page's drawing is read for tables
# "pdfium": ruling lines from pdfium's path objects; "pdfplumber": pdfminer's parse of the page
# through pdfplumber, the design before issue 14, kept as the fallback and as the bench's baseline.
TABLE_FINDER = "pdfium"
MAX_SEGMENTS = 20000
FOOTER_ZONE = 0.9  # below this share of the page's height: the footer  # a drawing (map, chart) with more straight segments holds no table we read
OUTLINED_TEXT_PATHS = 100  # paths on a page without text: its text was drawn as outlines
OCR_MIN_CHARS = 20  # fewer real characters than this on a page with an image: needs OCR
GARBLED_SHARE = 0.10  # more unreadable glyphs than this share: the text layer is garbage


def _control(code: int) -> bool:
    """A control character or U+FFFD: nothing a reader prints, dropped and counted as garbage."""
    return code < 0x20 or 0x7F <= code <= 0x9F or code == 0xFFFD


def _private(code: int) -> bool:
    """A private-use code point: kept only where it prints a decimal point (`_private_points`)."""
    return code >= 0xF0000 or 0xE000 <= code <= 0xF8FF


class PdfReader:
    # The header may follow some junk: readers accept %PDF- within the first 1 KB.
    signatures = (Signature("pdf", "PDF", magic=(b"%PDF-",), within=1024),)
    accepts = MappingProxyType({".pdf": ("pdf",)})

    def read(self, path: Path, limits: Limits) -> ReaderOutput:
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise EncryptedDocument(path, "password-protected; no password is tried") from exc
            raise CorruptDocument(path, f"PDF cannot be opened: {exc}") from exc
        try:
            return self._read(pdf, path, limits)
        finally:
            pdf.close()

    def _read(self, pdf, path: Path, limits: Limits) -> ReaderOutput:
        import pypdfium2 as pdfium

        n_pages = len(pdf)
        if n_pages == 0:
            raise CorruptDocument(path, "the PDF has no pages")
        used = min(n_pages, limits.max_pages)
        warnings: list[str] = []
        if used < n_pages:
            warnings.append(f"only the first {used} of {n_pages} pages were read (page limit)")

        page_lines: list[list[Line]] = []
        page_tables: list[list[TableRegion]] = []
        heights: list[float] = []
        infos: list[PageInfo] = []
        plumber = _LazyPlumber(path)
        unreadable: set[int] = set()
        try:
            for index in range(used):
                try:
                    lines, tables, height, info = self._read_page(pdf, index, plumber, warnings)
                except pdfium.PdfiumError as exc:
                    # One damaged page costs that page, not the document.
                    warnings.append(f"page {index + 1} could not be read: {exc}")
                    lines, tables, height = [], [], 842.0
                    info = PageInfo(number=index + 1, garbled=True)
                    unreadable.add(index + 1)
                if index + 1 not in unreadable and should_ocr(info, limits.ocr):
                    read = _ocr_page(pdf, index, info, warnings)
                    if read is not None:
                        lines, tables, height = read
                page_lines.append(lines)
                page_tables.append(tables)
                heights.append(height)
                infos.append(info)
        finally:
            plumber.close()
        if len(unreadable) == used:
            raise CorruptDocument(path, "no page of the PDF could be loaded")

        raw_blocks = blocks_from_pages(page_lines, page_tables, heights, infos)
        for info in infos:
            if info.number in unreadable:
                continue  # said above
            if info.needs_ocr:
                off = " (OCR is off)" if limits.ocr == "never" else ""
                warnings.append(f"page {info.number} has no text layer: needs OCR{off}")
            elif info.garbled:
                warnings.append(f"page {info.number}: the text layer is unreadable (font encoding)")
            if info.repeated_lines:
                warnings.append(
                    f"page {info.number} reprints {info.repeated_lines} lines of page"
                    f" {info.number - 1}: kept once"
                )
        return ReaderOutput(raw_blocks, n_pages, warnings, infos, truncated=used < n_pages)

    def _read_page(self, pdf, index: int, plumber: _LazyPlumber, warnings: list[str]):
        import pypdfium2 as pdfium

        number = index + 1
        page = pdf[index]
        try:
            width, height = page.get_size()
            rotation = page.get_rotation() % 360
            x_min, y_min, x_max, y_max = page.get_mediabox()
            textpage = page.get_textpage()
            try:
                chars, garbage = _page_chars(textpage, rotation, x_max - x_min, y_max - y_min)
            finally:
                textpage.close()
            paths: list = []
            n_images, image_area = _page_objects(page.raw, paths)
            n_paths = len(paths)
            wants_tables = n_paths >= MIN_TABLE_PATHS and bool(chars) and rotation == 0
            segments: list[Segment] | None = None
            if wants_tables and TABLE_FINDER == "pdfium":
                try:
                    segments = _path_segments(paths, y_max - y_min)
                except (pdfium.PdfiumError, OSError, ValueError):
                    segments = None  # pdfplumber reads the drawing instead
        finally:
            page.close()

        chars, duplicates = dedupe_chars(chars)
        tables: list[TableRegion] = []
        if wants_tables and segments is None:
            tables = plumber.tables(index, warnings)
        elif segments:
            tables = _tables_from_segments(segments, chars, number, y_max - y_min)
        if tables:
            chars = fill_tables(tables, chars)
        lines, _ = drop_raised_marks(group_lines(chars, number))
        page_text = "".join(line.text for line in lines) + "".join(
            cell for t in tables for row in t.rows for cell in row
        )
        text_chars = len(page_text.replace(" ", ""))
        info = PageInfo(
            number=number,
            chars=text_chars + garbage,
            cjk_chars=count_cjk(page_text),  # table cells included, as in `chars`
            garbage_chars=garbage,
            duplicates_removed=duplicates,
            images=n_images,
            tables=len(tables),
        )
        # Text printed as a picture, or as glyph outlines drawn path by path (ocrplayground's
        # Guangdong_test.pdf: 500-600 paths a page and no text layer at all).
        info.needs_ocr = text_chars < OCR_MIN_CHARS and (
            (n_images > 0 and image_area > 0.1 * width * height) or n_paths >= OUTLINED_TEXT_PATHS
        )
        info.garbled = (
            not info.needs_ocr and info.chars > 0 and garbage / info.chars > GARBLED_SHARE
        )
        return lines, tables, height, info


def blocks_from_pages(
    page_lines: list[list[Line]],
    page_tables: list[list[TableRegion]],
    heights: list[float],
    infos: list[PageInfo],
) -> list[RawBlock]:
    """Given each page's lines and tables (from a text layer or OCR), returns raw blocks in
    reading order: furniture dropped, lines rejoined into paragraphs across pages."""
    drop = furniture_lines(page_lines, heights)
    pages_items: list[list[Line | TableRegion]] = []
    previous: list[Line] = []
    for lines, tables, dropped, info in zip(page_lines, page_tables, drop, infos, strict=True):
        info.furniture_lines = len(dropped)
        body = [line for i, line in enumerate(lines) if i not in dropped]
        repeated = reprinted_lines(previous, body)
        info.repeated_lines = repeated
        previous, body = body, body[repeated:]
        items: list[Line | TableRegion] = [*body, *tables]
        items.sort(key=lambda item: item.top)
        pages_items.append(items)

    raw_blocks: list[RawBlock] = []
    margins = page_margins(pages_items)
    for item in merge_continued_tables(join_paragraphs(pages_items, margins)):
        if isinstance(item, TableRegion):
            raw_blocks.append(
                RawBlock(
                    "table",
                    page=item.page,
                    rows=item.rows,
                    confidence=item.confidence,
                    box=(item.x0, item.top, item.x1, item.bottom)
                    if item.last_page == item.page
                    else None,
                )
            )
            continue
        assert isinstance(item, Paragraph)
        first = item.lines[0]
        raw_blocks.append(
            RawBlock(
                "paragraph",
                item.text,
                page=item.page,
                size=first.size,
                centered=margins[first.page - 1].centered(first),
                confidence=item.confidence,
                box=item.box,
            )
        )
    return raw_blocks


REPRINT_MIN_LINES = 3  # a run this long, and this many characters, is a reprint, not a phrase
REPRINT_MIN_CHARS = 60


def reprinted_lines(previous: list[Line], lines: list[Line]) -> int:
    """How many lines at the top of a page repeat the previous page's text: a page printed
    again from the middle of the one before (a reprinted half page). Short runs (a repeated
    table label, a heading) do not count."""
    seen = {line.text for line in previous}
    n = 0
    while n < len(lines) and lines[n].text in seen:
        n += 1
    chars = sum(len(line.text) for line in lines[:n])
    return n if n >= REPRINT_MIN_LINES and chars >= REPRINT_MIN_CHARS else 0


def merge_continued_tables(items: list[Paragraph | TableRegion]) -> list[Paragraph | TableRegion]:
    """A table that ends one page and one that starts the next, with nothing between them and
    the same columns, are one table broken by the page: merged, its header row dropped where the
    next page repeats it."""
    out: list[Paragraph | TableRegion] = []
    for item in items:
        prev = out[-1] if out else None
        if (
            isinstance(item, TableRegion)
            and isinstance(prev, TableRegion)
            and item.page == prev.last_page + 1
            and item.rows
            and prev.rows
            and abs(item.x0 - prev.x0) < 6
            and abs(item.x1 - prev.x1) < 6
            and _same_columns(prev, item)
        ):
            header = int(item.rows[0] == prev.rows[0])
            rows = item.rows[header:]
            boxes = item.cells[header] if item.cells and len(item.cells) > header else None
            if rows and boxes and _row_broken_by_page(prev.rows[-1], rows[0], boxes):
                prev.rows[-1] = [a + b for a, b in zip(prev.rows[-1], rows[0], strict=True)]
                rows = rows[1:]
            prev.rows = prev.rows + rows
            prev.last_page = item.page
            continue
        out.append(item)
    return out


def _same_columns(prev: TableRegion, item: TableRegion) -> bool:
    """Do the two pieces have the same columns? When their counts differ, a column empty in
    every row (a sliver between a rule and the shading of a header) is dropped from each."""
    if len(item.rows[0]) == len(prev.rows[0]):
        return True
    keeps = [
        [c for c in range(len(t.rows[0])) if any(c < len(r) and r[c] for r in t.rows)]
        for t in (prev, item)
    ]
    if len(keeps[0]) != len(keeps[1]):
        return False
    for table, keep in zip((prev, item), keeps, strict=True):
        table.rows = [[r[c] if c < len(r) else "" for c in keep] for r in table.rows]
        table.cells = None  # the boxes no longer match the columns
    return True


def _row_broken_by_page(last: list[str], first: list[str], boxes: list) -> bool:
    """Is the first row of a table's next page the rest of the row that ends the page before (a
    row allowed to break across pages: `社会保障和就业支` | `出19`)? It has a cell for every
    column (a full-width sub-header is one merged cell, kept as a row) and is empty where the
    row it continues is filled (most of its cells empty: the wrapped text of one or two)."""
    return (
        len(last) == len(first) == len(boxes)
        and all(box is not None for box in boxes)
        and 0 < sum(map(bool, first)) <= len(first) // 2
        and sum(map(bool, first)) < sum(map(bool, last))
        and any(not b and a for a, b in zip(last, first, strict=True))
    )


def _ocr_page(
    pdf, index: int, info: PageInfo, warnings: list[str]
) -> tuple[list[Line], list[TableRegion], float] | None:
    """Reads page `index` by OCR and records it in `info`; None (text layer kept) when the
    engine fails, or finds nothing where the text layer had something."""
    import pypdfium2 as pdfium

    number = index + 1
    try:
        page = read_pdf_page(pdf, index)
    except (OcrFailed, pdfium.PdfiumError) as exc:
        warnings.append(f"page {number}: OCR failed ({exc})")
        return None
    if not page.chars and not info.needs_ocr:
        return None  # nothing read where a text layer was, even a garbled one: keep it, flagged
    if info.garbled:
        warnings.append(f"page {number}: the text layer is unreadable (font encoding); read by OCR")
    info.ocr = True
    info.ocr_confidence = page.confidence
    info.chars, info.cjk_chars = page.chars, page.cjk_chars
    info.garbage_chars = info.duplicates_removed = 0
    info.tables = len(page.tables)
    info.needs_ocr = info.garbled = False
    low = low_confidence_warning(number, page.confidence)
    if low:
        warnings.append(low)
    return page.lines, page.tables, page.height


def _page_objects(page_raw, paths: list) -> tuple[int, float]:
    """Walks a page's objects and those of its forms (one level down, as pdfium's own walk
    with max_depth=2): appends each path object with its matrix to page space to `paths`;
    returns the number of images and the area they cover."""
    import pypdfium2.raw as raw

    n_images = 0
    image_area = 0.0
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    matrix = raw.FS_MATRIX()
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

    def walk(count, get, parent, outer, level) -> None:
        nonlocal n_images, image_area
        for i in range(count(parent)):
            obj = get(parent, i)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_PATH:
                paths.append((obj, outer))
            elif kind == raw.FPDF_PAGEOBJ_IMAGE:
                n_images += 1
                raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
                image_area += max(0.0, right.value - left.value) * max(
                    0.0, top.value - bottom.value
                )
            elif kind == raw.FPDF_PAGEOBJ_FORM and level < 1:
                inner = identity
                if raw.FPDFPageObj_GetMatrix(obj, matrix):
                    inner = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
                walk(
                    raw.FPDFFormObj_CountObjects,
                    raw.FPDFFormObj_GetObject,
                    obj,
                    compose(inner, outer),
                    level + 1,
                )

    walk(raw.FPDFPage_CountObjects, raw.FPDFPage_GetObject, page_raw, identity, 0)
    return n_images, image_area


Matrix = tuple[float, float, float, float, float, float]


def compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix applying `inner`, then `outer` (PDF's and OFD's row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _path_segments(paths: list, h0: float) -> list[Segment]:
    """The straight segments of the page's path objects in page space (top-left origin): each
    line drawn, each side of a rectangle, the chords of a curve (as pdfplumber reads curves).
    Empty when the drawing is too large to be a table's (a map, a chart)."""
    import pypdfium2.raw as raw

    x, y = ctypes.c_float(), ctypes.c_float()
    matrix = raw.FS_MATRIX()
    out: list[Segment] = []
    moveto = raw.FPDF_SEGMENT_MOVETO
    for obj, outer in paths:
        n = raw.FPDFPath_CountSegments(obj)
        if n <= 0:
            continue
        if len(out) + n > MAX_SEGMENTS:
            return []
        m = outer
        if raw.FPDFPageObj_GetMatrix(obj, matrix):
            m = compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
        a, b, c, d, e, f = m
        start = last = None
        for i in range(n):
            seg = raw.FPDFPath_GetPathSegment(obj, i)
            if not raw.FPDFPathSegment_GetPoint(seg, x, y):
                continue
            px, py = x.value, y.value
            point = (a * px + c * py + e, h0 - (b * px + d * py + f))
            if raw.FPDFPathSegment_GetType(seg) == moveto or last is None:
                start = point
            else:
                out.append((last[0], last[1], point[0], point[1]))
            last = point
            if raw.FPDFPathSegment_GetClose(seg) and start is not None and start != point:
                out.append((point[0], point[1], start[0], start[1]))
                last = start
    return out


def _tables_from_segments(
    segments: list[Segment], chars: list[Char], page: int, height: float
) -> list[TableRegion]:
    """Ruled tables (a grid of rules) and three-line tables (rules across, none down) of a
    page, from its straight segments."""
    rules = rules_from_segments(segments)
    regions = []
    grids = ruled_tables(rules)
    for (x0, top, x1, bottom), cells in grids:
        if max(len(r) for r in cells) < 2:
            continue  # a frame or a box around text, not a table
        if len(cells) < 2 and any(
            bottom < (c.top + c.bottom) / 2 < FOOTER_ZONE * height for c in chars
        ):
            continue  # one row with text below it: a box around text, not a table
        # One row ending the page is a table's header, its body on the next page.
        regions.append(TableRegion(x0, top, x1, bottom, [], page, cells))
    for (x0, top, x1, bottom), cells in three_line_tables(rules, chars, [g[0] for g in grids]):
        regions.append(TableRegion(x0, top, x1, bottom, [], page, cells))
    return regions


def _to_display(rotation: int, w0: float, h0: float, left, right, bottom, top):
    """Maps a box in unrotated PDF space to (x0, x1, top, bottom) on the page as displayed."""
    if rotation == 90:
        return bottom, top, left, right
    if rotation == 180:
        return w0 - right, w0 - left, bottom, top
    if rotation == 270:
        return h0 - top, h0 - bottom, w0 - right, w0 - left
    return left, right, h0 - top, h0 - bottom


def _text_functions():
    """pdfium's three per-char text functions, typed to take the text page and the out-parameters
    as plain addresses: ctypes then converts no argument object on each call, about a third of
    their cost (they run three times for every char of every PDF page)."""
    import pypdfium2.raw as raw

    void, c_int = ctypes.c_void_p, ctypes.c_int
    return (
        ctypes.cast(raw.FPDFText_GetUnicode, ctypes.CFUNCTYPE(ctypes.c_uint, void, c_int)),
        ctypes.cast(raw.FPDFText_GetLooseCharBox, ctypes.CFUNCTYPE(c_int, void, c_int, void)),
        ctypes.cast(
            raw.FPDFText_GetCharBox, ctypes.CFUNCTYPE(c_int, void, c_int, void, void, void, void)
        ),
    )


def _page_chars(textpage, rotation: int, w0: float, h0: float) -> tuple[list[Char], int]:
    """Given a pdfium text page, returns its printed chars (top-left origin) and garbage count.

    Glyphs placed outside the page box are not text a reader sees, so they are dropped; spaces
    (printed or inferred by pdfium) only mark a word break on the next char.

    Called for every character of every PDF page (most of a text page's parse), so pdfium's
    functions and the out-parameters' addresses are bound once per page, and an unrotated
    page's boxes (nearly all) are mapped inline rather than by `_to_display`.
    """
    import pypdfium2.raw as raw

    width, height = (h0, w0) if rotation in (90, 270) else (w0, h0)
    get_unicode, get_loose_box, get_box = _text_functions()
    handle = ctypes.cast(textpage.raw, ctypes.c_void_p).value
    isfinite = math.isfinite
    n = raw.FPDFText_CountChars(textpage)
    tight = (ctypes.c_double * 4)()  # left, right, bottom, top
    at = ctypes.addressof(tight)
    refs = (at, at + 8, at + 16, at + 24)
    rect = raw.FS_RECTF()
    rect_at = ctypes.addressof(rect)
    upright = rotation in (0, 180)
    unrotated = rotation == 0
    chars: list[Char] = []
    append = chars.append
    garbage = 0
    space = False
    private = False  # a private-use glyph was kept: `_private_points` has work to do
    for i in range(n):
        code = get_unicode(handle, i)
        if 0xD800 <= code <= 0xDFFF:
            if code >= 0xDC00:
                continue  # the second half of a pair, joined to the first below
            low = get_unicode(handle, i + 1) if i + 1 < n else 0
            # pdfium gives a character beyond the BMP as two UTF-16 halves: one character.
            code = (
                0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                if 0xDC00 <= low <= 0xDFFF
                else 0xFFFD
            )
        text = chr(code)
        if code in (0, 0x0D, 0x0A, 0x02) or code == 0x20 or text.isspace():
            space = space or code == 0x20
            continue
        # The loose box spans the font's ascent to descent: the same height for every glyph of
        # a line, which makes line grouping and gap measuring robust to scaled text matrices.
        if not get_loose_box(handle, i, rect_at):
            continue
        if unrotated:
            x0, x1, y_top, y_bottom = rect.left, rect.right, h0 - rect.top, h0 - rect.bottom
        else:
            x0, x1, y_top, y_bottom = _to_display(
                rotation, w0, h0, rect.left, rect.right, rect.bottom, rect.top
            )
        if not isfinite(x0 + x1 + y_top + y_bottom):
            continue  # a damaged text matrix: no place on the page
        if y_top > height + 1 or y_bottom < -1 or x0 > width + 1 or x1 < -1:
            continue
        if _control(code):
            garbage += 1
            continue
        if upright and get_box(handle, i, *refs) and tight[1] > tight[0]:
            # Tight horizontally, so the gaps between glyphs are real.
            if unrotated:
                x0, x1 = tight[0], tight[1]
            else:
                x0, x1 = w0 - tight[1], w0 - tight[0]
        size = max(y_bottom - y_top, 0.1)
        append(Char(text, x0, x1, y_top, y_bottom, size, space))
        space = False
        if _private(code):
            private = True
    kept = _private_points(chars) if private else chars
    return kept, garbage + len(chars) - len(kept)


def _private_points(chars: list[Char]) -> list[Char]:
    """Some fonts (Shanxi's budget report) encode the decimal point as a private-use code beyond
    the BMP, printed as `.`: between a digit and one or two decimals it reads as the point it
    prints; anywhere else a private-use glyph means nothing searchable and is dropped."""
    out: list[Char] = []
    for i, ch in enumerate(chars):
        if not _private(ord(ch.text)):
            out.append(ch)
            continue
        after = [c.text.isdigit() for c in chars[i + 1 : i + 4]] + [False]
        digits = after.index(False)
        before = [c.text.isdigit() for c in reversed(out[-3:])] + [False]
        lead = before.index(False)
        follows_cjk = i + 1 < len(chars) and is_cjk(chars[i + 1].text)
        # `3602.08亿元`, and the `1.` numbering a heading (`1.集中财力保障重大战略`).
        if lead and (1 <= digits <= 2 or (lead <= 2 and follows_cjk)):
            ch.text = "."
            out.append(ch)
    return out


class _LazyPlumber:
    """pdfplumber, opened the first time a page needs table detection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pdf = None
        self._failed = False

    def tables(self, index: int, warnings: list[str]) -> list[TableRegion]:
        if self._failed:
            return []
        try:
            if self._pdf is None:
                import pdfplumber

                logging.getLogger("pdfminer").setLevel(logging.ERROR)
                self._pdf = pdfplumber.open(self.path)
            page = self._pdf.pages[index]
            regions = []
            for table in page.find_tables():
                # Only the geometry is taken from pdfplumber: the cell text comes from pdfium's
                # characters, which decode more fonts (GBK-named, missing ToUnicode) correctly.
                cells = [list(row.cells) for row in table.rows]
                if len(cells) < 2 or max(len(r) for r in cells) < 2:
                    continue  # a frame or a box around text, not a table
                x0, top, x1, bottom = table.bbox
                regions.append(TableRegion(x0, top, x1, bottom, [], index + 1, cells))
            page.close()
            return regions
        except Exception as exc:  # pdfplumber is a second opinion: its failure costs tables only
            self._failed = True
            warnings.append(f"table detection failed, tables kept as text: {type(exc).__name__}")
            return []

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
